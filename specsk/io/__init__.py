"""Safe persistence: save and load models without pickle (skops format).

:func:`save_model` writes a model as a skops zip archive plus the metadata specsk records
(versions, classes, sample rate, clip length); :func:`load_model` loads it after checking
every type it holds against a list of trusted types, so a file from elsewhere cannot run code
on loading; :func:`model_info` reads the metadata without loading the model. The networks of
skorch estimators are stored as NumPy arrays and rebuilt on load.

``joblib.dump``/``pickle`` keep working for your own files, but loading a pickle runs any code
it holds: never load one you did not write yourself.
"""

from ..exceptions import ModelVersionWarning, UntrustedTypesError
from ._persist import FORMAT_VERSION, load_model, model_info, save_model

__all__ = [
    "FORMAT_VERSION",
    "ModelVersionWarning",
    "UntrustedTypesError",
    "load_model",
    "model_info",
    "save_model",
]

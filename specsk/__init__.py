"""specsk: sound classification with spectrograms as images, the scikit-learn way.

Subpackages (imported on demand, so ``import specsk`` stays light):

- :mod:`specsk.audio` - loading, resampling, fixed-length fragments, normalisation
- :mod:`specsk.spectrogram` - STFT, mel, CQT, gammatone, Bark, CWT, dB, PCEN, MFCC, chroma
- :mod:`specsk.filters` - image filters and denoising for spectrogram batches
- :mod:`specsk.features` - texture, image, spectral and temporal features
- :mod:`specsk.decomposition` - HPSS, NMF, ICA source separation
- :mod:`specsk.segmentation` - region segmentation, region features, template matching
- :mod:`specsk.screening` - flag silent, clipped, noisy and duplicate clips
- :mod:`specsk.datasets` - synthetic sounds and dataset helpers
- :mod:`specsk.evaluation` - cross-validate several pipelines on a dataset
  (:func:`specsk.evaluate`)
- :mod:`specsk.registry` - every estimator, built-in or plugin
"""

import importlib

__version__ = "0.1.0.dev0"

_SUBMODULES = (
    "audio",
    "base",
    "datasets",
    "decomposition",
    "evaluation",
    "exceptions",
    "features",
    "filters",
    "io",
    "nn",
    "plotting",
    "recipes",
    "registry",
    "screening",
    "segmentation",
    "spec",
    "spectrogram",
    "utils",
)

# functions re-exported at the top level, imported on first use: {name: module}
_LAZY_FUNCTIONS = {"evaluate": "evaluation"}

__all__ = ["__version__", *_SUBMODULES, *_LAZY_FUNCTIONS]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_FUNCTIONS:
        module = importlib.import_module(f"{__name__}.{_LAZY_FUNCTIONS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'specsk' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)

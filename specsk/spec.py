"""Pipelines written as data: a YAML or JSON file that names estimators and their parameters.

A *pipeline spec* lets the command line (``specsk evaluate --pipeline spec.yaml``) and
configuration files describe a scikit-learn pipeline without Python. Its format::

    # mel_texture.yaml
    sr: 16000            # optional: sample rate the audio is read at
    duration: 1.0        # optional: clips are padded/cropped to this length first
    steps:
      - MelSpectrogram: {n_fft: 512, hop_length: 128, n_mels: 64}
      - PowerToDb
      - union:                               # a FeatureUnion of its items
          - GLCMFeatures: {levels: 16}
          - [LBPHistogram, TemporalStats]    # a list is a sub-pipeline
      - sklearn.preprocessing.StandardScaler
      - sklearn.svm.SVC: {C: 10, probability: true}

A step is an estimator name, or a one-key mapping from the name to its parameters. Names are
the registered estimators (``specsk plugins`` lists them: specsk's own and those of
installed plugins) or a dotted import path to any scikit-learn compatible class
(``sklearn.svm.SVC``). ``union`` takes a list of steps or sub-pipelines; ``pipeline`` takes a
list of steps. A parameter whose value is an estimator is written ``{estimator: STEP}``,
e.g. ``ROIFeatures: {segmenter: {estimator: {ThresholdSegmenter: {method: otsu}}}}``.
Lists become tuples where a parameter expects pairs (``size: [3, 3]``), as specsk accepts
both.

With ``duration`` the pipeline starts with ``FixedLength(duration=..., mode="pad_or_crop")``
so that it takes clips of any length (what :func:`specsk.evaluate` and ``specsk predict``
give it); ``sr`` is the rate the files are read at, and travels with the clips to every step
left at ``sr=None`` (see :class:`specsk.utils.SignalArray`).

Every error names the step (by position and name) and, for parameters, the parameter and
what is accepted.
"""

from __future__ import annotations

import importlib
import json
import numbers
import os
import pathlib

from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline, make_pipeline, make_union

__all__ = ["PipelineSpec", "build_pipeline", "load_spec"]

_TOP_KEYS = {"steps", "sr", "duration", "name"}


class PipelineSpec:
    """A parsed pipeline spec: the built ``pipeline`` and the spec's ``sr``/``duration``.

    Attributes
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The estimator the spec describes (unfitted).
    sr : float or None
        Sample rate to read the audio at (``None``: the data's own).
    duration : float or None
        Clip length in seconds the pipeline pads or crops to (``None``: none).
    name : str
        The spec's ``name``, else the file's stem.
    source : dict
        The spec as read.
    """

    def __init__(self, pipeline, *, sr=None, duration=None, name="pipeline", source=None):
        self.pipeline = pipeline
        self.sr = sr
        self.duration = duration
        self.name = name
        self.source = source

    def __repr__(self):
        return f"PipelineSpec(name={self.name!r}, sr={self.sr!r}, duration={self.duration!r})"


def _read(path) -> dict:
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"pipeline spec {str(path)!r} does not exist or is not a file")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"pipeline spec {path.name}: invalid JSON ({exc})") from None
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise ValueError(
            f"pipeline spec {path.name}: unknown extension {path.suffix!r}; use .yaml, .yml "
            "or .json"
        )
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        raise ImportError("reading a YAML pipeline spec needs PyYAML: pip install pyyaml") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"pipeline spec {path.name}: invalid YAML ({exc})") from None


def load_spec(spec) -> PipelineSpec:
    """Read a pipeline spec (a path to a ``.yaml``/``.yml``/``.json`` file, or a dict).

    Parameters
    ----------
    spec : str, os.PathLike or dict
        The file, or its content already parsed.

    Returns
    -------
    spec : PipelineSpec
        The unfitted ``pipeline``, with the spec's ``sr`` and ``duration``.

    Raises
    ------
    ValueError
        An unknown estimator or parameter, a badly formed step, or a parameter value the
        estimator rejects; the message names the step and what is accepted.

    Examples
    --------
    >>> from specsk.spec import load_spec
    >>> s = load_spec({"duration": 1.0, "steps": [
    ...     {"MelSpectrogram": {"n_fft": 256, "n_mels": 32}}, "PowerToDb", "TemporalStats",
    ...     {"sklearn.linear_model.LogisticRegression": {"C": 0.5}}]})
    >>> [name for name, _ in s.pipeline.steps]
    ['fixedlength', 'melspectrogram', 'powertodb', 'temporalstats', 'logisticregression']
    """
    name = "pipeline"
    if isinstance(spec, str | os.PathLike):
        name = pathlib.Path(spec).stem
        data = _read(spec)
    else:
        data = spec
    if not isinstance(data, dict) or "steps" not in data:
        raise ValueError(
            "a pipeline spec is a mapping with a 'steps' list (and optional 'sr', 'duration', "
            f"'name'), got {type(data).__name__}"
        )
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ValueError(
            f"pipeline spec: unknown key(s) {sorted(unknown)}; the keys are {sorted(_TOP_KEYS)}"
        )
    sr, duration = data.get("sr"), data.get("duration")
    for key, value in (("sr", sr), ("duration", duration)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, numbers.Real) or value <= 0
        ):
            raise ValueError(f"pipeline spec: {key} must be a positive number, got {value!r}")
    steps = data["steps"]
    if not isinstance(steps, list) or not steps:
        raise ValueError("pipeline spec: 'steps' must be a non-empty list of steps")
    pipe = build_pipeline(steps)
    if duration is not None:
        from .audio import FixedLength

        fixed = FixedLength(duration=float(duration), mode="pad_or_crop")
        pipe = make_pipeline(fixed, *(s for _, s in pipe.steps))
    return PipelineSpec(
        pipe,
        sr=None if sr is None else float(sr),
        duration=None if duration is None else float(duration),
        name=str(data.get("name", name)),
        source=data,
    )


def build_pipeline(steps, *, where="steps") -> Pipeline:
    """Build a :class:`~sklearn.pipeline.Pipeline` from a list of step specs (see the module
    docstring for the format)."""
    if not isinstance(steps, list) or not steps:
        raise ValueError(f"{where}: expected a non-empty list of steps, got {steps!r}")
    built = [_build_step(s, where=f"{where}[{i}]") for i, s in enumerate(steps)]
    return make_pipeline(*built)


def _build_step(step, *, where):
    if isinstance(step, list):
        return build_pipeline(step, where=where)
    if isinstance(step, str):
        name, params = step, {}
    elif isinstance(step, dict) and len(step) == 1:
        name, params = next(iter(step.items()))
        params = {} if params is None else params
    else:
        raise ValueError(
            f"{where}: a step is an estimator name or a one-key mapping {{name: {{params}}}}, "
            f"got {step!r}"
        )
    if name == "union":
        if not isinstance(params, list) or not params:
            raise ValueError(f"{where}: 'union' takes a non-empty list of steps")
        parts = [_build_step(p, where=f"{where}.union[{i}]") for i, p in enumerate(params)]
        return make_union(*parts)
    if name == "pipeline":
        return build_pipeline(params, where=f"{where}.pipeline")
    if not isinstance(params, dict):
        raise ValueError(
            f"{where} ({name}): parameters must be a mapping {{name: value}}, got {params!r}"
        )
    cls = _resolve_class(name, where)
    where = f"{where} ({name})"
    try:  # the parameters a default instance has (None: the class needs arguments)
        accepted = cls().get_params(deep=False)
    except Exception:
        accepted = None
    kwargs = {}
    for key, value in params.items():
        if accepted is not None and key not in accepted:
            raise ValueError(f"{where}: unknown parameter {key!r}; {name} takes {sorted(accepted)}")
        kwargs[key] = _value(value, where=f"{where}.{key}")
    try:
        est = cls(**kwargs)
    except TypeError as exc:
        raise ValueError(f"{where}: {exc}") from None
    if hasattr(est, "_validate_params"):
        try:
            est._validate_params()
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{where}: {exc}") from None
    return est


def _value(value, *, where):
    if isinstance(value, dict) and set(value) == {"estimator"}:
        return _build_step(value["estimator"], where=where)
    if isinstance(value, list) and all(isinstance(v, int | float | str) for v in value):
        return tuple(value)
    return value


def _resolve_class(name, where):
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}: an estimator name must be a non-empty string, got {name!r}")
    if "." in name:
        module, _, attr = name.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            raise ValueError(
                f"{where}: cannot import {name!r} (a dotted path module.Class, e.g. "
                "sklearn.svm.SVC)"
            ) from None
    else:
        from .registry import all_estimators

        known = dict(all_estimators())
        if name not in known:
            close = [k for k in known if k.lower() == name.lower()]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"{where}: unknown estimator {name!r}{hint}; use a registered name (`specsk "
                "plugins` lists them) or a dotted import path such as sklearn.svm.SVC"
            )
        cls = known[name]
    if not (isinstance(cls, type) and issubclass(cls, BaseEstimator)):
        raise ValueError(f"{where}: {name!r} is not a scikit-learn estimator class")
    return cls

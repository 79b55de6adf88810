"""save_model / load_model / model_info: skops files with specsk's trust rules and metadata."""

from __future__ import annotations

import copy
import importlib
import importlib.metadata
import json
import os
import platform
import warnings
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

from ..exceptions import ModelVersionWarning, UntrustedTypesError
from . import _trust
from ._nets import NetState, is_net, is_torch_object, net_to_state, state_to_net

__all__ = ["FORMAT_VERSION", "load_model", "model_info", "save_model"]

#: version of the layout of the metadata specsk adds to the skops file
FORMAT_VERSION = 1
_METADATA = "specsk_metadata.json"
_RESERVED = ("format", "format_version", "estimator", "versions", "uses_torch", "created")
_CHECKED_VERSIONS = ("specsk", "scikit-learn", "torch")


# -- walking a model ----------------------------------------------------------------------------
def _walk(obj, convert, memo: dict, where: str):
    """``obj`` with ``convert`` applied to every value it holds, copying only what changes.

    Descends into lists, tuples, dicts and scikit-learn estimators (their ``__dict__``);
    ``convert(value, where)`` returns a replacement or None. Shared objects stay shared.
    """
    key = id(obj)
    if key in memo:
        return memo[key][1]
    new = convert(obj, where)
    if new is None:
        new = obj
        if type(obj) in (list, tuple):
            items = [_walk(v, convert, memo, f"{where}[{i}]") for i, v in enumerate(obj)]
            if any(a is not b for a, b in zip(items, obj, strict=True)):
                new = type(obj)(items)
        elif isinstance(obj, dict):
            items = {k: _walk(v, convert, memo, f"{where}[{k!r}]") for k, v in obj.items()}
            if any(items[k] is not v for k, v in obj.items()):
                new = copy.copy(obj)  # keeps the dict's class (Bunch, OrderedDict...)
                new.update(items)
        elif isinstance(obj, BaseEstimator) and hasattr(obj, "__dict__"):
            items = {k: _walk(v, convert, memo, f"{where}.{k}") for k, v in vars(obj).items()}
            if any(items[k] is not v for k, v in vars(obj).items()):
                new = object.__new__(type(obj))  # a shallow copy; the caller's model is kept
                vars(new).update(items)
    memo[key] = (obj, new)  # obj kept alive, so its id is not reused during the walk
    return new


def _to_saved(model):
    """The model with every skorch network replaced by a :class:`NetState`."""
    memo: dict = {}
    found = []

    def convert(obj, where):
        if is_net(obj):
            found.append(where)
            return net_to_state(obj, lambda v, sub: _walk(v, convert, memo, f"{where}.{sub}"))
        if is_torch_object(obj):
            raise TypeError(
                f"save_model cannot store the torch {type(obj).__name__} at {where} without "
                "pickling it; specsk saves the networks of skorch estimators (weights as "
                "arrays), not torch objects held elsewhere"
            )
        return None

    return _walk(model, convert, memo, "model"), bool(found)


def _from_saved(obj, resolve):
    memo: dict = {}

    def convert(value, where):
        if isinstance(value, NetState):
            return state_to_net(value, resolve)
        return None

    return _walk(obj, convert, memo, "model")


# -- metadata ---------------------------------------------------------------------------------
def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _versions() -> dict:
    import sklearn

    import specsk

    return {
        "specsk": specsk.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "skops": _version("skops"),
        "torch": _version("torch"),
        "skorch": _version("skorch"),
        "python": platform.python_version(),
    }


def _json_value(value, what: str):
    def default(v):
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, os.PathLike):
            return os.fspath(v)
        raise TypeError(f"{what} must hold JSON values (str, numbers, lists, dicts), got {v!r}")

    return json.loads(json.dumps(value, default=default))


def _first_steps(model):
    """The model, then the first step of the pipeline it is (or tuned), recursively."""
    seen = 0
    while model is not None and seen < 20:
        yield model
        seen += 1
        best = getattr(model, "best_estimator_", None)
        if best is not None:
            model = best
        elif hasattr(model, "steps") and getattr(model, "steps", None):
            model = model.steps[0][1]
        else:
            return


def _attr(est, name):
    try:
        value = getattr(est, name, None)
    except Exception:  # a property of an unfitted estimator
        return None
    return None if callable(value) else value


def _infer(model) -> dict:
    classes = _attr(model, "classes_")
    sr = duration = None
    for est in _first_steps(model):
        sr = sr if sr is not None else _attr(est, "sr_")
        sr = sr if sr is not None else _attr(est, "sr")
        duration = duration if duration is not None else _attr(est, "duration_")
        duration = duration if duration is not None else _attr(est, "duration")
        length = _attr(est, "length_")
        if duration is None and length is not None and sr:
            duration = float(length) / float(sr)
    return {
        "classes": None if classes is None else np.asarray(classes).tolist(),
        "sr": sr,
        "duration": duration,
    }


def save_model(model, path, *, metadata=None) -> Path:
    """Save a fitted (or unfitted) model in the skops format, without pickle.

    The file is a zip archive that :func:`load_model` reads without unpickling anything:
    scikit-learn and specsk estimators are stored as their attributes, arrays as ``.npy``,
    and the networks of skorch estimators (:class:`~specsk.nn.SpectrogramCNNClassifier`)
    as their parameters plus every ``state_dict`` entry as a NumPy array, rebuilt on load
    (the optimizer's state is not kept). It also records, readable with :func:`model_info`
    without loading the model: the versions of specsk, scikit-learn, NumPy, skops, torch,
    skorch and Python; the classes; the sample rate ``sr`` and clip ``duration`` (seconds)
    the model expects; and everything in ``metadata``.

    Parameters
    ----------
    model : estimator
        Any scikit-learn estimator, pipeline or search made of scikit-learn, specsk, NumPy
        and skorch objects. Objects of other types are saved too; :func:`load_model` then
        refuses them until they are trusted.
    path : str or path-like
        Where to write; ``.skops`` is the usual suffix. Parent folders must exist; an
        existing file is replaced.
    metadata : dict, optional
        JSON values to record. ``classes``, ``sr`` and ``duration`` override what is
        inferred from the model (``classes_``; ``sr_``/``sr`` and ``duration_``/``duration``
        of the model or its first step, or a fitted ``FixedLength``'s ``length_ / sr``);
        other keys (``"dataset"``, ``"accuracy"``...) are recorded as given. The keys
        ``format``, ``format_version``, ``estimator``, ``versions``, ``uses_torch`` and
        ``created`` are reserved.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    TypeError
        If the model holds a torch object outside a skorch estimator, a skorch estimator
        whose ``module`` is an ``nn.Module`` instance, or ``metadata`` is not JSON.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from specsk.io import load_model, model_info, save_model
    >>> X, y = np.random.default_rng(0).random((20, 3)), np.repeat(["a", "b"], 10)
    >>> clf = LogisticRegression().fit(X, y)
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = save_model(clf, pathlib.Path(tmp.name) / "clf.skops", metadata={"sr": 16000})
    >>> model_info(path)["classes"], model_info(path)["sr"]
    (['a', 'b'], 16000)
    >>> np.array_equal(load_model(path).predict(X), clf.predict(X))
    True
    >>> tmp.cleanup()
    """
    import skops.io

    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    clash = sorted(set(metadata) & set(_RESERVED))
    if clash:
        raise ValueError(f"metadata keys {clash} are reserved: the file records them itself")
    path = Path(path)
    saved, uses_torch = _to_saved(model)
    info = {
        "format": "specsk-model",
        "format_version": FORMAT_VERSION,
        "estimator": f"{type(model).__module__}.{type(model).__qualname__}",
        "versions": _versions(),
        "uses_torch": uses_torch,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **_json_value(_infer(model), "the inferred metadata"),
        **_json_value({str(k): v for k, v in metadata.items()}, "metadata"),
    }
    data = skops.io.dumps(saved, compression=zipfile.ZIP_DEFLATED)
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_bytes(data)
        with zipfile.ZipFile(tmp, "a", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_METADATA, json.dumps(info, indent=2, sort_keys=True))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# -- loading ------------------------------------------------------------------------------------
def _check_file(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file {os.fspath(path)!r} does not exist")
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{os.fspath(path)!r} is not a model saved by specsk.io.save_model (not a zip "
            "archive); a joblib/pickle file needs joblib.load, which runs code from the file: "
            "use it only on files you trust"
        )
    return path


def model_info(path) -> dict:
    """What :func:`save_model` recorded about a model, read without loading the model.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    info : dict
        ``format_version``; ``estimator`` (class of the saved model); ``versions`` (specsk,
        scikit-learn, numpy, skops, torch, skorch, python at saving); ``uses_torch`` (it
        holds skorch networks); ``created`` (UTC time); ``classes``, ``sr``, ``duration``
        (None where unknown); and every key given as ``metadata=``.

    Raises
    ------
    ValueError
        If the file is not a model saved by :func:`save_model`.
    """
    path = _check_file(path)
    with zipfile.ZipFile(path) as zf:
        try:
            raw = zf.read(_METADATA)
        except KeyError:
            raise ValueError(
                f"{os.fspath(path)!r} has no specsk metadata: it was not written by "
                "specsk.io.save_model (a plain skops file loads with skops.io.load)"
            ) from None
    info = json.loads(raw)
    info.pop("format", None)
    return info


def _net_classes(path) -> list[str]:
    """Class names of the networks saved as :class:`NetState`, read from the schema.

    Nothing is built. A network whose name this scan misses (a tampered file) is checked
    again before it is built.
    """
    with zipfile.ZipFile(path) as zf:
        schema = json.loads(zf.read("schema.json"))
    found: list[str] = []

    def visit(node):
        if isinstance(node, dict):
            if (
                node.get("__class__") == NetState.__name__
                and node.get("__module__") == NetState.__module__
            ):
                try:
                    field = node["content"]["content"]["estimator"]
                    if field.get("__loader__") == "JsonNode":
                        found.append(str(json.loads(field["content"])))
                except (KeyError, TypeError, AttributeError, ValueError):
                    pass
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    visit(schema)
    return found


def _import(name: str):
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot import {name}")


def _check_versions(info: dict, path) -> None:
    saved = info.get("versions") or {}
    now = _versions()
    checked = [k for k in _CHECKED_VERSIONS if k != "torch" or info.get("uses_torch")]
    diff = [
        f"{k} {saved.get(k)} (now {now.get(k)})"
        for k in checked
        if k in saved and saved.get(k) != now.get(k)
    ]
    if diff:
        warnings.warn(
            f"{os.fspath(path)!r} was saved with {', '.join(diff)}; predictions may differ "
            "under other versions. Check the model on known data, or install the versions it "
            "was saved with.",
            ModelVersionWarning,
            stacklevel=3,
        )


def load_model(path, *, trusted=None):
    """Load a model saved by :func:`save_model`, refusing types that are not trusted.

    Nothing is unpickled: the file is checked type by type before anything is built.
    Trusted by default are the classes of specsk, scikit-learn and NumPy (not their
    functions), the types skops trusts itself, the torch/skorch classes the parameters of
    specsk's networks hold by default, and what installed plugins declare (their registered
    estimator classes and the names in a module-level ``SKOPS_TRUSTED`` list of the module
    that defines them). Networks of skorch estimators are rebuilt from their parameters and
    saved weights. Loading under other versions of specsk, scikit-learn or (for a model with
    networks) torch than the file records gives a
    :class:`~specsk.exceptions.ModelVersionWarning`.

    Parameters
    ----------
    path : str or path-like
    trusted : list of str or type, optional
        Further types to accept, by the names listed in the error (e.g.
        ``["mypkg.features.MyStep"]``) or as the types themselves. Only list types from
        code you trust: loading builds them and calls their methods.

    Returns
    -------
    model : estimator

    Raises
    ------
    specsk.exceptions.UntrustedTypesError
        If the file holds types that are neither trusted by default nor listed in
        ``trusted``; its ``types`` attribute lists them. Nothing is built.
    ValueError
        If the file is not a zip archive (e.g. a joblib/pickle file).

    See Also
    --------
    save_model, model_info
    """
    import skops.io

    path = _check_file(path)
    try:
        info = model_info(path)
    except ValueError:
        info = {}  # a plain skops file: same checks, no metadata
    skops_types = skops.io.get_untrusted_types(file=path)
    net_types = sorted(set(_net_classes(path)))
    accepted, refused = _trust.split_trusted(skops_types, trusted)
    net_ok, net_refused = _trust.split_trusted(net_types, trusted, nets=True)
    refused = sorted(set(refused) | set(net_refused))
    if refused:
        raise UntrustedTypesError(refused)
    _check_versions(info, path)
    obj = skops.io.load(path, trusted=accepted)
    allowed = set(net_ok)

    def resolve(name):
        if name not in allowed:  # not found by the schema scan: check it now
            _ok, bad = _trust.split_trusted([name], trusted, nets=True)
            if bad:
                raise UntrustedTypesError(bad)
        return _import(name)

    return _from_saved(obj, resolve)

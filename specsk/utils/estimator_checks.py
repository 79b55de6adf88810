"""The specsk conformance suite, for built-ins and plugin authors alike.

scikit-learn's checks feed small 2-D numeric tables; most specsk steps take waveforms or image
batches. :func:`yield_sklearn_checks` runs scikit-learn's check functions on image steps too,
turning each table into a natural batch (:func:`as_image_batch`), and this suite checks the
specsk contract with *natural* inputs:
output rank, float32 kept, feature names, clone/pickle round trip, fitted-state rules, batch
independence, rejection of bad input, and use inside ``Pipeline`` and ``GridSearchCV``.
Models (``_output = "predictions"``, e.g. the CNN classifier) are checked through
``predict_proba``/``predict`` where transformers are checked through ``transform``.

What an estimator declares (``_kind``, ``_input``, ``_output``, ``_output_dtype``; see
:mod:`specsk.base`) is checked against what it does: :func:`check_declaration` checks the
declaration itself, :func:`check_output_rank` and :func:`check_float32_kept` check the output
kind and dtype ``transform`` actually returns on the natural input.

Estimators can steer it with two class hooks:

``_get_test_params()``
    list of small parameter dicts (one estimator per dict is checked);
``_make_test_input(rng)``
    classmethod returning ``(X, y)`` when the default natural input does not suit the step
    (for example file paths, written with :func:`temporary_test_folder`, or spectrograms
    with a fixed number of bins).

Examples
--------
>>> from specsk.utils.estimator_checks import check_estimator
>>> from specsk.spectrogram import MelSpectrogram            # doctest: +SKIP
>>> check_estimator(MelSpectrogram(sr=8000, n_fft=256, n_mels=16))  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import copy
import pickle
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from functools import partial

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import get_tags

from ..base import get_specsk_tags
from ._sklearn_compat import _check_name, patched_sklearn_checks, sklearn_estimator_checks

__all__ = [
    "INPUT_KINDS",
    "OUTPUT_KINDS",
    "as_image_batch",
    "check_estimator",
    "make_natural_input",
    "takes_image_batches",
    "temporary_test_folder",
    "yield_sklearn_checks",
    "yield_specsk_checks",
]

N_TEST = 8

#: What ``_input`` may declare (see :mod:`specsk.base`).
INPUT_KINDS = ("waveform", "ragged", "multichannel", "spectrogram", "labels", "paths", "features")
#: What ``_output`` may declare, with the ranks its output may have.
OUTPUT_KINDS = {
    "waveform": (2, 3),
    "spectrogram": (3, 4),
    "labels": (3, 4),
    "features": (2,),
    "predictions": (1, 2),
}


def temporary_test_folder(prefix: str = "specsk-test-") -> str:
    """A new temporary folder, removed when the interpreter exits.

    For ``_make_test_input`` hooks that must write files (for example audio files for a
    loader); the clean-up is registered when a test asks for a folder, never at import.
    """
    folder = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def make_natural_input(estimator, *, random_state=0, rank=None):
    """Return ``(X, y)`` of the kind ``estimator`` takes, as a user would pass it.

    Parameters
    ----------
    estimator : estimator instance
    random_state : int
    rank : int, optional
        For spectrogram input, 3 or 4 (default: the lowest rank the estimator accepts).
    """
    rng = np.random.default_rng(random_state)
    hook = getattr(type(estimator), "_make_test_input", None)
    y = np.tile([0, 1], N_TEST // 2)
    if hook is not None:
        return hook(rng) if rank is None else hook(rng, rank=rank)
    stags = get_specsk_tags(estimator)
    kind = stags["input"]
    if kind == "features" and takes_image_batches(estimator):  # a plugin without _input
        kind = "spectrogram"
    if kind in ("waveform", "ragged"):
        t = np.arange(4096) / 8000.0
        f0 = np.where(y == 0, 440.0, 1200.0)[:, None]
        X = 0.5 * np.sin(2 * np.pi * f0 * t) + 0.05 * rng.standard_normal((N_TEST, t.size))
        return X.astype(np.float32), y
    if kind == "multichannel":
        X = 0.1 * rng.standard_normal((N_TEST, 2, 4096))
        return X.astype(np.float32), y
    if kind in ("spectrogram", "labels"):
        ranks = getattr(type(estimator), "_spectrogram_ranks", (3, 4))
        rank = rank or min(ranks)
        shape = (N_TEST, 32, 24) if rank == 3 else (N_TEST, 2, 32, 24)
        if kind == "labels":  # a region in every image, larger in class 1
            X = np.zeros(shape, dtype=np.int32)
            X[..., 4:8, 2:20] = 1
            X[y == 1, ..., 8:12, :] = 1
            return X, y
        X = np.exp(rng.standard_normal(shape))
        # a class-dependent band so that a pipeline has something to learn
        X[y == 1, ..., 8:12, :] *= 20.0
        return X.astype(np.float32), y
    X = rng.standard_normal((N_TEST, 6))
    X[y == 1, 0] += 3.0
    return X.astype(np.float32), y


def _as_array(Xt):
    return np.asarray(Xt.to_numpy() if hasattr(Xt, "to_numpy") else Xt)


def _assert_same_output(a, b, msg: str, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), msg
        for x, z in zip(a, b, strict=True):
            np.testing.assert_allclose(x, z, rtol=rtol, atol=atol, err_msg=msg)
    else:
        np.testing.assert_allclose(_as_array(a), _as_array(b), rtol=rtol, atol=atol, err_msg=msg)


def _is_model(est) -> bool:
    return get_specsk_tags(est)["output"] == "predictions"


def _output_of(fitted, X):
    """What a step gives downstream: transform for transformers, probabilities for models."""
    if _is_model(fitted):
        if hasattr(fitted, "predict_proba"):
            return fitted.predict_proba(X)
        return fitted.predict(X)
    return fitted.transform(X)


def _fit_transform(est, X, y):
    return _output_of(clone(est).fit(X, y), X)


# -- the checks --------------------------------------------------------------------------------
def check_fit_returns_self(est):
    X, y = make_natural_input(est)
    e = clone(est)
    assert e.fit(X, y) is e, f"{type(est).__name__}.fit must return self"


def check_declaration(est):
    """The class declares its family, input and output from the known vocabulary.

    ``"labels"`` output must declare its integer dtype; a declared ``_output_dtype`` means the
    output does not keep the input's float dtype, so scikit-learn's ``preserves_dtype`` tag
    must not claim it does.
    """
    stags = get_specsk_tags(est)
    name = type(est).__name__
    assert isinstance(stags["kind"], str) and stags["kind"], f"{name}: _kind must be a str"
    assert stags["input"] in INPUT_KINDS, (
        f"{name}: _input={stags['input']!r} is not one of {INPUT_KINDS}"
    )
    assert stags["output"] in OUTPUT_KINDS, (
        f"{name}: _output={stags['output']!r} is not one of {tuple(OUTPUT_KINDS)}"
    )
    dtype = getattr(est, "_output_dtype", None)
    if stags["output"] == "labels":
        assert dtype is not None and np.issubdtype(np.dtype(dtype), np.integer), (
            f"{name}: labels output must declare its integer _output_dtype, got {dtype!r}"
        )
    if stags["output"] == "predictions":
        assert hasattr(est, "predict"), f"{name}: declares predictions but has no predict"
    elif not hasattr(est, "transform"):
        raise AssertionError(f"{name}: declares {stags['output']!r} output but has no transform")
    if dtype is not None and stags["output"] != "predictions":
        preserves = get_tags(est).transformer_tags.preserves_dtype
        assert np.dtype(dtype).name in preserves or not preserves, (
            f"{name}: outputs {dtype} but its preserves_dtype tag says {preserves}"
        )


def check_output_rank(est):
    """The output has the rank its declared output kind allows, one row per input clip."""
    X, y = make_natural_input(est)
    Xt = _fit_transform(est, X, y)
    out = get_specsk_tags(est)["output"]
    n = len(X)
    assert out in OUTPUT_KINDS, f"unknown output kind {out!r}; use one of {tuple(OUTPUT_KINDS)}"
    if out == "predictions" and np.ndim(Xt) == 2:  # probabilities
        np.testing.assert_allclose(np.sum(Xt, axis=1), 1.0, rtol=1e-5, err_msg="proba rows")
    if not (out == "waveform" and isinstance(Xt, list)):  # ragged clips
        ndim, ranks = _as_array(Xt).ndim, OUTPUT_KINDS[out]
        assert ndim in ranks, (
            f"{out} output must be {'/'.join(f'{r}-D' for r in ranks)}, got {ndim}-D"
        )
    assert len(Xt) == n, f"output has {len(Xt)} rows for {n} input clips"


def check_float32_kept(est):
    """float32 stays float32, unless the step declares another output dtype, which it keeps
    for float32 and float64 input alike (integer label images, for instance)."""
    if _is_model(est):
        return  # predictions and probabilities follow the model, not the input dtype
    X, y = make_natural_input(est)
    declared = getattr(est, "_output_dtype", None)
    if declared is not None:
        inputs = [X]
        if isinstance(X, np.ndarray) and np.issubdtype(X.dtype, np.floating):
            inputs.append(X.astype(np.float64))
        for Xi in inputs:
            Xt = _fit_transform(est, Xi, y)
            for a in Xt if isinstance(Xt, list) else [_as_array(Xt)]:
                assert np.asarray(a).dtype == np.dtype(declared), (
                    f"declares _output_dtype={declared!r} but gave {np.asarray(a).dtype} "
                    f"for {np.asarray(Xi).dtype} input"
                )
        return
    Xt = _fit_transform(est, X, y)
    arrays = Xt if isinstance(Xt, list) else [_as_array(Xt)]
    for a in arrays:
        dtype = np.asarray(a).dtype
        if np.issubdtype(dtype, np.floating):
            assert dtype == np.float32, f"float32 input gave {dtype} output; specsk keeps float32"
        assert dtype.kind not in "iub", (
            f"gave {dtype} output but declares no _output_dtype (output kind "
            f'{get_specsk_tags(est)["output"]!r}): declare it, e.g. _output = "labels" with '
            f'_output_dtype = "{dtype.name}"'
        )


def check_feature_names(est):
    if get_specsk_tags(est)["output"] != "features":
        return
    X, y = make_natural_input(est)
    e = clone(est).fit(X, y)
    Xt = e.transform(X)
    names = e.get_feature_names_out()
    assert len(names) == _as_array(Xt).shape[1], (
        f"{len(names)} feature names for {_as_array(Xt).shape[1]} output columns"
    )
    assert all(isinstance(s, str) and s for s in names), "feature names must be non-empty str"
    assert len(set(names)) == len(names), "feature names must be unique"
    try:
        import pandas  # noqa: F401
    except ImportError:  # pragma: no cover
        return
    df = clone(est).set_output(transform="pandas").fit(X, y).transform(X)
    assert list(df.columns) == list(names), "set_output('pandas') columns != feature names"


def _same_params(a, b):
    """Whether two parameter values match, comparing nested estimators by their params.

    A cloned nested estimator is a new object (``==`` is identity) and its repr may list
    a set in another order (string hashing is salted per process), so neither ``==`` on
    ``get_params()`` nor ``repr`` is a reliable test of a clone.
    """
    if hasattr(a, "get_params") and not isinstance(a, type):
        if type(a) is not type(b):
            return False
        pa, pb = a.get_params(deep=False), b.get_params(deep=False)
        return pa.keys() == pb.keys() and all(_same_params(pa[k], pb[k]) for k in pa)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(_same_params(x, z) for x, z in zip(a, b, strict=True))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_params(a[k], b[k]) for k in a)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    try:
        return bool(a == b)
    except Exception:  # objects without a usable ==
        return a is b


def check_clone_and_pickle(est):
    X, y = make_natural_input(est)
    c = clone(est)
    assert _same_params(c, est), f"clone({type(est).__name__}) has other parameters"
    fitted = clone(est).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    _assert_same_output(
        _output_of(fitted, X), _output_of(restored, X), "pickle round trip changed output"
    )


def check_fitted_state(est):
    X, y = make_natural_input(est)
    e = clone(est)
    if get_tags(e).requires_fit:
        try:
            _output_of(e, X)
        except NotFittedError:
            return
        raise AssertionError(f"{type(est).__name__} used before fit must raise NotFittedError")
    before = _output_of(e, X)
    after = _output_of(e.fit(X, y), X)
    _assert_same_output(before, after, "stateless transform changed after fit")


def check_batch_independence(est):
    """Images of a batch never mix: a sub-batch gives the same rows as the whole batch."""
    X, y = make_natural_input(est)
    e = clone(est).fit(X, y)
    full = _output_of(e, X)
    part = _output_of(e, X[2:5])
    _assert_same_output(full[2:5], part, "transforming a sub-batch changed its rows", 1e-4, 1e-5)


def check_deterministic(est):
    X, y = make_natural_input(est)
    _assert_same_output(_fit_transform(est, X, y), _fit_transform(est, X, y), "not deterministic")


def check_learns_nothing_from_data(est):
    """A step that declares ``_learns_from_data = False`` transforms alike whatever it saw.

    :func:`specsk.evaluate` computes such steps once for all folds; the declaration is only
    safe if fitting on another batch of the same shape gives the same transform.
    """
    if getattr(est, "_learns_from_data", True) is not False:
        return
    X, y = make_natural_input(est)
    other, _ = make_natural_input(est, random_state=1)
    a = _output_of(clone(est).fit(X, y), X)
    b = _output_of(clone(est).fit(other, y), X)
    _assert_same_output(
        a, b, "declares _learns_from_data=False but its transform depends on the fitted data"
    )


def check_rejects_nan(est):
    X, y = make_natural_input(est)
    if not isinstance(X, np.ndarray) or not np.issubdtype(X.dtype, np.floating):
        return
    Xbad = X.copy()
    Xbad.flat[3] = np.nan
    e = clone(est)
    try:
        e.fit(Xbad, y).transform(Xbad)
    except ValueError as exc:
        assert "nan" in str(exc).lower(), f"NaN error should say NaN: {exc}"
        return
    raise AssertionError(f"{type(est).__name__} accepted NaN input")


def check_rejects_wrong_rank(est):
    X, y = make_natural_input(est)
    if not isinstance(X, np.ndarray) or X.dtype.kind not in "fiu" or X.ndim < 2:
        return
    try:
        _output_of(clone(est).fit(X[0], y[:1]), X[0])
    except (ValueError, TypeError) as exc:
        assert str(exc), "error must have a message"
        return
    raise AssertionError(f"{type(est).__name__} accepted a single sample of rank {X.ndim - 1}")


def check_no_input_mutation(est):
    X, y = make_natural_input(est)
    if not isinstance(X, np.ndarray):
        return
    X0 = X.copy()
    _fit_transform(est, X, y)
    np.testing.assert_array_equal(X, X0, err_msg="fit/transform modified its input")


def _flatten(Xt):
    Xt = _as_array(Xt)
    return Xt.reshape(len(Xt), -1)


def check_in_pipeline_and_grid_search(est):
    X, y = make_natural_input(est)
    if _is_model(est):
        grid = GridSearchCV(make_pipeline(clone(est)), {}, cv=2, error_score="raise")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pred = grid.fit(X, y).predict(X)
        assert len(pred) == len(y) and set(np.unique(pred)) <= set(np.unique(y))
        return
    pipe = make_pipeline(
        clone(est),
        FunctionTransformer(_flatten),
        LogisticRegression(max_iter=200),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid = GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]}, cv=2, error_score="raise")
        grid.fit(X, y)
        pred = grid.predict(X)
    assert len(pred) == len(y)
    assert set(np.unique(pred)) <= set(np.unique(y))


_CHECKS: tuple[Callable, ...] = (
    check_declaration,
    check_fit_returns_self,
    check_output_rank,
    check_float32_kept,
    check_feature_names,
    check_clone_and_pickle,
    check_fitted_state,
    check_batch_independence,
    check_deterministic,
    check_learns_nothing_from_data,
    check_rejects_nan,
    check_rejects_wrong_rank,
    check_no_input_mutation,
    check_in_pipeline_and_grid_search,
)


def yield_specsk_checks(estimator) -> Iterator[Callable]:
    """Yield the specsk contract checks (each takes the estimator) that apply."""
    yield from _CHECKS


# -- scikit-learn's checks on image batches ----------------------------------------------------
# scikit-learn's check functions make small 2-D tables (make_blobs, rng.uniform(size=(n, d)))
# and pass them through `_enforce_estimator_tags_X` before fitting. For a step that takes
# image batches the adapter swaps that helper (and the few others a check reaches) for one
# that turns the table into a natural batch, row i -> image i, so every check whose intent
# holds for a batch of images runs scikit-learn's own code. Three checks build their bad
# input inline; they run here as N-D twins under the same names.

#: Checks whose data stay scikit-learn's 2-D tables: a sparse matrix is 2-D by definition, so
#: the check's premise for an image step is that it refuses one, naming sparse input.
_UNADAPTED_CHECKS = frozenset(
    {"check_estimator_sparse_tag", "check_estimator_sparse_array", "check_estimator_sparse_matrix"}
)


def takes_image_batches(estimator) -> bool:
    """Whether scikit-learn's checks need the adapter: the step takes 3-D/4-D input only.

    Read from the scikit-learn tags (``three_d_array`` without ``two_d_array``), so it
    holds for plugins that do not subclass :class:`~specsk.base.SpecskTransformer`.
    """
    tags = get_tags(estimator)
    return bool(tags.input_tags.three_d_array and not tags.input_tags.two_d_array)


def as_image_batch(estimator, X, *, random_state=0):
    """Turn a scikit-learn test table ``X`` of shape ``(n, d)`` into a natural batch.

    Image ``i`` is the natural input image ``i mod 8`` of ``estimator`` (see
    :func:`make_natural_input`: magnitude-like spectrograms, label images, multichannel clips,
    or what the class's ``_make_test_input`` hook gives), with row ``i`` of ``X``,
    standardised, as a gain ``exp(z / 4)`` spread over axis 1 (frequency bins, or channels):
    a row that differs gives an image that differs, the batch keeps the rows' order, and
    ``X[:, :k]`` after the adaptation selects ``k`` features as scikit-learn means them
    (``n_features_in_`` is the size of axis 1). Labels are kept integral (the gain is not
    applied); ``d == 1`` (scikit-learn's "one feature") keeps one bin. Floating ``X`` keeps
    its dtype. Arrays that are not 2-D are returned unchanged.
    """
    arr = np.asarray(X)
    if arr.ndim != 2 or arr.dtype.kind not in "biuf":
        return X
    n, d = arr.shape
    natural, _ = make_natural_input(estimator, random_state=random_state)
    natural = np.asarray(natural)
    base = natural[np.arange(n) % len(natural)]
    if d == 1:
        base = base[:, :1]
    dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    if np.issubdtype(natural.dtype, np.integer) or n == 0:  # label images: values stay labels
        return base.astype(dtype)
    values = arr.astype(np.float64)
    finite = values[np.isfinite(values)]
    scale = finite.std() if finite.size and finite.std() > 0 else 1.0
    z = np.clip((values - (finite.mean() if finite.size else 0.0)) / scale, -4.0, 4.0)
    m = base.shape[1]
    at = np.linspace(0.0, d - 1.0, m)
    lo = np.floor(at).astype(int)
    hi = np.minimum(lo + 1, d - 1)
    gain = z[:, lo] * (1.0 - (at - lo)) + z[:, hi] * (at - lo)  # (n, m), NaN/inf kept
    gain = np.exp(gain / 4.0).reshape(n, m, *([1] * (base.ndim - 2)))
    return (base * gain).astype(dtype)


def _random_state_zero(estimator) -> None:
    if "random_state" in estimator.get_params():
        estimator.set_params(random_state=0)


def _check_transformer_nd(name, transformer_orig, X, y):
    """scikit-learn's ``_check_transformer`` for any rank (its body unpacks a 2-D shape):
    ``fit_transform`` agrees with ``fit().transform`` and with itself, keeps the number of
    samples, and ``transform`` refuses a batch with one feature (bin) fewer than in fit."""
    n_samples = np.asarray(X).shape[0]
    transformer = clone(transformer_orig)
    _random_state_zero(transformer)
    transformer.fit(X, y)
    X_pred = clone(transformer).fit_transform(X, y=y)
    assert _as_array(X_pred).shape[0] == n_samples
    X_pred2 = transformer.transform(X)
    X_pred3 = transformer.fit_transform(X, y=y)
    if get_tags(transformer_orig).non_deterministic:
        return
    for other, what in ((X_pred2, "fit_transform and transform"), (X_pred3, "consecutive")):
        np.testing.assert_allclose(
            _as_array(X_pred), _as_array(other), atol=1e-2, err_msg=f"{what} outcomes differ"
        )
        assert _as_array(other).shape[0] == n_samples
    if hasattr(X, "shape") and get_tags(transformer).requires_fit and X.shape[1] > 1:
        try:
            transformer.transform(X[:, :-1])
        except ValueError:
            return
        raise AssertionError(
            f"The transformer {name} does not raise an error when the number of features in "
            "transform is different from the number of features in fit."
        )


def _apply_on_subsets_nd(func, X):
    """scikit-learn's ``_apply_on_subsets`` for any rank: the whole batch, then each sample
    alone as a batch of one (its body reshapes a sample to ``(1, n_features)``)."""
    result_full = func(X)
    result_by_batch = [func(sample[np.newaxis]) for sample in X]
    return np.ravel(_as_array(result_full)), np.ravel([_as_array(r) for r in result_by_batch])


def _expect_value_error(func, pattern: str | None, err_msg: str) -> None:
    try:
        func()
    except ValueError as exc:
        if pattern is not None and not re.search(pattern, str(exc)):
            raise AssertionError(f"{err_msg}; the error was: {exc}") from exc
        return
    raise AssertionError(err_msg)


def check_complex_data(name, estimator_orig):
    """scikit-learn's ``check_complex_data`` on a complex image batch."""
    rng = np.random.RandomState(42)
    X = as_image_batch(estimator_orig, rng.uniform(size=(10, 3)))
    X = X + 1j * X
    y = rng.randint(low=0, high=2, size=10)
    estimator = clone(estimator_orig)
    _random_state_zero(estimator)
    _expect_value_error(
        lambda: estimator.fit(X, y),
        "Complex data not supported",
        f"{name} did not refuse complex input with 'Complex data not supported'",
    )


def check_estimators_empty_data_messages(name, estimator_orig):
    """scikit-learn's ``check_estimators_empty_data_messages`` with an image batch of no
    images, and one whose images have no features (no bins, or no channels for 4-D)."""
    e = clone(estimator_orig)
    _random_state_zero(e)
    X = as_image_batch(estimator_orig, np.ones((12, 3)))
    _expect_value_error(
        lambda: e.fit(X[:0], []),
        None,
        f"The estimator {name} does not raise a ValueError when an empty data is used to train",
    )
    y = np.array([1, 0] * 6)
    _expect_value_error(
        lambda: e.fit(X[:, :0], y),
        r"0 feature\(s\) \(shape=\(\d*, 0(, \d+)*\)\) while a minimum of \d* is required",
        f"{name} must refuse images with no features (axis 1 of size 0) with scikit-learn's "
        "message",
    )


def check_estimators_nan_inf(name, estimator_orig):
    """scikit-learn's ``check_estimators_nan_inf`` with a NaN or an inf in one image."""
    rnd = np.random.RandomState(0)
    X = as_image_batch(estimator_orig, rnd.uniform(size=(10, 3)))
    y = np.r_[np.zeros(5), np.ones(5)]
    if not np.issubdtype(X.dtype, np.floating):  # pragma: no cover - natural input is float
        return
    for bad in (np.nan, np.inf):
        X_bad = X.copy()
        X_bad.reshape(-1)[0] = bad
        estimator = clone(estimator_orig)
        _random_state_zero(estimator)
        _expect_value_error(
            lambda: estimator.fit(X_bad, y),  # noqa: B023
            "inf|NaN",
            f"Estimator {name} doesn't check for NaN and inf in fit.",
        )
        estimator.fit(X, y)
        for method in ("predict", "transform"):
            if hasattr(estimator, method):
                _expect_value_error(
                    lambda m=method: getattr(estimator, m)(X_bad),  # noqa: B023
                    "inf|NaN",
                    f"Estimator {name} doesn't check for NaN and inf in {method}.",
                )


def check_classifiers_one_label_sample_weights(name, classifier_orig):
    """scikit-learn's ``check_classifiers_one_label_sample_weights`` on image batches: with
    weights that leave one class, ``fit`` either says why (naming the class, or
    ``sample_weight`` when it takes no weights) or predicts that class."""
    from sklearn.utils.validation import has_fit_parameter

    rnd = np.random.RandomState(0)
    X_train = as_image_batch(classifier_orig, rnd.uniform(size=(10, 10)))
    X_test = as_image_batch(classifier_orig, rnd.uniform(size=(10, 10)))
    y = np.arange(10) % 2
    classifier = clone(classifier_orig)
    weighted = has_fit_parameter(classifier, "sample_weight")
    try:
        classifier.fit(X_train, y, sample_weight=y.copy())
    except (TypeError, ValueError) as exc:
        pattern = r"\bclass(es)?\b" if weighted else r"\bsample_weight\b"
        if not re.search(pattern, str(exc)):
            raise AssertionError(
                f"{name} failed when fitted on one label after sample_weight trimming without "
                f"an explicit message (expected {pattern!r}): {exc}"
            ) from exc
        return
    np.testing.assert_array_equal(
        classifier.predict(X_test),
        np.ones(10),
        err_msg=f"{name} prediction results should only output the remaining class.",
    )


_ND_TWINS = {
    f.__name__: f
    for f in (
        check_complex_data,
        check_estimators_empty_data_messages,
        check_estimators_nan_inf,
        check_classifiers_one_label_sample_weights,
    )
}


def _image_view(real_get_tags):
    """``get_tags`` as the checks should see an image step: the table a check makes becomes
    an image batch, so the step takes the check's data (``two_d_array``); without this
    scikit-learn yields nothing but the clone check and skips e.g. the ``n_features_in_``
    check."""

    def image_tags(est):
        tags = real_get_tags(est)
        if takes_image_batches(est):
            tags = copy.deepcopy(tags)
            tags.input_tags.two_d_array = True
        return tags

    return image_tags


class _AdaptedCheck:
    """One scikit-learn check run on image batches (see :func:`yield_sklearn_checks`)."""

    def __init__(self, check):
        self.__wrapped__ = check  # scikit-learn's _check_name follows it
        name = _check_name(check)
        self.__name__ = name
        twin = _ND_TWINS.get(name)
        self._check = partial(twin, *check.args) if twin is not None else check

    def __call__(self, estimator):
        if self.__name__ in _UNADAPTED_CHECKS:
            return self._check(estimator)
        original = sklearn_estimator_checks()
        real_dataset = original._regression_dataset
        real_enforce_y = original._enforce_estimator_tags_y
        real_not_an_array = original.check_estimators_data_not_an_array

        def data_not_an_array(name, est, X, y, obj_type):
            # a DataFrame is 2-D: an image batch cannot be one, so only the array-like
            # (_NotAnArray) variant of this check applies
            if obj_type == "PandasDataframe" and np.ndim(X) > 2:
                return None
            return real_not_an_array(name, est, X, y, obj_type)

        def enforce(est, X, X_test=None, kernel=None):
            if X_test is not None:
                return as_image_batch(est, X), as_image_batch(est, X_test)
            return as_image_batch(est, X)

        def enforce_y(est, y):
            # checks take y from the first feature (y = X[:, 0]); of an image batch that is a
            # row of pixels per image, of which the first stands for the image
            y = np.asarray(y)
            while y.ndim > 1 and takes_image_batches(est):
                y = y[:, 0]
            return real_enforce_y(est, y)

        def regression_dataset():  # what unfitted-estimator checks pass: a small batch
            X, y = real_dataset()
            return as_image_batch(estimator, X[:20]), y[:20]

        with patched_sklearn_checks(
            get_tags=_image_view(original.get_tags),
            _enforce_estimator_tags_X=enforce,
            _enforce_estimator_tags_y=enforce_y,
            _regression_dataset=regression_dataset,
            _check_transformer=_check_transformer_nd,
            _apply_on_subsets=_apply_on_subsets_nd,
            check_estimators_data_not_an_array=data_not_an_array,
        ):
            return self._check(estimator)

    def __repr__(self):
        return f"{self.__name__} (on image batches)"


def yield_sklearn_checks(estimator, *, legacy: bool = True) -> Iterator[tuple[object, Callable]]:
    """Yield scikit-learn's ``(estimator, check)`` pairs, adapted to image batches.

    For a step that takes 2-D input this is scikit-learn's
    :func:`~sklearn.utils.estimator_checks.estimator_checks_generator`. For one that takes
    only 3-D/4-D batches (:func:`takes_image_batches`), the same checks are yielded, each
    wrapped so that the tables it makes become natural image batches
    (:func:`as_image_batch`) while it runs; ``check(estimator)`` runs it. Nothing is marked:
    the caller decides what ``_expected_failed_checks`` excuses.
    """
    from sklearn.utils.estimator_checks import estimator_checks_generator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SkipTestWarning when nothing is yielded
        if not takes_image_batches(estimator):
            yield from estimator_checks_generator(estimator, legacy=legacy)
            return
        with patched_sklearn_checks(get_tags=_image_view(sklearn_estimator_checks().get_tags)):
            pairs = list(estimator_checks_generator(estimator, legacy=legacy))
    for est, check in pairs:
        yield est, _AdaptedCheck(check)


def check_estimator(estimator, *, sklearn_checks: bool = True) -> None:
    """Run the specsk contract suite and scikit-learn's checks, on image batches too.

    Parameters
    ----------
    estimator : estimator instance
    sklearn_checks : bool, default=True
        Also run scikit-learn's checks (:func:`yield_sklearn_checks`: for a step that takes
        3-D/4-D input, on natural image batches made from the checks' tables), skipping the
        checks the estimator lists in ``_expected_failed_checks`` (``{check name: why its
        premise does not hold}``). scikit-learn's array-API checks are left out (specsk is
        NumPy-only).

    Raises
    ------
    AssertionError
        From the first failing check, naming it.
    """
    for check in yield_specsk_checks(estimator):
        try:
            check(estimator)
        except AssertionError as exc:
            raise AssertionError(f"{check.__name__} failed for {estimator!r}: {exc}") from exc
    if not sklearn_checks:
        return
    from unittest import SkipTest

    expected = dict(getattr(estimator, "_expected_failed_checks", {}))
    for est, check in yield_sklearn_checks(estimator):
        name = _check_name(check)
        if name in expected or name.startswith("check_array_api"):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check(est)
        except SkipTest:
            continue
        except Exception as exc:
            raise AssertionError(
                f"scikit-learn's {name} failed for {estimator!r}: {type(exc).__name__}: {exc}"
            ) from exc

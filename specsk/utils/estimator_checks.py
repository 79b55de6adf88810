"""The specsk conformance suite, for built-ins and plugin authors alike.

scikit-learn's own ``check_estimator`` feeds small 2-D numeric tables; most specsk steps take
waveforms or image batches, so this suite checks the same contract with *natural* inputs:
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
import pickle
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import get_tags

from ..base import get_specsk_tags

__all__ = [
    "INPUT_KINDS",
    "OUTPUT_KINDS",
    "check_estimator",
    "make_natural_input",
    "temporary_test_folder",
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


def check_estimator(estimator, *, sklearn_checks: bool = True) -> None:
    """Run the specsk contract suite, and scikit-learn's where the input is 2-D.

    Parameters
    ----------
    estimator : estimator instance
    sklearn_checks : bool, default=True
        Also run :func:`sklearn.utils.estimator_checks.check_estimator`, with the checks the
        estimator lists in ``_expected_failed_checks`` allowed to fail.

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
    if sklearn_checks and get_tags(estimator).input_tags.two_d_array:
        from sklearn.utils.estimator_checks import check_estimator as sk_check

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sk_check(
                estimator,
                expected_failed_checks=getattr(estimator, "_expected_failed_checks", {}),
            )

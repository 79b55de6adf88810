"""Hostile inputs for every registered estimator, generated over the registry.

Each estimator of :func:`specsk.registry.all_estimators` (plugins included) is built from
each of its ``_get_test_params()`` and fed variants of its natural input
(:func:`specsk.utils.estimator_checks.make_natural_input`, or the class's
``_make_test_input`` hook). The expected outcome of every input class is derived from the
estimator's declarations (``_input``, ``_output``, ``_output_dtype``, the accepted ranks), so
a new estimator or plugin is covered without new code. Nothing is compared with a stored
snapshot: results are checked by an invariant or against a reference computed in the test.

=====================  ==========================================  ========================
input class            variants                                    expected
=====================  ==========================================  ========================
non-finite values      NaN / +inf in fit, -inf in transform,       ValueError naming NaN or
                       NaN through fit_transform, NaN in a list    infinity
finite extremes        max |x| = 1e30, max |x| = 1e-40 (float32    finite output of the
                       denormals), constant, all zeros             natural output's shape, or
                                                                   a ValueError / warning
                                                                   naming the step ("finite
                                                                   in, finite out, or say so")
dtypes                 int, float16, bool, object holding numbers  float32 output (or the
                                                                   declared dtype) equal to
                                                                   the float32 result of the
                                                                   same values
                       float64                                     float64 output (or the
                                                                   declared dtype), close to
                                                                   the float32 result
                       complex, object holding text, str           ValueError / TypeError
layouts                nested lists, list of arrays, Fortran       equal to the C-contiguous
                       order, read-only, strided and negative-     array's result
                       stride views
ranks                  batch axis missing (fit, transform), one    ValueError / TypeError
                       axis too many                               naming the shape or rank
smallest inputs        one clip; every axis but the batch of size  finite output of the
                       one (a 1-sample clip, a 1x1 image)          declared rank, or say so
empty axes             0 clips (fit, transform), 0 of any other    ValueError
                       axis (samples, channels, bins, frames)
targets                y with a NaN, of the wrong length           y ignored (same output),
                                                                   or a ValueError about y
                       the same classes named 1e30 or "a"/"b"      the same output (1e30 may
                                                                   be refused as continuous)
file names             (paths input) list vs array, missing file,  same result; errors name
                       folder, non-audio file, a number, empty     the file or the type
=====================  ==========================================  ========================

Model steps and torch steps (registry kind ``"model"``, anything from :mod:`specsk.nn`) are
slow to build and fit: they get their first parameter set and the cheap variants only.
"""

from __future__ import annotations

import os
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from specsk.base import get_specsk_tags
from specsk.registry import all_estimators
from specsk.utils.estimator_checks import make_natural_input

# -- the estimators ---------------------------------------------------------------------------


def _is_heavy(cls) -> bool:
    """torch steps and models: first parameter set, cheap variants only."""
    return get_specsk_tags(cls)["kind"] == "model" or cls.__module__.startswith("specsk.nn")


def _estimators():
    out = []
    for name, cls in all_estimators():
        # a plugin that does not derive from SpecskTransformer may have no test parameters
        params_list = list(getattr(cls, "_get_test_params", lambda: [{}])())
        if _is_heavy(cls):
            params_list = params_list[:1]
        for i, params in enumerate(params_list):
            out.append((f"{name}-{i}", cls, params))
    return out


ESTIMATORS = _estimators()
_NATURAL: dict[str, tuple] = {}


def _make(cls, params):
    est = clone(cls(**params))
    if "random_state" in est.get_params() and est.get_params()["random_state"] is None:
        est.set_params(random_state=0)
    return est


def _natural(key, cls, params):
    """(X, y, output of fit(X).transform(X)) for the estimator's natural input, cached."""
    if key not in _NATURAL:
        est = _make(cls, params)
        X, y = make_natural_input(est)
        _NATURAL[key] = (X, y, _run(est, X, y))
    return _NATURAL[key]


def _stags(cls):
    return get_specsk_tags(cls)


def _is_model(cls) -> bool:
    return _stags(cls)["output"] == "predictions"


def _output_of(est, X):
    if _is_model(type(est)):
        return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)
    return est.transform(X)


def _run(est, X, y):
    """fit on ``X``, then transform (or predict_proba) ``X``; warnings silenced."""
    e = clone(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e.fit(X, y)
        return _as_array(_output_of(e, X))


def _as_array(out):
    if hasattr(out, "to_numpy"):
        out = out.to_numpy()
    if isinstance(out, list):
        return [np.asarray(a) for a in out]
    return np.asarray(out)


def _assert_same(a, b, what, *, rtol=1e-5):
    if isinstance(a, list) or isinstance(b, list):
        assert isinstance(a, list) and isinstance(b, list) and len(a) == len(b), what
        for x, z in zip(a, b, strict=True):
            _assert_same(x, z, what, rtol=rtol)
        return
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != {b.dtype}"
    scale = float(np.max(np.abs(b))) if b.size and np.isfinite(b).all() else 1.0
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * max(scale, 1e-30), err_msg=what)


def _input_kind(cls) -> str:
    return _stags(cls)["input"]


def _array_input(cls) -> bool:
    return _input_kind(cls) != "paths"


def _names_step(message: str, est) -> bool:
    """Whether an error or warning says which step (class name) or parameter it is about.

    A parameter named like an ordinary word (``features``, ``size``, ``method``) counts only
    as ``name=...``, quoted, or as the subject of "must", "should", "cannot", "is", "has"
    ("freqs must have ..."); one like ``n_fft`` or ``hop_length`` counts as a word.
    """
    if re.search(rf"\b{re.escape(type(est).__name__)}\b", message):
        return True
    for p in est.get_params(deep=False):
        if "_" in p or any(c.isdigit() for c in p):
            pattern = rf"\b{re.escape(p)}\b"
        else:
            pattern = (
                rf"\b{re.escape(p)}\s*=|['\"`]{re.escape(p)}['\"`]"
                rf"|\b{re.escape(p)}\s+(must|should|cannot|is|has)\b"
            )
        if re.search(pattern, message):
            return True
    return False


def _cases(variants, *, heavy_variants=None, array_only=True):
    """pytest params (estimator x variant); heavy steps get ``heavy_variants`` only."""
    out = []
    for key, cls, params in ESTIMATORS:
        if array_only and not _array_input(cls):
            continue
        allowed = variants
        if _is_heavy(cls) and heavy_variants is not None:
            allowed = [v for v in variants if v in heavy_variants]
        for v in allowed:
            out.append(pytest.param(key, cls, params, v, id=f"{key}-{v}"))
    return out


def _expect_error(func, types, pattern=None, what=""):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            func()
        except types as exc:
            msg = str(exc)
            assert msg, f"{what}: {type(exc).__name__} without a message"
            if pattern is not None:
                assert re.search(pattern, msg, re.IGNORECASE), (
                    f"{what}: the {type(exc).__name__} does not say why (expected "
                    f"{pattern!r}): {msg}"
                )
            return exc
    raise AssertionError(f"{what}: no {' or '.join(t.__name__ for t in types)} was raised")


def _fitted(est, X, y):
    e = clone(est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return e.fit(X, y)


# -- non-finite values: refused, saying so ----------------------------------------------------

NONFINITE = ["nan_fit", "posinf_fit", "neginf_transform", "nan_fit_transform", "nan_in_list"]


def _with_value(X, value, at=3):
    Xb = np.array(X, dtype=np.float32 if X.dtype.kind != "f" else X.dtype)
    Xb.reshape(-1)[at] = value
    return Xb


@pytest.mark.parametrize(
    "key, cls, params, variant",
    _cases(NONFINITE, heavy_variants={"nan_fit", "neginf_transform"}),
)
def test_nonfinite_values_are_refused(key, cls, params, variant):
    est = _make(cls, params)
    X, y, _ = _natural(key, cls, params)
    X = np.asarray(X)
    what = f"{type(est).__name__} given {variant}"
    pattern = r"nan|inf"
    if variant == "nan_fit":
        _expect_error(
            lambda: clone(est).fit(_with_value(X, np.nan), y), (ValueError,), pattern, what
        )
    elif variant == "posinf_fit":
        _expect_error(
            lambda: clone(est).fit(_with_value(X, np.inf), y), (ValueError,), pattern, what
        )
    elif variant == "neginf_transform":
        fitted = _fitted(est, X, y)
        Xb = _with_value(X, -np.inf, at=X.size - 1)
        _expect_error(lambda: _output_of(fitted, Xb), (ValueError,), pattern, what)
    elif variant == "nan_fit_transform":
        if _is_model(cls) or not hasattr(est, "fit_transform"):
            pytest.skip("no fit_transform")
        Xb = _with_value(X, np.nan)
        _expect_error(lambda: clone(est).fit_transform(Xb, y), (ValueError,), pattern, what)
    else:  # a NaN in a batch given as nested lists
        Xb = _with_value(X, np.nan).tolist()
        _expect_error(lambda: clone(est).fit(Xb, y), (ValueError,), pattern, what)


# -- finite extremes: finite in, finite out, or say so ----------------------------------------

EXTREMES = ["huge_1e30", "denormal_1e-40", "constant", "zeros"]


def _extreme(X, variant):
    X = np.asarray(X)
    dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float32)
    if variant == "constant":
        return np.ones_like(X) if X.dtype.kind in "iub" else np.full_like(X, 0.5)
    if variant == "zeros":
        return np.zeros_like(X)
    target = 1e30 if variant == "huge_1e30" else 1e-40
    X64 = X.astype(np.float64)
    return (X64 * (target / np.abs(X64).max())).astype(dtype)


def _finite_or_says_so(est, X, y, what):
    """fit/transform ``X``: the output if it is finite; ``None`` if the step refused ``X``
    (ValueError) or flagged non-finite output (warning), naming itself or a parameter."""
    name = type(est).__name__
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = _as_array(_output_of(clone(est).fit(X, y), X))
        except ValueError as exc:
            assert _names_step(str(exc), est), (
                f"{name} refused finite {what} input without naming the step or a parameter: {exc}"
            )
            return None
    outs = out if isinstance(out, list) else [out]
    n_bad = sum(int((~np.isfinite(o)).sum()) for o in outs if o.dtype.kind in "fc")
    if n_bad:
        said = [
            str(w.message)
            for w in caught
            # NumPy's floating-point warnings name an operation, not the step
            if "encountered in" not in str(w.message) and _names_step(str(w.message), est)
        ]
        assert said, (
            f"{name} gave {n_bad} non-finite output values for finite {what} input, without "
            f"an error or a warning naming the step; warnings: "
            f"{sorted({f'{w.category.__name__}: {w.message}' for w in caught})[:3]}"
        )
        return None
    return out


@pytest.mark.parametrize("key, cls, params, variant", _cases(EXTREMES))
def test_finite_extremes_give_finite_output_or_say_so(key, cls, params, variant):
    est = _make(cls, params)
    X, y, ref = _natural(key, cls, params)
    Xh = _extreme(X, variant)
    assert np.isfinite(Xh).all()
    out = _finite_or_says_so(est, Xh, y, variant)
    if out is None:
        return
    # the output's shape follows from the input's shape, not its values
    if isinstance(ref, list):
        assert [o.shape for o in out] == [r.shape for r in ref]
    else:
        assert out.shape == ref.shape, f"{variant}: shape {out.shape}, natural {ref.shape}"


# -- the smallest inputs: one clip, every other axis of size one ------------------------------

SMALLEST = ["one_clip", "every_axis_1"]


@pytest.mark.parametrize("key, cls, params, variant", _cases(SMALLEST, heavy_variants={"one_clip"}))
def test_smallest_inputs_give_finite_output_or_say_so(key, cls, params, variant):
    est = _make(cls, params)
    X, y, ref = _natural(key, cls, params)
    X = np.asarray(X)
    if variant == "one_clip":
        if _is_model(cls) or _stags(cls)["kind"] == "model":
            pytest.skip("a classifier needs two classes")
        Xs, ys = X[:1], y[:1]
    else:
        Xs, ys = X[(slice(None), *([slice(0, 1)] * (X.ndim - 1)))], y
    out = _finite_or_says_so(est, Xs, ys, f"{variant} {Xs.shape}")
    if out is None:
        return
    outs = out if isinstance(out, list) else [out]
    assert len(outs) == len(Xs) if isinstance(out, list) else len(out) == len(Xs)
    if not isinstance(out, list):
        assert out.ndim == np.ndim(ref), f"{variant}: output rank {out.ndim}, natural {ref.ndim}"
    if variant == "one_clip" and _stags(cls)["output"] in ("spectrogram", "labels", "waveform"):
        # no fitted statistics cross clips of an image step... unless it learns from the data;
        # its shape still follows from the clip's shape
        assert out.shape[1:] == np.shape(ref)[1:]


# -- dtypes -----------------------------------------------------------------------------------

DTYPES_SAME = ["int", "float16", "bool", "object_numbers"]
DTYPES_REFUSED = ["complex", "object_text", "str"]
DTYPES = [*DTYPES_SAME, "float64", *DTYPES_REFUSED]


def _as_dtype(X, variant, cls):
    """(input in that dtype, the same values as float32) for a dtype variant."""
    X = np.asarray(X)
    kind = _input_kind(cls)
    if variant == "int":
        if X.dtype.kind in "iu":
            Xi = X.astype(np.int64)
        elif kind in ("waveform", "ragged", "multichannel"):  # 16-bit PCM
            Xi = np.round(X / np.abs(X).max() * 32767).astype(np.int16)
        else:
            Xi = np.round(X * 10).astype(np.int32)
        return Xi, Xi.astype(np.float32)
    if variant == "float16":
        Xh = X.astype(np.float16)
        return Xh, Xh.astype(np.float32)
    if variant == "bool":
        Xb = X > np.median(X) if X.dtype.kind == "f" else X > 0
        return Xb, Xb.astype(np.float32)
    if variant == "object_numbers":
        return X.astype(object), X.astype(np.float32)
    if variant == "float64":
        return X.astype(np.float64), X.astype(np.float32)
    if variant == "complex":
        return X.astype(np.complex64) * (1 + 0.5j), None
    if variant == "object_text":
        return np.full(X.shape, "loud", dtype=object), None
    return np.full(X.shape, "loud"), None  # str


@pytest.mark.parametrize(
    "key, cls, params, variant",
    _cases(DTYPES, heavy_variants={"int", "float64", "complex", "object_text"}),
)
def test_dtypes(key, cls, params, variant):
    est = _make(cls, params)
    X, y, _ = _natural(key, cls, params)
    Xd, same_values = _as_dtype(X, variant, cls)
    name = type(est).__name__
    if variant in DTYPES_REFUSED:
        _expect_error(
            lambda: _output_of(clone(est).fit(Xd, y), Xd),
            (ValueError, TypeError),
            r"complex|real|numer|dtype|float|convert",
            f"{name} given {variant} input",
        )
        return
    out = _run(est, Xd, y)
    ref = _run(est, same_values, y)
    declared = getattr(cls, "_output_dtype", None)
    outs = out if isinstance(out, list) else [out]
    if not _is_model(cls):
        if declared is not None:
            expected = np.dtype(declared)
        elif variant == "float64":
            expected = np.dtype(np.float64)
        else:  # every other numeric dtype becomes float32
            expected = np.dtype(np.float32)
        for o in outs:
            assert o.dtype == expected, (
                f"{name}: {np.asarray(Xd).dtype} input gave {o.dtype} output, expected {expected}"
            )
    if variant == "float64":
        # the same values in float32: same shape, values close (labels may differ where a
        # threshold falls between the two roundings: only their shape is compared)
        refs = ref if isinstance(ref, list) else [ref]
        for o, r in zip(outs, refs, strict=True):
            assert o.shape == r.shape, f"{name}: float64 gave {o.shape}, float32 {r.shape}"
            if o.dtype.kind == "f" and np.isfinite(r).all():
                scale = max(float(np.abs(r).max()), 1e-30)
                np.testing.assert_allclose(o, r, rtol=2e-3, atol=2e-3 * scale, err_msg=name)
        return
    _assert_same(out, ref, f"{name}: {variant} input vs the same values as float32")


# -- layouts: the same result as the plain C-contiguous array ---------------------------------

LAYOUTS = [
    "nested_list",
    "list_of_arrays",
    "fortran",
    "read_only",
    "strided_view",
    "negative_strides",
]


def _layout(X, variant):
    X = np.asarray(X)
    if variant == "nested_list":
        return X.tolist()
    if variant == "list_of_arrays":
        return [x.copy() for x in X]
    if variant == "fortran":
        return np.asfortranarray(X)
    if variant == "read_only":
        Xr = X.copy()
        Xr.setflags(write=False)
        return Xr
    if variant == "strided_view":
        big = np.zeros((*X.shape[:-1], 2 * X.shape[-1]), dtype=X.dtype)
        big[..., ::2] = X
        return big[..., ::2]
    return np.flip(np.flip(X, axis=-1).copy(), axis=-1)  # negative strides


@pytest.mark.parametrize(
    "key, cls, params, variant", _cases(LAYOUTS, heavy_variants={"fortran", "read_only"})
)
def test_layouts_give_the_plain_array_result(key, cls, params, variant):
    est = _make(cls, params)
    X, y, ref = _natural(key, cls, params)
    X = np.ascontiguousarray(X)
    Xl = _layout(X, variant)
    if isinstance(Xl, np.ndarray):
        assert np.array_equal(Xl, X)
        before = Xl.copy()
    if variant == "nested_list":  # Python floats are float64: compare with that array
        ref = _run(est, np.array(Xl), y)
    out = _run(est, Xl, y)
    _assert_same(out, ref, f"{type(est).__name__}: {variant} input vs the C-contiguous array")
    if isinstance(Xl, np.ndarray):
        np.testing.assert_array_equal(Xl, before, err_msg="the input was modified")


# -- ranks ------------------------------------------------------------------------------------

RANKS = ["no_batch_axis_fit", "no_batch_axis_transform", "extra_axis_fit"]


def _accepted_ranks(est) -> set[int]:
    kind = _input_kind(type(est))
    multichannel = getattr(est, "_accepts_multichannel", lambda: False)()
    if kind == "waveform":
        return {2}
    if kind == "multichannel":
        return {2, 3}
    if kind == "ragged":
        return {2, 3} if multichannel else {2}
    if kind in ("spectrogram", "labels"):
        return set(getattr(type(est), "_spectrogram_ranks", None) or (3, 4))
    return {2}


@pytest.mark.parametrize(
    "key, cls, params, variant",
    _cases(RANKS, heavy_variants={"no_batch_axis_fit", "extra_axis_fit"}),
)
def test_wrong_ranks_are_refused(key, cls, params, variant):
    est = _make(cls, params)
    X, y, _ = _natural(key, cls, params)
    X = np.asarray(X)
    ranks = _accepted_ranks(est)
    name = type(est).__name__
    pattern = r"\d-D|\bdim|rank|shape|batch"
    if variant == "extra_axis_fit":
        high = max(ranks) + 1
        Xw = X.reshape(X.shape[:1] + (1,) * (high - X.ndim) + X.shape[1:])
        _expect_error(
            lambda: _output_of(clone(est).fit(Xw, y), Xw),
            (ValueError, TypeError),
            pattern,
            f"{name} given a {Xw.ndim}-D batch (accepts {sorted(ranks)})",
        )
        return
    Xw = X[0]
    while Xw.ndim >= min(ranks) and Xw.ndim > 1:
        Xw = Xw[0]
    what = f"{name} given one {Xw.ndim}-D sample without the batch axis"
    if variant == "no_batch_axis_fit":
        _expect_error(
            lambda: clone(est).fit(Xw, y[:1]), (ValueError, TypeError), pattern, what + " in fit"
        )
    else:
        fitted = _fitted(est, X, y)
        _expect_error(
            lambda: _output_of(fitted, Xw), (ValueError, TypeError), pattern, what + " after fit"
        )


# -- empty axes -------------------------------------------------------------------------------

EMPTY = ["0_clips_fit", "0_clips_transform", "0_axis1", "0_axis2", "0_axis3"]


@pytest.mark.parametrize(
    "key, cls, params, variant",
    _cases(EMPTY, heavy_variants={"0_clips_fit", "0_clips_transform"}),
)
def test_empty_axes_are_refused(key, cls, params, variant):
    est = _make(cls, params)
    X, y, _ = _natural(key, cls, params)
    X = np.asarray(X)
    name = type(est).__name__
    pattern = r"empty|\b0\b|at least|minimum|no (clips|samples|images)"
    if variant == "0_clips_fit":
        _expect_error(
            lambda: clone(est).fit(X[:0], y[:0]), (ValueError,), pattern, f"{name} fit on 0 clips"
        )
        return
    if variant == "0_clips_transform":
        fitted = _fitted(est, X, y)
        _expect_error(
            lambda: _output_of(fitted, X[:0]), (ValueError,), pattern, f"{name} given 0 clips"
        )
        return
    axis = int(variant[-1])
    if axis >= X.ndim:
        pytest.skip(f"the natural input is {X.ndim}-D")
    Xe = np.take(X, [], axis=axis)
    _expect_error(
        lambda: _output_of(clone(est).fit(Xe, y), Xe),
        (ValueError,),
        pattern,
        f"{name} given a batch of shape {Xe.shape}",
    )


# -- hostile targets: y is ignored, refused with a reason, or only names the classes ---------

TARGETS = ["y_nan", "y_huge_labels", "y_text_labels", "y_wrong_length"]


def _target(y, variant):
    y = np.asarray(y)
    if variant == "y_nan":
        yb = y.astype(np.float64)
        yb[1] = np.nan
        return yb
    if variant == "y_huge_labels":  # the same classes, named 0 and 1e30
        return np.where(y == y.max(), 1e30, 0.0)
    if variant == "y_text_labels":  # the same classes, named "a" and "b" (same order)
        return np.where(y == y.max(), "b", "a")
    return y[:-1]


@pytest.mark.parametrize(
    "key, cls, params, variant",
    _cases(TARGETS, heavy_variants={"y_nan", "y_huge_labels"}),
)
def test_hostile_targets(key, cls, params, variant):
    """A step that ignores ``y`` gives its usual output; one that learns from it refuses a
    NaN or a wrong length with a ValueError about y, and is invariant to the names of the
    classes (the same classes in the same order give the same output; float names that are
    not exact integers, such as 1e30, may be refused as a continuous target, as scikit-learn
    does)."""
    est = _make(cls, params)
    X, y, ref = _natural(key, cls, params)
    yh = _target(y, variant)
    name = type(est).__name__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = _as_array(_output_of(clone(est).fit(X, yh), X))
        except ValueError as exc:
            msg = str(exc)
            if variant == "y_text_labels":
                raise AssertionError(
                    f"{name} refused string class names (the same classes): {msg}"
                ) from exc
            # a classifier may take float labels as a continuous target, as scikit-learn does
            assert re.search(r"\by\b|label|target|class|samples", msg, re.I), (
                f"{name}: the error for {variant} does not say it is about y: {msg}"
            )
            return
    _assert_same(out, ref, f"{name}: fitted with {variant} vs the natural y")


# -- file names (steps that take paths) -------------------------------------------------------

PATHS = ["list", "column", "missing_file", "folder", "not_audio", "a_number", "empty"]


def _path_cases():
    out = []
    for key, cls, params in ESTIMATORS:
        if _input_kind(cls) == "paths":
            out.extend(pytest.param(key, cls, params, v, id=f"{key}-{v}") for v in PATHS)
    return out


@pytest.mark.parametrize("key, cls, params, variant", _path_cases())
def test_paths_input(key, cls, params, variant, tmp_path):
    est = _make(cls, params)
    X, y, ref = _natural(key, cls, params)
    name = type(est).__name__
    if variant in ("list", "column"):
        Xl = list(X) if variant == "list" else np.asarray(X, dtype=object).reshape(-1, 1)
        _assert_same(_run(est, Xl, y), ref, f"{name}: paths as a {variant}")
        return
    if variant == "empty":
        _expect_error(lambda: clone(est).fit_transform([]), (ValueError,), r"empty|no |0", name)
        return
    if variant == "a_number":
        _expect_error(
            lambda: clone(est).fit_transform([*list(X[:2]), 3.5]),
            (TypeError, ValueError),
            r"str|path|float|3\.5",
            f"{name} given a number among the paths",
        )
        return
    if est.get_params().get("on_error", "raise") != "raise":
        pytest.skip("on_error is not 'raise'")
    if variant == "missing_file":
        bad = str(tmp_path / "no_such_clip.wav")
    elif variant == "folder":
        bad = str(tmp_path)
    else:
        bad = str(tmp_path / "notes.wav")
        with open(bad, "w") as f:
            f.write("not audio at all\n")
    exc = _expect_error(
        lambda: clone(est).fit_transform([*list(X[:2]), bad]),
        (ValueError, TypeError, OSError),
        None,
        f"{name} given a {variant}",
    )
    assert os.path.basename(bad) in str(exc), f"the error does not name the file: {exc}"

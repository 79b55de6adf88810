"""Finite in, finite out: the base class's last line of defence (specsk/utils/_finite.py)."""

import numpy as np
import pytest

from specsk.base import SpecskTransformer
from specsk.exceptions import NonFiniteResultError
from specsk.utils._finite import all_finite, non_finite_error


class _Squares(SpecskTransformer):
    """Squares its input: overflows float32 near 1e20, not float64."""

    _parameter_constraints = {}

    def _transform(self, X):
        return X * X


class _Divide(SpecskTransformer):
    """Divides by a parameter: NaN/inf in any precision when eps=0 on a zero image."""

    _parameter_constraints = {"eps": [float]}

    def __init__(self, *, eps=0.0):
        self.eps = eps

    def _transform(self, X):
        with np.errstate(divide="ignore", invalid="ignore"):
            return X / (X.sum(axis=(-2, -1), keepdims=True) * 0 + self.eps)


def test_overflowing_float32_step_is_recomputed_in_float64():
    X = np.full((2, 3, 4), 1e15, dtype=np.float32)
    out = _Squares().fit_transform(X)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, 1e30, rtol=1e-6)


def test_result_above_float32_range_raises_naming_step_and_cause():
    X = np.full((2, 3, 4), 1e30, dtype=np.float32)
    with pytest.raises(NonFiniteResultError, match=r"_Squares turned finite input.*float32"):
        _Squares().fit_transform(X)
    # float64 input holds the true result
    assert np.isfinite(_Squares().fit_transform(X.astype(np.float64))).all()
    # the error is a ValueError: GridSearchCV's error_score and users' handlers see it
    assert issubclass(NonFiniteResultError, ValueError)


def test_parameter_cause_is_named():
    X = np.ones((2, 3, 4), dtype=np.float32)
    with pytest.raises(NonFiniteResultError, match=r"eps=0"):
        _Divide(eps=0.0).fit(X).transform(X)


def test_denormal_cause_is_named():
    err = non_finite_error("Step", np.full((1, 2, 2), 1e-40, np.float32), np.full(3, np.nan))
    assert "tiny" in str(err) and "Scale the input up" in str(err)


def test_all_finite_ignores_integer_and_lists():
    assert all_finite(np.array([1, 2]))
    assert all_finite([np.ones(3), np.zeros(2)])
    assert not all_finite([np.ones(3), np.array([np.inf])])

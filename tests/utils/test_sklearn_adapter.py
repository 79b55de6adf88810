"""The adapter that runs scikit-learn's checks on image batches must catch broken 3-D steps."""

import numpy as np
import pytest

from specsk.base import SpecskTransformer
from specsk.utils._sklearn_compat import _check_name, sklearn_estimator_checks
from specsk.utils.estimator_checks import (
    as_image_batch,
    check_estimator,
    takes_image_batches,
    yield_sklearn_checks,
)


class Tilt(SpecskTransformer):
    """A correct 3-D step: scales each frequency row (the plugin guide's example)."""

    _kind = "filter"
    _stateless = False  # so that the fitted-state and n_features_in_ checks apply
    _parameter_constraints: dict = {}

    def _fit(self, X, y):
        self.weights_ = np.arange(1, X.shape[-2] + 1, dtype=np.float64) ** 0.5

    def _transform(self, X):
        if X.shape[-2] != len(self.weights_):
            raise ValueError("X has another number of frequency bins than in fit")
        return X * self.weights_.astype(X.dtype)[:, None]


class MutatesInput(Tilt):
    def _transform(self, X):
        X *= 2.0  # in place: the caller's array (float input is not copied)
        return X


class IgnoresNFeatures(Tilt):
    def _n_features_bookkeeping(self, X_orig, arr, *, reset):
        if reset:
            self.n_features_in_ = arr.shape[1]  # set, but never compared in transform

    def _transform(self, X):
        return X * 2.0


class FitReturnsNone(Tilt):
    def fit(self, X, y=None):
        super().fit(X, y)


class ChangesDtype(Tilt):
    def _transform(self, X):
        return super()._transform(X).astype(np.float64)


def _run(estimator, check_name):
    """Run every variant of one scikit-learn check (through the adapter)."""
    ran = 0
    for est, check in yield_sklearn_checks(estimator):
        if _check_name(check) == check_name:
            check(est)
            ran += 1
    assert ran, f"{check_name} was not yielded"


def test_as_image_batch_is_a_natural_batch():
    X = np.random.default_rng(0).normal(loc=100, size=(5, 3)).astype(np.float32)
    S = as_image_batch(Tilt(), X)
    assert S.shape == (5, 32, 24) and S.dtype == np.float32 and (S > 0).all()
    assert not np.allclose(S[0], S[1])  # rows that differ give images that differ
    X10 = np.vstack([X, X])  # the natural images cycle every 8: row 9 repeats row 1
    S10 = as_image_batch(Tilt(), X10)
    np.testing.assert_allclose(S10[:5], S)  # the same table statistics give the same images
    assert not np.allclose(S10[9], S10[1])  # same row, another natural image
    assert as_image_batch(Tilt(), X[:, :1]).shape == (5, 1, 24)  # "one feature": one bin
    assert as_image_batch(Tilt(), X[0]).ndim == 1  # not a table: left as it is


def test_image_steps_get_all_of_scikit_learns_checks():
    assert takes_image_batches(Tilt())
    names = {_check_name(c) for _, c in yield_sklearn_checks(Tilt())}
    assert len(names) > 35
    for name in (
        "check_n_features_in_after_fitting",
        "check_estimators_fit_returns_self",
        "check_transformer_preserve_dtypes",
        "check_estimators_pickle",
        "check_methods_sample_order_invariance",
        "check_estimators_nan_inf",
        "check_estimators_empty_data_messages",
        "check_set_params",
    ):
        assert name in names


def test_sklearn_helpers_are_restored_after_a_check():
    module = sklearn_estimator_checks()
    before = (module._enforce_estimator_tags_X, module.get_tags, module._check_transformer)
    _run(Tilt(), "check_transformer_general")
    assert (module._enforce_estimator_tags_X, module.get_tags, module._check_transformer) == (
        before
    )


def test_a_correct_3d_step_passes_everything():
    check_estimator(Tilt())


@pytest.mark.parametrize(
    ("estimator", "check_name"),
    [
        (MutatesInput(), "check_transformer_general"),
        (IgnoresNFeatures(), "check_n_features_in_after_fitting"),
        (FitReturnsNone(), "check_estimators_fit_returns_self"),
        (ChangesDtype(), "check_transformer_preserve_dtypes"),
    ],
    ids=["mutates-input", "ignores-n_features_in_", "fit-returns-None", "changes-dtype"],
)
def test_broken_3d_steps_fail_the_adapted_check(estimator, check_name):
    with pytest.raises((AssertionError, ValueError)):
        _run(estimator, check_name)


def test_check_estimator_reports_the_failing_sklearn_check():
    # specsk's own contract suite does not look at n_features_in_: scikit-learn's check does
    with pytest.raises(AssertionError, match="scikit-learn's check_"):
        check_estimator(IgnoresNFeatures())

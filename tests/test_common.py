"""Every registered estimator against scikit-learn's checks and the specsk contract suite.

The estimators come from the registry, which lists every public estimator of specsk from the
declarations on its class (tests/test_registry.py checks that none is missing); the contract
suite checks each declaration (kind, input, output, output dtype) against what it does.

Checks that cannot apply to an estimator are listed, with the reason, in that estimator's
``_expected_failed_checks`` class attribute (next to the code they excuse) and are run as
expected failures, so a check that starts passing is noticed. scikit-learn's checks only feed
2-D tables, so they run for steps that take 2-D input (waveforms, feature tables); the specsk
contract suite runs for every step with natural inputs (see specsk/utils/estimator_checks.py).
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    _get_check_estimator_ids,
    estimator_checks_generator,
)

from specsk.registry import all_estimators
from specsk.utils.estimator_checks import yield_specsk_checks


def _instances():
    out = []
    for _, cls in all_estimators(include_plugins=False):
        for params in cls._get_test_params():
            out.append(cls(**params))
    return out


ESTIMATORS = _instances()


def _expected_failed(estimator):
    return dict(getattr(estimator, "_expected_failed_checks", {}))


def test_registry_is_not_empty():
    assert len(ESTIMATORS) > 0


def test_every_registered_estimator_is_checked():
    checked = {type(est) for est in ESTIMATORS}
    missing = [name for name, cls in all_estimators(include_plugins=False) if cls not in checked]
    assert not missing, f"no _get_test_params instance for {missing}"


def test_expected_failures_have_reasons():
    for est in ESTIMATORS:
        for check, reason in _expected_failed(est).items():
            assert check.startswith("check_"), f"{type(est).__name__}: {check!r}"
            assert isinstance(reason, str) and len(reason) > 20, (
                f"{type(est).__name__}.{check}: give a real reason"
            )


def test_every_parameter_is_constrained():
    for est in ESTIMATORS:
        missing = set(est.get_params(deep=False)) - set(est._parameter_constraints)
        assert not missing, f"{type(est).__name__}: no _parameter_constraints for {missing}"


def _check_name(check) -> str:
    return getattr(check, "func", check).__name__


def _sklearn_cases():
    """scikit-learn's checks for every estimator that takes 2-D input, as strict xfails where
    excused. Its array-API checks are left out: specsk is NumPy-only (no ``array_api_support``
    tag), and scikit-learn skips them anyway unless SCIPY_ARRAY_API is set."""
    for est in ESTIMATORS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SkipTestWarning: no 2-D input, nothing to yield
            checks = list(
                estimator_checks_generator(
                    est, legacy=True, expected_failed_checks=_expected_failed(est), mark="xfail"
                )
            )
        for param in checks:
            estimator, check = param.values if hasattr(param, "values") else param
            if _check_name(check).startswith("check_array_api"):
                continue
            marks = getattr(param, "marks", ())
            marks = [
                pytest.mark.xfail(reason=m.kwargs.get("reason", ""), strict=True)
                if m.name == "xfail"
                else m
                for m in marks
            ]
            yield pytest.param(
                estimator,
                check,
                marks=marks,
                id=_get_check_estimator_ids(estimator) + "-" + _get_check_estimator_ids(check),
            )


@pytest.mark.parametrize("estimator, check", list(_sklearn_cases()))
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


def _specsk_cases():
    for est in ESTIMATORS:
        expected = _expected_failed(est)
        for check in yield_specsk_checks(est):
            marks = ()
            if check.__name__ in expected:
                marks = pytest.mark.xfail(reason=expected[check.__name__], strict=True)
            yield pytest.param(est, check, marks=marks, id=f"{est!r}-{check.__name__}")


@pytest.mark.parametrize("estimator, check", list(_specsk_cases()))
def test_specsk_contract(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


def test_clone_check_compares_nested_estimators_by_params():
    # A clone's nested estimator is a new object whose repr may order a set
    # differently (salted string hashing); the check must compare parameters.
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from specsk.utils.estimator_checks import _same_params

    a = make_pipeline(StandardScaler(), LogisticRegression(C=2.0))
    assert _same_params(clone(a), a)
    assert not _same_params(make_pipeline(StandardScaler(), LogisticRegression(C=3.0)), a)
    assert not _same_params(make_pipeline(StandardScaler()), a)
    assert _same_params({"a": {"x", "y"}}, {"a": {"y", "x"}})
    assert not _same_params(np.arange(3), np.arange(4))

"""One home for scikit-learn's private names, and the public constraint tools built on it."""

import re
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pytest

import specsk
from specsk.filters import GaussianFilter, gaussian_filter, median_filter
from specsk.utils import validation
from specsk.utils._validation import check_names
from specsk.utils.validation import (
    InvalidParameterError,
    Names,
    Pair,
    as_names,
    as_pair,
    validate_params,
)

PACKAGE = Path(specsk.__file__).resolve().parent
# a private module (sklearn.x._y) or a private name from a public one (_check_feature_names)
PRIVATE = re.compile(
    r"^\s*(from\s+sklearn(\.\w+)*\._\w+\s+import|import\s+sklearn(\.\w+)*\._\w+"
    r"|from\s+sklearn(\.\w+)*\s+import\s+(\([^)]*\b_\w+|[^\n]*\b_\w+))",
    re.MULTILINE,
)


def test_private_sklearn_names_are_imported_in_one_module_only():
    offenders = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path.name != "_sklearn_compat.py" and PRIVATE.search(path.read_text(encoding="utf-8"))
    }
    assert not offenders, sorted(offenders)


def test_public_module_reexports_the_constraint_tools():
    from sklearn.utils import _param_validation as pv

    for name in ("Interval", "StrOptions", "Options", "HasMethods", "Hidden", "validate_params"):
        assert getattr(validation, name) is getattr(pv, name)
    assert set(validation.__all__) <= set(dir(validation))


@pytest.mark.parametrize(
    ("constraint", "good", "bad"),
    [
        (
            Pair(Integral, 1, None, closed="left"),
            [3, 3.0, (3, 5), [1, 2], np.array([2, 4]), np.int64(2)],
            [0, 2.5, (3, 0), (1, 2, 3), "3", True, (True, 2), None, np.nan, [[1, 2]]],
        ),
        (
            Pair(Real, 0, None, closed="left"),
            [0.0, (0.5, 2), 1],
            [-0.1, (1.0, np.inf), np.inf, (np.nan, 1.0)],
        ),
        (
            Pair(Integral, 1, None, closed="left", scalar=False),
            [(8, 8), [2, 3]],
            [8, (0, 8), (2,)],
        ),
        (
            Names({"mean", "std"}),
            ["mean", ("mean", "std"), ["std"]],
            ["var", (), ("mean", "mean"), ("mean", 1), 3, None],
        ),
        (Names({"mean"}, empty=True), [(), "mean"], [("x",)]),
    ],
)
def test_constraints(constraint, good, bad):
    assert all(constraint.is_satisfied_by(v) for v in good)
    assert not any(constraint.is_satisfied_by(v) for v in bad)


def test_constraint_messages_name_the_form():
    assert str(Pair(Integral, 1, None, closed="left")) == (
        "an int in the range [1, inf) or a (frequency, time) pair of them"
    )
    assert "pair, each" in str(Pair(Integral, 1, None, closed="left", scalar=False))
    assert str(Names({"b", "a"})) == "a name or a sequence of distinct names among {'a', 'b'}"


def test_normalisers():
    assert as_pair(3, integer=True) == (3, 3)
    assert as_pair((2.0, 5), integer=True) == (2, 5)
    assert as_pair(np.array([0.5, 1]), integer=False) == (0.5, 1.0)
    assert as_names("mean") == ("mean",) and as_names(["a", "b"]) == ("a", "b")
    assert check_names("a", "stats", ("a", "b")) == ("a",)
    with pytest.raises(ValueError, match="stats has unknown entries"):
        check_names(("a", "c"), "stats", ("a", "b"))
    with pytest.raises(ValueError, match="must name at least one"):
        check_names((), "stats", ("a", "b"))
    with pytest.raises(ValueError, match="must not repeat"):
        check_names(("a", "a"), "stats", ("a", "b"))
    with pytest.raises(TypeError, match="tuple of names"):
        check_names(3, "stats", ("a", "b"))


def test_function_and_estimator_share_one_declaration():
    assert gaussian_filter._skl_parameter_constraints is GaussianFilter._parameter_constraints
    S = np.ones((1, 4, 4), dtype=np.float32)
    with pytest.raises(InvalidParameterError, match="'sigma' parameter of gaussian_filter"):
        gaussian_filter(S, sigma=(1.0, -1.0))
    with pytest.raises(InvalidParameterError, match="'sigma' parameter of GaussianFilter"):
        GaussianFilter(sigma=(1.0, -1.0)).fit(S)
    with pytest.raises(InvalidParameterError, match=r"'size' parameter of median_filter"):
        median_filter(S, size=(3, 2.5))


def test_validate_params_decorator_for_plugins():
    @validate_params(
        {"gain": [validation.Interval(Real, 0, None, closed="left")]},
        prefer_skip_nested_validation=True,
    )
    def amplify(x, *, gain=1.0):
        return x * gain

    assert amplify(2.0, gain=3.0) == 6.0
    with pytest.raises(InvalidParameterError, match="'gain' parameter of"):
        amplify(2.0, gain=-1.0)

"""Base-class behaviour every specsk estimator inherits."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from specsk.base import FeatureExtractorMixin, SpecskTransformer, get_specsk_tags


class _Square(SpecskTransformer):
    _input = "spectrogram"
    _output = "spectrogram"
    _kind = "filter"

    def __init__(self, *, k=1.0):
        self.k = k

    _parameter_constraints = {"k": [float]}

    def _transform(self, X):
        return self.k * X**2


class _RowMeans(FeatureExtractorMixin, SpecskTransformer):
    _input = "spectrogram"
    _kind = "feature"

    def __init__(self):
        pass

    def _fit(self, X, y):
        self.n_rows_ = X.shape[1]

    def _transform(self, X):
        return X.mean(axis=-1)

    def _feature_names(self):
        return [f"mean_r{i}" for i in range(self.n_rows_)]


def test_stateless_works_without_fit_and_validates_params():
    X = np.ones((2, 3, 4), np.float32)
    assert _Square().transform(X).dtype == np.float32
    with pytest.raises(ValueError, match="'k' parameter"):
        _Square(k="big").transform(X)


def test_stateful_requires_fit():
    with pytest.raises(NotFittedError):
        _RowMeans().transform(np.ones((2, 3, 4)))


def test_n_features_mismatch_message():
    est = _Square().fit(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"expecting 3 features.*frequency bins"):
        est.transform(np.ones((2, 5, 4)))


def test_set_output_pandas_through_a_pipeline():
    X = np.random.default_rng(0).random((4, 3, 5)).astype(np.float32)
    pipe = make_pipeline(_Square(), _RowMeans(), StandardScaler()).set_output(transform="pandas")
    df = pipe.fit_transform(X)
    assert list(df.columns) == ["mean_r0", "mean_r1", "mean_r2"]
    # image steps ignore the request (a DataFrame cannot hold 3-D) and still return arrays
    assert isinstance(pipe[0].transform(X), np.ndarray)
    with pytest.raises(ValueError, match="transform must be"):
        _Square().set_output(transform="xml")


def test_tags():
    tags = _Square().__sklearn_tags__()
    assert tags.requires_fit is False
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array
    assert get_specsk_tags(_RowMeans) == {
        "kind": "feature",
        "input": "spectrogram",
        "output": "features",
        "requires_fit": True,
    }
    assert get_specsk_tags(StandardScaler)["kind"] == "other"


def test_specsk_tags_of_an_instance_follow_its_parameters():
    from specsk.filters import NoiseFloorRemoval

    assert get_specsk_tags(NoiseFloorRemoval(per="clip"))["requires_fit"] is False
    assert get_specsk_tags(NoiseFloorRemoval(per="dataset"))["requires_fit"] is True


class _Regions(SpecskTransformer):
    """Label images in, label images out: the declaration drives validation and tags."""

    _input = "labels"
    _output = "labels"
    _output_dtype = "int32"
    _kind = "segmentation"

    def __init__(self):
        pass

    def _transform(self, X):
        return (X > 0).astype(np.int32)


def test_labels_declaration_drives_tags_and_validation():
    from specsk.utils.estimator_checks import check_estimator

    tags = _Regions().__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array
    assert tags.transformer_tags.preserves_dtype == []  # int32 whatever the input dtype
    assert _Square().__sklearn_tags__().transformer_tags.preserves_dtype == [
        "float64",
        "float32",
    ]
    out = _Regions().transform(np.array([[[0, 2], [3, 0]]], dtype=np.int64))
    assert out.dtype == np.int32 and out.tolist() == [[[0, 1], [1, 0]]]
    with pytest.raises(ValueError, match="3-D"):
        _Regions().transform(np.zeros((2, 3), dtype=np.int32))
    check_estimator(_Regions())


def test_output_dtype_must_match_the_declaration():
    from specsk.utils.estimator_checks import check_declaration, check_float32_kept

    class Undeclared(_Regions):
        _output = "spectrogram"
        _output_dtype = None

    class NoDtype(_Regions):
        _output_dtype = None

    with pytest.raises(AssertionError, match="declares no _output_dtype"):
        check_float32_kept(Undeclared())
    with pytest.raises(AssertionError, match="integer _output_dtype"):
        check_declaration(NoDtype())


def test_fit_transform_validates_input_once(monkeypatch):
    X = np.random.default_rng(1).random((3, 4, 5)).astype(np.float32)
    calls = []
    original = SpecskTransformer._validate_input

    def counting(self, X, *, reset):
        calls.append(reset)
        return original(self, X, reset=reset)

    monkeypatch.setattr(SpecskTransformer, "_validate_input", counting)
    est = _RowMeans()
    Xt = est.fit_transform(X)
    assert calls == [True]  # one check of the batch, not fit's and then transform's
    assert est.n_features_in_ == 4 and est.n_rows_ == 4
    np.testing.assert_array_equal(Xt, _RowMeans().fit(X).transform(X))
    df = _RowMeans().set_output(transform="pandas").fit_transform(X)
    assert list(df.columns) == ["mean_r0", "mean_r1", "mean_r2", "mean_r3"]
    with pytest.raises(ValueError, match="'k' parameter"):
        _Square(k="big").fit_transform(X)


def test_fit_transform_keeps_an_overridden_fit():
    class Logged(_Square):
        def fit(self, X, y=None):
            self.logged_ = True
            return super().fit(X, y)

    est = Logged()
    est.fit_transform(np.ones((2, 3, 4)))
    assert est.logged_

"""Flatten: exact round trip, names, fitted shape."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline

from specsk.features import Flatten


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 4, 5), (3, 2, 4, 5)])
def test_round_trip_exact(shape, dtype):
    X = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    fl = Flatten().fit(X)
    Xt = fl.transform(X)
    assert Xt.shape == (3, int(np.prod(shape[1:]))) and Xt.dtype == dtype
    assert not np.shares_memory(Xt, X)
    back = fl.inverse_transform(Xt)
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, X)


def test_column_order_and_names():
    X = np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4)
    fl = Flatten().fit(X)
    names = fl.get_feature_names_out()
    assert len(names) == 12 == len(set(names))
    Xt = fl.transform(X)
    # column "b1_f2" is bin 1, frame 2
    j = list(names).index("b1_f2")
    np.testing.assert_array_equal(Xt[:, j], X[:, 1, 2])
    X4 = np.zeros((2, 2, 3, 4))
    names4 = Flatten().fit(X4).get_feature_names_out()
    assert names4[0] == "c0_b0_f0" and names4[-1] == "c1_b2_f3" and len(set(names4)) == 24


def test_eigen_spectrograms():
    X = np.random.default_rng(0).standard_normal((20, 6, 5))
    pipe = make_pipeline(Flatten(), PCA(n_components=3)).fit(X)
    comps = pipe[0].inverse_transform(pipe[1].components_)
    assert comps.shape == (3, 6, 5)


def test_shape_errors():
    fl = Flatten().fit(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(4, 5\)"):
        fl.transform(np.zeros((2, 4, 6)))
    with pytest.raises(ValueError, match="expecting 4"):
        fl.transform(np.zeros((2, 3, 5)))
    with pytest.raises(ValueError, match="20 columns"):
        fl.inverse_transform(np.zeros((2, 21)))
    with pytest.raises(ValueError, match="single 1-D row"):
        fl.inverse_transform(np.zeros(20))
    with pytest.raises(ValueError, match="batch of spectrograms"):
        Flatten().fit(np.zeros((4, 5)))

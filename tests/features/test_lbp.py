"""LBPHistogram / local_binary_patterns against skimage.feature.local_binary_pattern."""

import warnings

import numpy as np
import pytest
from skimage.feature import local_binary_pattern

from specsk.features import LBPHistogram, lbp_histogram, local_binary_patterns

METHODS = ("default", "ror", "uniform", "nri_uniform")


def _reference(S, P, R, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skimage warns on float images
        return np.stack([local_binary_pattern(s, P, R, method) for s in S])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("P, R", [(8, 1.0), (16, 2.0), (8, 1.5), (4, 3.0), (12, 2.5), (20, 3.0)])
def test_codes_identical_integer_images(method, P, R):
    rng = np.random.default_rng(0)
    S = rng.integers(0, 6, (3, 19, 23)).astype(np.float64)  # many ties: tests the >= rule
    np.testing.assert_array_equal(
        local_binary_patterns(S, P=P, R=R, method=method), _reference(S, P, R, method)
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_codes_identical_float_images(method, dtype):
    rng = np.random.default_rng(1)
    S = np.exp(rng.standard_normal((3, 17, 15))).astype(dtype)
    S[0, 4:9, 4:9] = 0.5  # a flat patch
    np.testing.assert_array_equal(
        local_binary_patterns(S, P=8, R=1.3, method=method), _reference(S, 8, 1.3, method)
    )


def test_var_method_close_to_skimage():
    rng = np.random.default_rng(2)
    S = rng.random((2, 15, 15))
    S[1, 3:10, 3:10] = 1.0  # flat region: NaN in both
    got = local_binary_patterns(S, P=8, R=1.0, method="var")
    ref = _reference(S, 8, 1.0, "var")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    # stated tolerance: the variance sums in another order than skimage's
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15, equal_nan=True)


def test_histogram_per_band_matches_bincount():
    rng = np.random.default_rng(3)
    S = rng.random((2, 20, 16))
    H = lbp_histogram(S, P=8, R=1.0, n_bands=2, density=False)
    codes = _reference(S, 8, 1.0, "uniform").astype(int)
    assert H.shape == (2, 2, 10)
    for k in range(2):
        np.testing.assert_array_equal(H[k, 0], np.bincount(codes[k, :10].ravel(), minlength=10))
        np.testing.assert_array_equal(H[k, 1], np.bincount(codes[k, 10:].ravel(), minlength=10))
    Hd = lbp_histogram(S, P=8, R=1.0, n_bands=2, density=True)
    np.testing.assert_allclose(Hd.sum(-1), 1.0, rtol=1e-12)


def test_n_bins_merges_codes():
    rng = np.random.default_rng(4)
    S = rng.random((2, 12, 12))
    full = lbp_histogram(S, P=4, R=1.0, method="default", density=False)  # 16 codes
    merged = lbp_histogram(S, P=4, R=1.0, method="default", n_bins=4, density=False)
    np.testing.assert_array_equal(merged[..., 0], full[..., 0:4].sum(-1))
    np.testing.assert_array_equal(merged[..., 3], full[..., 12:16].sum(-1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_estimator_multi_radius(dtype):
    rng = np.random.default_rng(5)
    S = rng.random((3, 16, 12)).astype(dtype)
    est = LBPHistogram(P=8, R=(1, 2)).fit(S)
    out = est.transform(S)
    assert out.dtype == dtype and out.shape == (3, 20)
    for i, r in enumerate((1, 2)):
        codes = _reference(S.astype(np.float64), 8, r, "uniform").astype(int)
        ref = np.stack([np.bincount(c.ravel(), minlength=10) / c.size for c in codes])
        np.testing.assert_allclose(out[:, 10 * i : 10 * i + 10], ref, rtol=1e-6)
    names = est.get_feature_names_out()
    assert names[0] == "lbp_R1_band0_bin0" and names[10] == "lbp_R2_band0_bin0"
    assert len(set(names)) == len(names) == out.shape[1]


def test_var_method_learns_edges():
    rng = np.random.default_rng(6)
    S = rng.random((4, 16, 16))
    est = LBPHistogram(method="var", n_bins=5).fit(S)
    assert len(est.var_edges_) == 1 and est.var_edges_[0].shape == (4,)
    out = est.transform(S)
    assert out.shape == (4, 5)
    np.testing.assert_allclose(out.sum(1), 1.0)
    # quantile edges: roughly equal population over the training images
    np.testing.assert_allclose(out.mean(0), 0.2, atol=0.02)


def test_4d_input():
    rng = np.random.default_rng(7)
    S = rng.random((2, 3, 10, 10))
    est = LBPHistogram(n_bands=2).fit(S)
    out = est.transform(S)
    names = est.get_feature_names_out()
    assert out.shape == (2, 3 * 2 * 10) == (2, len(names))
    assert names[20] == "ch1_lbp_R1_band0_bin0"
    single = LBPHistogram(n_bands=2).fit(S[:, 2])
    np.testing.assert_array_equal(out[:, 40:], single.transform(S[:, 2]))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"P": 0}, "P"),
        ({"R": -1.0}, "R"),
        ({"R": (1.0, -2.0)}, "R"),
        ({"method": "foo"}, "method"),
        ({"n_bins": 11}, "n_bins"),
        ({"n_bands": 50}, "n_bands"),
    ],
)
def test_invalid_params(params, match):
    S = np.random.default_rng(0).random((2, 10, 10))
    with pytest.raises(ValueError, match=match):
        LBPHistogram(**params).fit(S)


def test_threads_do_not_change_values():
    S = np.random.default_rng(8).random((9, 12, 10))
    one = local_binary_patterns(S, n_jobs=1)
    np.testing.assert_array_equal(local_binary_patterns(S, n_jobs=2), one)
    np.testing.assert_array_equal(local_binary_patterns(S, n_jobs=-1), one)

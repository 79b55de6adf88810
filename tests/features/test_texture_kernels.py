"""The fused texture kernels against the step-by-step NumPy definitions they replace."""

from itertools import pairwise

import numpy as np
import pytest
from numba.core.registry import CPUDispatcher

from specsk.features import (
    GLCMFeatures,
    LBPHistogram,
    _image_kernels,
    _texture_kernels,
    glcm_features,
    lbp_histogram,
    local_binary_patterns,
    quantize_images,
)


def _numpy_quantize(X, levels, value_range=None, bin_edges=None):
    # the NumPy formula quantize_images documents (and computed before it was compiled)
    X = np.asarray(X, dtype=np.float64)
    if bin_edges is not None:
        q = np.searchsorted(np.asarray(bin_edges, dtype=np.float64), X, side="right")
    else:
        lo, hi = value_range
        if hi <= lo:
            return np.zeros(X.shape, dtype=np.uint8)
        q = np.floor((X - lo) * (levels / (hi - lo)))
    return np.clip(q, 0, levels - 1).astype(np.uint8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
@pytest.mark.parametrize("levels", [2, 7, 32, 256])
def test_uniform_quantisation_is_the_numpy_formula(dtype, levels):
    rng = np.random.default_rng(0)
    X = (rng.standard_normal((3, 17, 13)) * 40).astype(dtype)
    X[0, 0, :4] = [-40, 40, 0, 39]  # on and beyond the range ends
    lo, hi = -37.5, 38
    # values exactly on level boundaries
    X.flat[10:20] = (lo + (hi - lo) * np.arange(10) / levels).astype(dtype)
    got = quantize_images(X, levels=levels, value_range=(lo, hi))
    assert got.dtype == np.uint8 and got.shape == X.shape
    np.testing.assert_array_equal(got, _numpy_quantize(X, levels, value_range=(lo, hi)))
    assert got.min() == 0 and got.max() == levels - 1


@pytest.mark.parametrize("levels", [7, 256])
def test_uniform_levels_bit_exact_next_to_boundaries(levels):
    # one ulp either side of every level boundary: only the same float64 arithmetic, in
    # the same order, gives the same levels (float32 or (x - lo) / w * levels would not)
    lo, hi = -37.5, 38.0
    b = lo + (hi - lo) * np.arange(levels + 1) / levels
    X = np.concatenate([b, np.nextafter(b, -np.inf), np.nextafter(b, np.inf)])[None, None]
    np.testing.assert_array_equal(
        quantize_images(X, levels=levels, value_range=(lo, hi)),
        _numpy_quantize(X, levels, value_range=(lo, hi)),
    )


def test_empty_range_and_quantile_edges_with_ties():
    X = np.random.default_rng(1).random((2, 9, 9))
    np.testing.assert_array_equal(quantize_images(X, levels=4, value_range=(1.0, 1.0)), 0)
    X = np.round(X * 4) / 4  # ties on the edges
    edges = np.array([0.25, 0.25, 0.5, 0.75, 0.75])
    np.testing.assert_array_equal(
        quantize_images(X, levels=6, bin_edges=edges), _numpy_quantize(X, 6, bin_edges=edges)
    )
    # more edges than levels - 1: clipped to the top level, as np.clip did
    np.testing.assert_array_equal(
        quantize_images(X, levels=3, bin_edges=edges), _numpy_quantize(X, 3, bin_edges=edges)
    )


@pytest.mark.parametrize("quantization", ["uniform", "quantile"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_estimator_equals_quantise_then_glcm_features(quantization, dtype):
    # the estimator quantises inside the kernel; values must be those of the two public steps
    rng = np.random.default_rng(2)
    S = np.exp(2 * rng.standard_normal((4, 2, 21, 18))).astype(dtype)
    S[:, 1] = -S[:, 1] * 1e3
    angles = (0.0, np.pi / 4, np.pi / 2)
    est = GLCMFeatures(levels=16, quantization=quantization, distances=(1, 3), angles=angles)
    est.fit(S[:3])  # transform sees values outside the fitted range
    out = est.transform(S)
    for ch in range(2):
        Q = quantize_images(
            S[:, ch],
            levels=16,
            value_range=est.value_range_[ch],
            bin_edges=est.bin_edges_[ch] if quantization == "quantile" else None,
        )
        ref = glcm_features(Q, levels=16, distances=(1, 3), angles=angles)
        ref = ref.transpose(0, 3, 1, 2).reshape(4, -1).astype(dtype)
        np.testing.assert_array_equal(out[:, ch * ref.shape[1] : (ch + 1) * ref.shape[1]], ref)
    # a non-contiguous view of the same values gives the same features
    view = np.asfortranarray(S)
    np.testing.assert_array_equal(est.transform(view), out)


def _histograms(codes, n_out, n_codes, edges, var_edges=None):
    # the NumPy route the fused kernel replaces: codes -> bin indices -> bincount per band
    if var_edges is not None:
        idx = np.searchsorted(var_edges, np.nan_to_num(codes, nan=0.0), side="right")
    else:
        idx = codes.astype(np.int64) * n_out // n_codes
    return np.stack(
        [[np.bincount(c[a:b].ravel(), minlength=n_out) for a, b in pairwise(edges)] for c in idx]
    ).astype(np.float64)


@pytest.mark.parametrize(
    "method, P, R, n_bins, n_codes",
    [
        ("uniform", 8, 1.0, None, 10),
        ("uniform", 8, 2.0, 4, 10),
        ("default", 8, 1.5, 16, 256),
        ("ror", 4, 1.0, None, 16),
        ("nri_uniform", 8, 1.0, 20, 59),
        ("uniform", 20, 3.0, None, 22),  # P > 16: the per-pixel path
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lbp_histogram_equals_codes_then_bincount(method, P, R, n_bins, n_codes, dtype):
    rng = np.random.default_rng(3)
    S = rng.integers(0, 5, (3, 23, 19)).astype(dtype)
    S[1] = np.exp(rng.standard_normal((23, 19)))
    codes = local_binary_patterns(S, P=P, R=R, method=method)
    n_out = n_codes if n_bins is None else n_bins
    edges = [0, 8, 15, 23]  # np.linspace(0, 23, 4).round()
    H = lbp_histogram(S, P=P, R=R, method=method, n_bins=n_bins, n_bands=3, density=False)
    np.testing.assert_array_equal(H, _histograms(codes, n_out, n_codes, edges))
    D = lbp_histogram(S, P=P, R=R, method=method, n_bins=n_bins, n_bands=3, n_jobs=2)
    np.testing.assert_array_equal(D, H / H.sum(axis=-1, keepdims=True))


def test_lbp_var_histogram_counts_flat_circles_in_the_lowest_bin():
    rng = np.random.default_rng(4)
    S = rng.random((2, 16, 16)).astype(np.float32)
    S[0, 2:12, 2:12] = 0.5  # flat: NaN variance, counted as 0
    codes = local_binary_patterns(S, P=8, R=1.0, method="var")
    assert np.isnan(codes).any()
    var_edges = np.quantile(np.nan_to_num(codes), [0.2, 0.5, 0.8])
    H = lbp_histogram(S, method="var", bin_edges=var_edges, n_bands=2, density=False)
    np.testing.assert_array_equal(H, _histograms(codes, 4, 1, [0, 8, 16], var_edges))
    assert H[0, 0, 0] > H[1, 0, 0]  # the flat patch fills the lowest bin


def test_lbp_estimator_equals_function_per_radius_and_channel():
    rng = np.random.default_rng(5)
    S = rng.random((3, 2, 14, 12)).astype(np.float32)
    est = LBPHistogram(P=8, R=(1.0, 2.0), n_bands=2).fit(S)
    out = est.transform(S)
    flat = S.reshape(6, 14, 12)
    ref = np.concatenate(
        [lbp_histogram(flat, R=r, n_bands=2).reshape(6, -1) for r in (1.0, 2.0)], axis=1
    )
    np.testing.assert_array_equal(out, ref.reshape(3, -1).astype(np.float32))


def test_kernels_live_apart_from_argument_parsing():
    # compiled code only in _texture_kernels; the shared helper module holds none
    assert not any(isinstance(v, CPUDispatcher) for v in vars(_image_kernels).values())
    for name in ("glcm_texture", "quantize_levels", "lbp_codes", "lbp_histograms"):
        assert isinstance(getattr(_texture_kernels, name), CPUDispatcher)

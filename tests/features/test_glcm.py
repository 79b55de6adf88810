"""GLCMFeatures / glcm_features against skimage.feature.graycomatrix + graycoprops."""

import numpy as np
import pytest
from skimage.feature import graycomatrix, graycoprops

from specsk.features import GLCMFeatures, glcm_features, quantize_images

PROPS = ("contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation", "entropy")
ANGLES4 = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)


def _reference(Q, levels, distances, angles, props=PROPS, symmetric=True, normed=True):
    out = []
    for q in Q:
        P = graycomatrix(q, distances, angles, levels=levels, symmetric=symmetric, normed=normed)
        out.append(np.stack([graycoprops(P, p) for p in props], axis=-1))
    return np.stack(out)  # (n, n_dist, n_angle, n_prop)


@pytest.mark.parametrize(
    "distances, angles",
    [((1,), (0.0, np.pi / 2)), ((1,), (0.0,)), ((1, 2, 3), ANGLES4), ((2,), (np.pi, 5.0))],
)
@pytest.mark.parametrize("symmetric, normed", [(True, True), (False, False), (False, True)])
def test_bitwise_equal_to_skimage(distances, angles, symmetric, normed):
    rng = np.random.default_rng(0)
    Q = rng.integers(0, 16, (5, 21, 17)).astype(np.uint8)
    Q[0] = 3  # constant image: correlation's degenerate branch
    got = glcm_features(
        Q, levels=16, distances=distances, angles=angles, symmetric=symmetric, normed=normed
    )
    ref = _reference(Q, 16, distances, angles, symmetric=symmetric, normed=normed)
    # identical values (tolerance 0), not merely close
    np.testing.assert_array_equal(got, ref)


def test_angle_convention_on_spectrogram_axes():
    # horizontal stripes: each frequency row is constant over time
    rows = np.tile((np.arange(16) % 2)[:, None], (1, 12)).astype(np.uint8)
    F = glcm_features(rows[None], levels=2, angles=(0.0, np.pi / 2), properties=("contrast",))
    assert F[0, 0, 0, 0] == 0.0  # angle 0 = along time: no change
    assert F[0, 0, 1, 0] == 1.0  # angle pi/2 = along frequency: every pair differs
    # vertical stripes (vary along time) swap the two
    F = glcm_features(rows.T[None].copy(), levels=2, properties=("contrast",))
    assert F[0, 0, 0, 0] == 1.0 and F[0, 0, 1, 0] == 0.0


def test_estimator_uniform_quantisation_matches_skimage():
    rng = np.random.default_rng(1)
    S = np.exp(rng.standard_normal((6, 32, 24))).astype(np.float32)
    est = GLCMFeatures(levels=8).fit(S)
    lo, hi = float(S.min()), float(S.max())
    np.testing.assert_array_equal(est.value_range_, [[lo, hi]])
    Q = quantize_images(S, levels=8, value_range=(lo, hi))
    assert Q.min() == 0 and Q.max() == 7
    # level k holds values in [lo + k w, lo + (k+1) w)
    w = (hi - lo) / 8
    np.testing.assert_array_equal(Q, np.clip(np.floor((S.astype(float) - lo) / w), 0, 7))
    ref = _reference(Q, 8, (1,), (0.0, np.pi / 2)).transpose(0, 3, 1, 2).reshape(6, -1)
    out = est.transform(S)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, ref.astype(np.float32))


def test_quantile_levels_are_equally_populated():
    rng = np.random.default_rng(2)
    S = np.exp(3 * rng.standard_normal((4, 32, 32)))  # heavy tailed
    est = GLCMFeatures(levels=4, quantization="quantile").fit(S)
    assert est.bin_edges_.shape == (1, 3)
    counts = np.bincount(est._quantize(S).ravel(), minlength=4)
    np.testing.assert_allclose(counts / counts.sum(), 0.25, atol=1e-3)


def test_value_range_and_clipping():
    S = np.linspace(-10, 10, 2 * 8 * 8).reshape(2, 8, 8)
    est = GLCMFeatures(levels=4, value_range=(-1, 1)).fit(S)
    Q = est._quantize(S)
    assert Q.min() == 0 and Q.max() == 3
    np.testing.assert_array_equal(est.value_range_, [[-1.0, 1.0]])


def test_aggregate_mean_range():
    rng = np.random.default_rng(3)
    S = rng.random((3, 20, 20))
    full = GLCMFeatures(levels=8, angles=ANGLES4, distances=(1, 2)).fit(S)
    agg = GLCMFeatures(levels=8, angles=ANGLES4, distances=(1, 2), aggregate="mean_range").fit(S)
    F = full.transform(S).reshape(3, 7, 2, 4)
    A = agg.transform(S).reshape(3, 7, 2, 2)
    np.testing.assert_allclose(A[..., 0], F.mean(-1), rtol=1e-12)
    np.testing.assert_allclose(A[..., 1], F.max(-1) - F.min(-1), rtol=1e-12)
    names = agg.get_feature_names_out()
    assert names[0] == "glcm_contrast_d1_mean" and names[1] == "glcm_contrast_d1_range"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_4d_per_channel_names_and_values(dtype):
    rng = np.random.default_rng(4)
    S = rng.random((3, 2, 16, 12)).astype(dtype)
    S[:, 1] *= 100  # channels with different scales get their own quantiser
    est = GLCMFeatures(levels=8, properties=("contrast", "entropy")).fit(S)
    out = est.transform(S)
    names = est.get_feature_names_out()
    assert out.dtype == dtype and out.shape == (3, 8) and len(names) == 8
    assert len(set(names)) == 8 and names[0] == "ch0_glcm_contrast_d1_a0"
    assert names[4] == "ch1_glcm_contrast_d1_a0"
    for ch in range(2):
        single = GLCMFeatures(levels=8, properties=("contrast", "entropy")).fit(S[:, ch])
        np.testing.assert_array_equal(out[:, 4 * ch : 4 * ch + 4], single.transform(S[:, ch]))


def test_feature_names_default():
    S = np.random.default_rng(5).random((2, 10, 10))
    est = GLCMFeatures().fit(S)
    names = est.get_feature_names_out()
    assert len(names) == est.transform(S).shape[1] == 14 and len(set(names)) == 14
    assert names[0] == "glcm_contrast_d1_a0" and names[1] == "glcm_contrast_d1_a90"


@pytest.mark.parametrize(
    "params, match",
    [
        ({"levels": 1}, "levels"),
        ({"levels": 300}, "levels"),
        ({"quantization": "log"}, "quantization"),
        ({"properties": ("contrast", "foo")}, "properties"),
        ({"distances": (0,)}, "distances"),
        ({"distances": (1.5,)}, "distances"),
        ({"value_range": (1.0, 0.0)}, "value_range"),
        ({"aggregate": "max"}, "aggregate"),
    ],
)
def test_invalid_params(params, match):
    S = np.random.default_rng(0).random((2, 8, 8))
    with pytest.raises(ValueError, match=match):
        GLCMFeatures(**params).fit(S)


def test_shape_mismatch_and_bad_levels():
    S = np.random.default_rng(0).random((2, 8, 8))
    est = GLCMFeatures(levels=4).fit(S)
    with pytest.raises(ValueError, match="fitted on"):
        est.transform(np.random.default_rng(0).random((2, 8, 9)))
    with pytest.raises(ValueError, match="levels"):
        glcm_features(np.full((1, 4, 4), 5, np.uint8), levels=4)


def test_many_levels_processed_in_blocks():
    # 256 levels x 8 offsets = 2 MB of counts per image: 40 images run as two blocks
    rng = np.random.default_rng(6)
    Q = rng.integers(0, 256, (40, 9, 7)).astype(np.uint8)
    got = glcm_features(Q, levels=256, distances=(1, 2), angles=ANGLES4)
    idx = [0, 31, 32, 39]  # both sides of the block boundary
    np.testing.assert_array_equal(got[idx], _reference(Q[idx], 256, (1, 2), ANGLES4))


def test_threads_do_not_change_values():
    rng = np.random.default_rng(7)
    Q = rng.integers(0, 8, (9, 12, 10)).astype(np.uint8)
    one = glcm_features(Q, levels=8, n_jobs=1)
    np.testing.assert_array_equal(glcm_features(Q, levels=8, n_jobs=2), one)
    np.testing.assert_array_equal(glcm_features(Q, levels=8, n_jobs=-1), one)

"""GaborFeatures against skimage.filters.gabor per image."""

import numpy as np
import pytest
from skimage.filters import gabor

from specsk.features import GaborFeatures, gabor_bank, gabor_features


def _reference(S, freqs, thetas, bandwidth=1.0, n_stds=3):
    out = []
    for s in S:
        row = []
        for f in freqs:
            for t in thetas:
                re, im = gabor(s, f, theta=t, bandwidth=bandwidth, n_stds=n_stds)
                mag = np.hypot(re.astype(np.float64), im.astype(np.float64))
                row += [mag.mean(), mag.var()]
        out.append(row)
    return np.array(out)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_matches_skimage(dtype, rtol):
    rng = np.random.default_rng(0)
    # 0.05 cycles/pixel gives a 69x69 kernel, larger than the 32x24 image: the reflected
    # boundary must then repeat as scipy.ndimage's does
    S = np.exp(rng.standard_normal((3, 32, 24))).astype(dtype)
    est = GaborFeatures().fit(S)
    out = est.transform(S)
    assert out.dtype == dtype
    ref = _reference(S, (0.05, 0.1, 0.2, 0.4), (0, np.pi / 4, np.pi / 2, 3 * np.pi / 4))
    np.testing.assert_allclose(out, ref, rtol=rtol)


def test_bandwidth_n_stds_and_batching():
    rng = np.random.default_rng(1)
    S = rng.random((5, 20, 18))
    bank = gabor_bank((0.15,), (0.3,), bandwidth=2.0, n_stds=2)
    F = gabor_features(S, bank, batch_size=2)
    ref = _reference(S, (0.15,), (0.3,), bandwidth=2.0, n_stds=2)
    np.testing.assert_allclose(F.reshape(5, -1), ref, rtol=1e-10)


def test_orientation_convention():
    # vertical stripes = modulation along time (columns), period 5 frames
    t = np.arange(40)
    S = np.tile(np.cos(2 * np.pi * 0.2 * t)[None, :], (40, 1))[None]
    est = GaborFeatures(frequencies=(0.2,), thetas=(0.0, np.pi / 2)).fit(S)
    mean_t0, _, mean_t90, _ = est.transform(S)[0]
    assert mean_t0 > 10 * mean_t90  # theta=0 responds to modulation along time
    F = est.transform(S.transpose(0, 2, 1).copy())[0]  # horizontal stripes: along frequency
    assert F[2] > 10 * F[0]


def test_names_and_4d():
    rng = np.random.default_rng(2)
    S = rng.random((2, 2, 16, 16)).astype(np.float32)
    est = GaborFeatures(frequencies=(0.1, 0.3), thetas=(0.0, np.pi / 4)).fit(S)
    out = est.transform(S)
    names = est.get_feature_names_out()
    assert out.shape == (2, 16) == (2, len(names)) and len(set(names)) == 16
    assert names[0] == "ch0_gabor_f0.1_t0_mean" and names[3] == "ch0_gabor_f0.1_t45_var"
    single = GaborFeatures(frequencies=(0.1, 0.3), thetas=(0.0, np.pi / 4)).fit(S[:, 1])
    np.testing.assert_allclose(out[:, 8:], single.transform(S[:, 1]), rtol=1e-5)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"frequencies": (0.1, 0.6)}, "frequencies"),
        ({"frequencies": (0.0,)}, "frequencies"),
        ({"bandwidth": 0}, "bandwidth"),
        ({"n_stds": -1}, "n_stds"),
        ({"thetas": ()}, "thetas"),
    ],
)
def test_invalid_params(params, match):
    S = np.random.default_rng(0).random((2, 10, 10))
    with pytest.raises(ValueError, match=match):
        GaborFeatures(**params).fit(S)

"""MomentFeatures: Hu invariants vs skimage.measure, Zernike magnitudes vs known values."""

import numpy as np
import pytest
from skimage.filters import threshold_otsu
from skimage.measure import moments_central, moments_hu, moments_normalized

from specsk.features import MomentFeatures, hu_moments, zernike_moments


def _hu_ref(S):
    return np.stack([moments_hu(moments_normalized(moments_central(s), 3)) for s in S])


def test_hu_matches_skimage():
    rng = np.random.default_rng(0)
    S = rng.random((4, 32, 24))
    S[1] = 0.0
    S[1, 5:20, 3:9] = 1.0  # a box
    S[2] = np.exp(-((np.arange(32)[:, None] - 10.0) ** 2 + (np.arange(24) - 15.0) ** 2) / 20)
    H = hu_moments(S)
    ref = _hu_ref(S)
    # stated tolerance: direct central moments vs skimage's raw->central conversion
    np.testing.assert_allclose(H, ref, rtol=1e-9, atol=1e-15)


def test_log_scale():
    rng = np.random.default_rng(1)
    S = rng.random((3, 16, 16)) ** 4
    H = hu_moments(S)
    L = hu_moments(S, log_scale=True)
    nz = H != 0
    np.testing.assert_allclose(L[nz], -np.sign(H[nz]) * np.log10(np.abs(H[nz])), rtol=1e-12)


def test_mask_mode_uses_otsu():
    rng = np.random.default_rng(2)
    S = rng.random((3, 20, 20)).astype(np.float32)
    S[:, 4:12, 6:16] += 3.0
    est = MomentFeatures(kind="hu", on="mask", log_scale=False).fit(S)
    out = est.transform(S)
    masks = np.stack([(s > threshold_otsu(s)).astype(float) for s in S])
    np.testing.assert_allclose(out, _hu_ref(masks), rtol=1e-5, atol=1e-9)
    fixed = MomentFeatures(kind="hu", on="mask", threshold=100.0).fit(S).transform(S)
    np.testing.assert_array_equal(fixed, 0.0)  # empty mask: zeros, never NaN


def test_zernike_constant_disk():
    Z = zernike_moments(np.ones((1, 128, 128)), degree=4)[0]
    orders = [(n, m) for n in range(5) for m in range(n % 2, n + 1, 2)]
    values = dict(zip(orders, Z, strict=True))
    # continuous values: |Z00| = 1, all others 0; pixelisation of the disk costs < 1 %
    assert values[(0, 0)] == pytest.approx(1.0, abs=0.01)
    assert values[(2, 0)] < 0.02 and values[(4, 0)] < 0.02
    for (n, m), v in values.items():
        if m % 4:
            assert v < 1e-12, (n, m)  # vanish exactly: the pixel disk has 4-fold symmetry
        elif m:
            assert v < 1e-3, (n, m)  # m = 4 survives the square grid, barely


def test_zernike_rotation_invariance():
    rng = np.random.default_rng(3)
    img = rng.random((2, 40, 40))
    rot = np.rot90(img, k=1, axes=(1, 2)).copy()
    np.testing.assert_allclose(zernike_moments(rot), zernike_moments(img), rtol=1e-10)
    # and not invariant to an arbitrary change of the image
    assert not np.allclose(zernike_moments(img[:, ::-1].T[None, 0]), zernike_moments(img[:1]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_estimator_names_and_4d(dtype):
    rng = np.random.default_rng(4)
    S = rng.random((3, 2, 16, 12)).astype(dtype)
    est = MomentFeatures(zernike_degree=3).fit(S)
    out = est.transform(S)
    names = est.get_feature_names_out()
    per_ch = 7 + 6
    assert out.dtype == dtype and out.shape == (3, 2 * per_ch) == (3, len(names))
    assert len(set(names)) == len(names)
    assert names[0] == "ch0_hu_1" and names[7] == "ch0_zernike_n0_m0"
    assert names[per_ch] == "ch1_hu_1"
    single = MomentFeatures(zernike_degree=3).fit(S[:, 0]).transform(S[:, 0])
    np.testing.assert_allclose(out[:, :per_ch], single, rtol=1e-6)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"kind": ("hu", "legendre")}, "kind"),
        ({"on": "edges"}, "on"),
        ({"threshold": "mean"}, "threshold"),
        ({"zernike_degree": -1}, "zernike_degree"),
        ({"radius": 0}, "radius"),
    ],
)
def test_invalid_params(params, match):
    S = np.random.default_rng(0).random((2, 10, 10))
    with pytest.raises(ValueError, match=match):
        MomentFeatures(**params).fit(S)

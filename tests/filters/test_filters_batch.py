"""Contract of every filter: batch never mixes images, rank/dtype kept, clear input errors."""

import numpy as np
import pytest

import specsk.filters as F


def _images(rank, dtype, seed=0):
    """Tones (rows), a box and noise: (6, 24, 30) or (3, 2, 24, 30), values like dB."""
    rng = np.random.default_rng(seed)
    S = rng.normal(-60.0, 4.0, (6, 24, 30))
    S[:, 5, :] += 30.0  # a stationary tone
    S[1:4, 12:18, 8:20] += 20.0  # a box in some images only
    S[::2, :, 25] += 15.0  # a click (broadband, one frame)
    if rank == 4:
        S = S.reshape(3, 2, 24, 30)
    return S.astype(dtype)


FUNCTIONS = {
    "gaussian_filter": (F.gaussian_filter, {"sigma": (1.5, 0.7)}),
    "median_filter": (F.median_filter, {"size": (3, 4)}),
    "wiener_filter": (F.wiener_filter, {"size": (5, 3)}),
    "bilateral_filter": (F.bilateral_filter, {"sigma_spatial": 1.0}),
    "wavelet_denoise": (F.wavelet_denoise, {"wavelet": "db2", "wavelet_levels": 2}),
    "noise_floor_removal": (F.noise_floor_removal, {"statistic": "percentile"}),
    "morphology": (F.morphology, {"operation": "white_tophat", "size": (2, 5)}),
    "resize": (F.resize, {"shape": (16, 40)}),
    "image_normalize": (F.image_normalize, {"method": "zscore", "per": "band"}),
    "clip": (F.clip, {"percentile": (5, 95)}),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("rank", [3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_equals_each_image_alone(name, rank, dtype):
    func, kw = FUNCTIONS[name]
    S = _images(rank, dtype)
    out = func(S, **kw)
    assert out.dtype == dtype
    assert out.ndim == rank
    if name != "resize":
        assert out.shape == S.shape
    # every image alone, as a batch of one, must give the same values: images never mix
    tol = {"rtol": 1e-5, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-9}
    for idx in np.ndindex(S.shape[: rank - 2]):
        single = func(S[idx][(np.newaxis,) * (rank - 2)], **kw)[(0,) * (rank - 2)]
        np.testing.assert_allclose(out[idx], single, **tol, err_msg=f"{name} image {idx}")


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_input_not_modified_and_2d_rejected(name):
    func, kw = FUNCTIONS[name]
    S = _images(3, np.float64)
    S0 = S.copy()
    func(S, **kw)
    np.testing.assert_array_equal(S, S0)
    with pytest.raises(ValueError, match=r"S\[np.newaxis\]"):
        func(S[0], **kw)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_nan_rejected(name):
    func, kw = FUNCTIONS[name]
    S = _images(3, np.float32)
    S[0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        func(S, **kw)


def test_ints_become_float32():
    S = np.arange(2 * 8 * 9).reshape(2, 8, 9)
    assert F.gaussian_filter(S).dtype == np.float32
    assert F.resize(S, shape=4).dtype == np.float32


@pytest.mark.parametrize(
    ("func", "kw", "match"),
    [
        (F.gaussian_filter, {"sigma": -1.0}, "sigma"),
        (F.gaussian_filter, {"sigma": (1.0, 2.0, 3.0)}, "sigma"),
        (F.gaussian_filter, {"mode": "edge"}, "mode"),
        (F.gaussian_filter, {"truncate": 0}, "truncate"),
        (F.median_filter, {"size": 0}, "size"),
        (F.median_filter, {"size": (3, 2.5)}, "size"),
        (F.wiener_filter, {"noise": -1.0}, "noise"),
        (F.wiener_filter, {"size": "big"}, "size"),
        (F.bilateral_filter, {"sigma_spatial": 0.0}, "sigma_spatial"),
        (F.bilateral_filter, {"sigma_range": -2.0}, "sigma_range"),
        (F.bilateral_filter, {"win_size": 4}, "win_size"),
        (F.bilateral_filter, {"mode": "symmetric"}, "mode"),
        (F.wavelet_denoise, {"wavelet": "morl"}, "wavelet"),
        (F.wavelet_denoise, {"method": "SureShrink"}, "method"),
        (F.wavelet_denoise, {"mode": "garrote"}, "mode"),
        (F.wavelet_denoise, {"sigma": -0.1}, "sigma"),
        (F.wavelet_denoise, {"wavelet_levels": 9}, "wavelet_levels"),
        (F.noise_floor_removal, {"statistic": "mode"}, "statistic"),
        (F.noise_floor_removal, {"percentile": 120.0}, "percentile"),
        (F.noise_floor_removal, {"noise_profile": np.zeros(5)}, "noise_profile"),
        (F.morphology, {"operation": "thinning"}, "operation"),
        (F.morphology, {"size": (3, 0)}, "size"),
        (F.morphology, {"footprint": np.ones((3, 3, 3))}, "footprint"),
        (F.morphology, {"footprint": np.zeros((3, 3))}, "footprint"),
        (F.resize, {"shape": (0, 10)}, "shape"),
        (F.resize, {"order": 7}, "order"),
        (F.resize, {"anti_aliasing": "yes"}, "anti_aliasing"),
        (F.image_normalize, {"method": "robust"}, "method"),
        (F.image_normalize, {"per": "dataset"}, "per"),
        (F.image_normalize, {"eps": -1.0}, "eps"),
        (F.clip, {"min": 3.0, "max": 1.0}, "min"),
        (F.clip, {"percentile": (1, 99), "min": 0.0}, "percentile"),
        (F.clip, {"percentile": (99, 1)}, "percentile"),
        (F.clip, {"percentile": 5}, "percentile"),
    ],
)
def test_invalid_parameters_name_the_parameter(func, kw, match):
    S = _images(3, np.float64)[:2, :16, :16]
    with pytest.raises(ValueError, match=match):
        func(S, **kw)


ESTIMATORS = [
    F.GaussianFilter(sigma=-1.0),
    F.MedianFilter(mode="edge"),
    F.WienerFilter(noise=-1.0),
    F.BilateralFilter(sigma_range=0.0),
    F.WaveletDenoise(method="SureShrink"),
    F.NoiseFloorRemoval(per="file"),
    F.Morphology(operation="thinning"),
    F.Resize(order=9),
    F.ImageNormalize(per="pixel"),
    F.Clip(min="low"),
]


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_estimators_reject_invalid_parameters(est):
    S = _images(3, np.float32)
    bad = next(k for k, v in est.get_params().items() if v != type(est)().get_params()[k])
    with pytest.raises(ValueError, match=bad):
        est.fit(S).transform(S)


def test_estimator_2d_input_error_says_add_batch_axis():
    with pytest.raises(ValueError, match="newaxis"):
        F.MedianFilter().fit_transform(np.ones((8, 8)))


def test_large_windows_follow_the_boundary_mode():
    """Windows larger than the image are allowed: scipy extends the image by the mode."""
    from scipy import ndimage

    S = _images(3, np.float64)[:, :6, :5]
    out = F.median_filter(S, size=(9, 11))
    ref = np.stack([ndimage.median_filter(s, size=(9, 11)) for s in S])
    np.testing.assert_array_equal(out, ref)
    out = F.gaussian_filter(S, sigma=10.0)
    ref = np.stack([ndimage.gaussian_filter(s, sigma=10.0) for s in S])
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    assert np.isfinite(F.bilateral_filter(S, win_size=15)).all()
    assert np.isfinite(F.morphology(S, size=(13, 13))).all()

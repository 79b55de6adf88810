"""Noise-floor removal, normalisation and clipping."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import specsk.filters as F


def _floor_and_tone(n=3, dtype=np.float64):
    """dB-like images: a constant floor per frequency row, plus a tone in row 9, frames 5-24."""
    floor = np.linspace(-80.0, -50.0, 16)
    S = np.tile(floor[:, None], (n, 1, 40))
    S[:, 9, 5:25] += 30.0
    return S.astype(dtype), floor


@pytest.mark.parametrize("statistic", ["median", "percentile"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_floor_removed_tone_kept(statistic, dtype):
    S, _ = _floor_and_tone(dtype=dtype)
    out = F.NoiseFloorRemoval(statistic=statistic).fit_transform(S)
    assert out.dtype == dtype
    tone = np.zeros_like(out)
    tone[:, 9, 5:25] = 30.0
    # the tone fills half of row 9, so the median floor of that row sits at its midpoint
    if statistic == "median":
        tone[:, 9, 5:25] = 15.0
    np.testing.assert_allclose(out, tone, atol=1e-4)


def test_mean_without_clipping_keeps_negative_values():
    S, _ = _floor_and_tone()
    out = F.noise_floor_removal(S, statistic="mean", clip_negative=False)
    np.testing.assert_allclose(out.mean(axis=-1), 0.0, atol=1e-12)
    assert out.min() < 0


def test_per_clip_floor_against_numpy_percentile():
    rng = np.random.default_rng(0)
    S = rng.normal(-60, 5, (2, 3, 10, 30))
    out = F.noise_floor_removal(S, statistic="percentile", percentile=20.0, clip_negative=False)
    np.testing.assert_allclose(out, S - np.percentile(S, 20.0, axis=-1, keepdims=True))


def test_per_clip_needs_no_fit():
    S, _ = _floor_and_tone()
    est = F.NoiseFloorRemoval()
    np.testing.assert_array_equal(est.transform(S), F.noise_floor_removal(S))


def test_per_dataset_learns_profile_in_fit():
    S, floor = _floor_and_tone()
    est = F.NoiseFloorRemoval(statistic="percentile", percentile=10.0, per="dataset")
    with pytest.raises(NotFittedError):
        est.transform(S)
    est.fit(S)
    np.testing.assert_allclose(est.noise_profile_, floor)
    # a new clip with a louder floor keeps what is above the learned profile
    new = S[:1] + 5.0
    np.testing.assert_allclose(est.transform(new)[0, 0], 5.0)
    with pytest.raises(ValueError, match="fitted on 3-D"):
        est.transform(S.reshape(3, 16, 1, 40))  # axis 1 still 16


def test_per_dataset_4d_profile_per_channel():
    S = np.random.default_rng(1).normal(0, 1, (5, 2, 8, 12))
    S[:, 1] += 10
    est = F.NoiseFloorRemoval(per="dataset", statistic="mean").fit(S)
    np.testing.assert_allclose(est.noise_profile_, S.mean(axis=(0, 3)))


# -- ImageNormalize ------------------------------------------------------------------------------
@pytest.mark.parametrize("rank", [3, 4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalize_per_image_and_band(rank, dtype):
    rng = np.random.default_rng(2)
    S = rng.normal(-50, 10, (4, 12, 30))
    S = (S.reshape(2, 2, 12, 30) if rank == 4 else S).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    out = F.ImageNormalize().fit_transform(S)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.min(axis=(-2, -1)), 0.0, atol=tol)
    np.testing.assert_allclose(out.max(axis=(-2, -1)), 1.0, atol=tol)
    out = F.ImageNormalize(method="zscore", per="band").fit_transform(S)
    np.testing.assert_allclose(out.mean(axis=-1), 0.0, atol=10 * tol)
    np.testing.assert_allclose(out.std(axis=-1), 1.0, atol=10 * tol)
    ref = (S - S.mean(axis=(-2, -1), keepdims=True)) / (S.std(axis=(-2, -1), keepdims=True) + 1e-8)
    out = F.ImageNormalize(method="zscore").fit_transform(S)
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol)


def test_normalize_per_dataset():
    rng = np.random.default_rng(3)
    S = rng.normal(-50, 10, (6, 2, 12, 30))
    S[:, 1] *= 0.1  # a second representation on another scale
    est = F.ImageNormalize(method="zscore", per="dataset")
    with pytest.raises(NotFittedError):
        est.transform(S)
    est.fit(S)
    out = est.transform(S)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0.0, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1.0, atol=1e-7)
    # statistics are frozen: a single new clip is scaled with the training ones
    np.testing.assert_allclose(est.transform(S[:1]), out[:1])
    mm = F.ImageNormalize(method="minmax", per="dataset").fit(S)
    out = mm.transform(S)
    np.testing.assert_allclose(out.min(axis=(0, 2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.max(axis=(0, 2, 3)), 1.0, atol=1e-7)


def test_normalize_flat_image_maps_to_zero():
    S = np.full((2, 4, 5), -20.0, dtype=np.float32)
    np.testing.assert_array_equal(F.image_normalize(S), 0.0)
    np.testing.assert_array_equal(F.image_normalize(S, method="zscore", per="band"), 0.0)


# -- Clip ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_fixed_and_percentile(dtype):
    rng = np.random.default_rng(4)
    S = rng.normal(-50, 10, (2, 3, 12, 30)).astype(dtype)
    out = F.Clip(min=-60.0, max=-40.0).fit_transform(S)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, np.clip(S, -60, -40))
    np.testing.assert_array_equal(F.Clip(max=-45.0).fit_transform(S), np.minimum(S, -45.0))
    out = F.Clip(percentile=(1, 99)).fit_transform(S)
    for idx in np.ndindex(2, 3):
        lo, hi = np.percentile(S[idx], (1, 99))
        np.testing.assert_allclose(out[idx], np.clip(S[idx], lo, hi), rtol=1e-6)


def test_clip_without_bounds_is_a_copy():
    S = np.arange(24.0).reshape(1, 4, 6)
    out = F.clip(S)
    np.testing.assert_array_equal(out, S)
    assert out is not S

"""HPSS against librosa.decompose.hpss, plus behaviour and bad input."""

import librosa
import numpy as np
import pytest

from specsk.decomposition import HPSS, hpss


@pytest.fixture
def S():
    rng = np.random.default_rng(0)
    return rng.random((3, 40, 35)) ** 2


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"kernel_size": 7},
        {"kernel_size": (8, 5)},  # even window: scipy's upper median, as librosa
        {"kernel_size": (5, 9), "margin": 2.0},
        {"kernel_size": 5, "margin": (1.0, 3.0), "power": 1.0},
        {"kernel_size": 5, "power": np.inf},
        {"kernel_size": 45},  # wider than the image: reflected, as librosa does
    ],
)
@pytest.mark.parametrize("mask", [False, True])
def test_matches_librosa(S, kw, mask):
    out = hpss(S, mask=mask, **kw)
    assert out.shape == (3, 2, 40, 35)
    for i in range(len(S)):
        ref_h, ref_p = librosa.decompose.hpss(S[i], mask=mask, **kw)
        # same median filter and mask arithmetic: equal up to rounding
        np.testing.assert_allclose(out[i, 0], ref_h, rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(out[i, 1], ref_p, rtol=1e-6, atol=1e-12)


def test_float32_matches_librosa_and_kept(S):
    S32 = S.astype(np.float32)
    out = hpss(S32, kernel_size=(9, 5))
    assert out.dtype == np.float32
    ref_h, ref_p = librosa.decompose.hpss(S32[1], kernel_size=(9, 5))
    np.testing.assert_allclose(out[1, 0], ref_h, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out[1, 1], ref_p, rtol=1e-5, atol=1e-7)


def test_separates_tone_from_clicks():
    S = np.full((1, 64, 60), 1e-3)
    S[0, 20, :] += 1.0  # a steady tone: horizontal line
    S[0, :, 30] += 1.0  # a click: vertical line
    H, P = hpss(S, kernel_size=9)[0]
    assert H[20, :].sum() > 0.95 * (S[0, 20, :].sum() - 1.0)  # tone row kept in H
    assert P[:, 30].sum() > 0.95 * (S[0, :, 30].sum() - 1.0)  # click column kept in P
    assert H[40, 30] < 0.01 and P[20, 10] < 0.01
    # margin 1: the two parts add up to the input
    np.testing.assert_allclose(H + P, S[0], rtol=1e-12)


def test_outputs_and_4d_per_channel(S):
    both = HPSS(kernel_size=5).fit_transform(S)
    harm = HPSS(kernel_size=5, output="harmonic").fit_transform(S)
    hard = HPSS(kernel_size=5, power=np.inf, mask=True).fit_transform(S)
    assert set(np.unique(hard)) <= {0.0, 1.0}
    perc = HPSS(kernel_size=5, output="percussive").fit_transform(S)
    np.testing.assert_array_equal(both[:, 0], harm)
    np.testing.assert_array_equal(both[:, 1], perc)
    S4 = np.stack([S, 2 * S[::-1]], axis=1)  # (3, 2, 40, 35)
    h4 = hpss(S4, kernel_size=5, output="harmonic")
    assert h4.shape == S4.shape
    for c in range(2):
        np.testing.assert_allclose(h4[:, c], hpss(S4[:, c], kernel_size=5, output="harmonic"))


def test_bad_input(S):
    with pytest.raises(ValueError, match=r"negative values.*not a dB"):
        hpss(np.log(S + 1e-3))
    with pytest.raises(ValueError, match="3-D"):
        hpss(S[0])
    with pytest.raises(ValueError, match="3-D"):
        hpss(S[:, None])  # 4-D with output="both"
    with pytest.raises(ValueError, match="output='harmonic'"):
        HPSS().fit_transform(S[:, None])
    bad = S.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        hpss(bad)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"kernel_size": 0}, "kernel_size"),
        ({"kernel_size": (3, 2, 1)}, "kernel_size"),
        ({"kernel_size": 2.5}, "kernel_size"),
        ({"margin": 0.5}, "margin"),
        ({"power": 0.0}, "power"),
        ({"output": "residual"}, "output"),
    ],
)
def test_bad_params(S, kw, match):
    with pytest.raises(ValueError, match=match):
        hpss(S, **kw)
    with pytest.raises(ValueError, match=match):
        HPSS(**kw).fit_transform(S)

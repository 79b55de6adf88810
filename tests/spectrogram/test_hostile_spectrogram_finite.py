"""Hostile input for the time-frequency steps: values near the float32 limit, huge powers,
and the memory of StackChannels (issue: finite input never gives NaN/inf silently)."""

import tracemalloc

import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from specsk.exceptions import NonFiniteResultError
from specsk.spectrogram import (
    MFCC,
    PCEN,
    AmplitudeToDb,
    BarkSpectrogram,
    Chroma,
    CQTSpectrogram,
    CWTScalogram,
    GammatoneSpectrogram,
    MelSpectrogram,
    PowerToDb,
    StackChannels,
    STFTSpectrogram,
    resample_spectrograms,
)

SR = 8000


def _audio(scale, n=2, n_times=2048, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n_times) / SR
    x = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.1 * rng.standard_normal((n, n_times))
    x /= np.abs(x).max()
    return (x * scale).astype(np.float32)


PRODUCERS = [
    STFTSpectrogram(n_fft=256),
    STFTSpectrogram(n_fft=256, output="power"),
    MelSpectrogram(sr=SR, n_fft=256, n_mels=32),
    MFCC(sr=SR, n_fft=256, n_mels=32, n_mfcc=13),
    BarkSpectrogram(sr=SR, n_fft=256),
    Chroma(sr=SR, n_fft=256),
    CQTSpectrogram(sr=SR, fmin=100.0, n_bins=24),
    CWTScalogram(sr=SR, n_scales=16),
    GammatoneSpectrogram(sr=SR, n_bands=16, fmin=100.0, method="fft"),
]


@pytest.mark.parametrize("est", PRODUCERS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("scale", [1e30, 1e-40])
def test_producers_finite_or_clear_error(est, scale):
    X = _audio(scale)
    try:
        out = est.fit_transform(X)
    except NonFiniteResultError as exc:
        # only where the true float32 result is out of range, with the step named
        assert scale == 1e30
        assert type(est).__name__ in str(exc) and "float32" in str(exc)
        assert "Normalize" in str(exc) or "float64" in str(exc)
        # float64 input holds the result
        assert np.isfinite(est.fit_transform(X.astype(np.float64))).all()
    else:
        assert np.isfinite(out).all() and out.dtype == np.float32


@pytest.mark.parametrize(
    "est", [MFCC(sr=SR, n_fft=256, n_mels=32, n_mfcc=13), Chroma(sr=SR, n_fft=256)]
)
def test_log_and_normalised_outputs_are_computed_at_1e30(est):
    # their true values are representable: no error, and the shape of the result is right
    out = est.fit_transform(_audio(1e30))
    ref = est.fit_transform(_audio(1.0))
    assert np.isfinite(out).all()
    if isinstance(est, Chroma):  # scale invariant
        np.testing.assert_allclose(out, ref, atol=1e-4)
    else:  # a gain only moves the 0th (mean dB) coefficient
        np.testing.assert_allclose(out[:, 1:], ref[:, 1:], atol=0.05 * np.abs(ref[:, 1:]).max())


def test_stft_magnitude_at_1e30_is_finite_and_scaled():
    est = STFTSpectrogram(n_fft=256)
    out = est.fit_transform(_audio(1e30))
    ref = est.fit_transform(_audio(1.0))
    np.testing.assert_allclose(out / 1e30, ref, rtol=1e-4, atol=1e-6 * ref.max())


@pytest.mark.parametrize("step", [AmplitudeToDb(), PowerToDb()])
def test_db_of_huge_values_is_finite(step):
    S = np.exp(np.random.default_rng(0).standard_normal((2, 8, 10))).astype(np.float32)
    out = step.fit_transform(S * np.float32(1e30))
    assert np.isfinite(out).all()


@pytest.mark.parametrize(
    "est", [BarkSpectrogram(sr=SR, n_fft=256, power=50), MelSpectrogram(sr=SR, power=50)]
)
def test_power_50_overflow_names_power(est):
    with pytest.raises(NonFiniteResultError, match=r"power=50"):
        est.fit_transform(_audio(1.0))


def test_pcen_power_50_names_power():
    S = np.exp(np.random.default_rng(0).standard_normal((2, 16, 40))).astype(np.float32) * 300
    with pytest.raises(NonFiniteResultError, match=r"PCEN.*power=50"):
        PCEN(sr=SR, hop_length=64, power=50).fit_transform(S)


def _stack():
    return StackChannels(
        [
            ("bark", BarkSpectrogram(sr=SR, n_fft=256, hop_length=64)),
            ("gt", GammatoneSpectrogram(sr=SR, n_bands=16, fmin=100.0, hop_length=64)),
        ],
        n_bins=16,
    )


def test_stack_channels_names_itself_and_the_channel():
    with pytest.raises(NonFiniteResultError, match=r"StackChannels, channel 'bark'"):
        _stack().fit_transform(_audio(1e30))
    assert np.isfinite(_stack().fit_transform(_audio(1e-40))).all()


@pytest.mark.parametrize("interpolation", ["linear", "nearest"])
@pytest.mark.parametrize(("shape", "out"), [((3, 2, 40, 57), (64, 30)), ((1, 1, 1, 6), (3, 9))])
def test_resample_equals_map_coordinates(shape, out, interpolation):
    S = np.random.default_rng(1).standard_normal(shape)
    got = resample_spectrograms(S, *out, interpolation=interpolation)
    rows = np.linspace(0, shape[-2] - 1, out[0])
    cols = np.linspace(0, shape[-1] - 1, out[1])
    if interpolation == "nearest":
        rows, cols = np.floor(rows + 0.5), np.floor(cols + 0.5)
    grid = np.meshgrid(rows, cols, indexing="ij")
    for idx in np.ndindex(shape[:2]):
        ref = map_coordinates(S[idx], grid, order=1)
        np.testing.assert_allclose(got[idx], ref, rtol=1e-12, atol=1e-12)


def test_resample_60s_clip_memory_is_bounded():
    # 60 s at 22.05 kHz with hop 16: 82688 frames; the former dense n_frames x n_frames
    # interpolation matrix was 82688**2 * 4 B = 25 GiB (27 GB). Now memory is a few copies of
    # the input and output (here ~20 MB), and it takes well under a second
    S = np.random.default_rng(0).random((1, 1, 32, 82688)).astype(np.float32)
    tracemalloc.start()
    try:
        out = resample_spectrograms(S, 16, 82688)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.shape == (1, 1, 16, 82688) and out.dtype == np.float32
    assert peak < 3 * (S.nbytes + out.nbytes)
    rows = np.linspace(0, 31, 16)
    i0 = np.floor(rows).astype(int)
    i1 = np.minimum(i0 + 1, 31)
    w = (rows - i0)[:, None]
    np.testing.assert_allclose(out[0, 0], S[0, 0, i0] * (1 - w) + S[0, 0, i1] * w, rtol=1e-5)

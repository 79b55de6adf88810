"""Normalize, Resample and ToMono against hand-computed values and librosa."""

import librosa
import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from specsk.audio import Normalize, Resample, ToMono, normalize, resample, to_mono


def _ragged(rng, lengths=(500, 800, 500, 123), dtype=np.float32):
    return [(0.3 * rng.standard_normal(n)).astype(dtype) for n in lengths]


# -- Normalize ---------------------------------------------------------------------------------
def test_peak_and_rms_targets():
    rng = np.random.default_rng(0)
    X = (0.1 * rng.standard_normal((5, 1000))).astype(np.float32)
    Y = Normalize(method="peak", target=0.5).fit_transform(X)
    np.testing.assert_allclose(np.abs(Y).max(axis=1), 0.5, rtol=1e-6)
    Y = normalize(X, method="rms", target_db=-12.0)
    rms_db = 20 * np.log10(np.sqrt(np.mean(Y.astype(np.float64) ** 2, axis=1)))
    np.testing.assert_allclose(rms_db, -12.0, atol=1e-4)
    assert Y.dtype == np.float32
    assert normalize(X.astype(np.float64)).dtype == np.float64


def test_ragged_equals_per_clip_and_silence_stays_silent():
    rng = np.random.default_rng(1)
    clips = [*_ragged(rng), np.zeros(50, np.float32)]
    for method in ("peak", "rms"):
        out = Normalize(method=method).transform(clips)
        assert isinstance(out, list)
        for c, o in zip(clips, out, strict=True):
            ref = normalize(c[np.newaxis], method=method)[0]
            assert o.shape == c.shape and o.dtype == c.dtype
            np.testing.assert_allclose(o, ref, rtol=1e-6, atol=1e-7)
        assert not out[-1].any() and np.isfinite(out[-1]).all()


def test_multichannel_gets_one_gain():
    X = np.zeros((2, 2, 4), np.float32)
    X[0, 0] = [0.1, -0.2, 0.0, 0.0]
    X[0, 1] = [0.05, 0.0, 0.0, 0.0]
    X[1, 1] = [0.0, 0.0, 0.4, 0.0]
    Y = Normalize().fit_transform(X)
    np.testing.assert_allclose(Y[0, 0], [0.5, -1.0, 0, 0])
    np.testing.assert_allclose(Y[0, 1], [0.25, 0, 0, 0])  # same gain: balance kept
    np.testing.assert_allclose(Y[1, 1], [0, 0, 1.0, 0])
    out = normalize([X[0], X[1, :, :3]])
    np.testing.assert_allclose(out[0], Y[0])


@pytest.mark.parametrize(
    "X, exc, match",
    [
        (np.array([[0.1, np.nan, 0.2]]), ValueError, "NaN"),
        (np.array([[0.1, np.inf, 0.2]]), ValueError, "infinity"),
        ([np.ones(3), np.ones(0)], ValueError, "empty clip"),
        (np.ones(5), ValueError, "1-D array"),
        (np.ones((2, 2, 2, 8)), ValueError, "got a 4-D array"),
        (np.array([["x", "y"]]), TypeError, "real numbers"),
    ],
)
def test_normalize_bad_input(X, exc, match):
    with pytest.raises(exc, match=match):
        Normalize().transform(X)


def test_normalize_bad_parameters():
    with pytest.raises(InvalidParameterError, match="'method' parameter"):
        Normalize(method="loudness").transform(np.ones((1, 4)))
    with pytest.raises(ValueError, match="'method' parameter"):
        normalize(np.ones((1, 4)), method="lufs")
    with pytest.raises(ValueError, match="'target' parameter"):
        normalize(np.ones((1, 4)), target=0)


# -- Resample ----------------------------------------------------------------------------------
@pytest.mark.parametrize("res_type", ["soxr_hq", "soxr_vhq", "polyphase", "fft"])
@pytest.mark.parametrize("rates", [(22050, 16000), (8000, 16000)])
def test_resample_matches_librosa_per_clip(res_type, rates):
    rng = np.random.default_rng(2)
    X = (0.3 * rng.standard_normal((6, 2205))).astype(np.float32)
    orig, target = rates
    Y = Resample(orig_sr=orig, target_sr=target, res_type=res_type).fit_transform(X)
    ref = np.stack(
        [librosa.resample(x, orig_sr=orig, target_sr=target, res_type=res_type) for x in X]
    )
    assert Y.shape == ref.shape and Y.dtype == np.float32
    # same filter, batched: float32 rounding only
    np.testing.assert_allclose(Y, ref, atol=2e-6)


def test_resample_ragged_multichannel_and_float64():
    rng = np.random.default_rng(3)
    clips = _ragged(rng, dtype=np.float64)
    out = resample(clips, orig_sr=22050, target_sr=8000)
    for c, o in zip(clips, out, strict=True):
        ref = librosa.resample(c, orig_sr=22050, target_sr=8000)
        assert o.dtype == np.float64 and o.shape == ref.shape
        np.testing.assert_allclose(o, ref, atol=1e-12)
    X = rng.standard_normal((3, 2, 1000)).astype(np.float32)
    Y = Resample(orig_sr=16000, target_sr=8000).transform(X)
    assert Y.shape == (3, 2, 500)
    np.testing.assert_allclose(
        Y[2, 1], librosa.resample(X[2, 1], orig_sr=16000, target_sr=8000), atol=2e-6
    )
    same = resample(X, orig_sr=8000, target_sr=8000)
    np.testing.assert_array_equal(same, X)


def test_resample_bad_input_and_parameters():
    with pytest.raises(ValueError, match="NaN"):
        Resample().transform(np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(ValueError, match="empty clip"):
        Resample().transform([np.ones(4), np.ones(0)])
    with pytest.raises(ValueError, match="1-D array"):
        Resample().transform(np.ones(8))
    with pytest.raises(TypeError, match="real numbers"):
        Resample().transform(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="'target_sr' parameter"):
        resample(np.ones((1, 8)), orig_sr=8000, target_sr=0)
    with pytest.raises(ValueError, match="'res_type' parameter"):
        resample(np.ones((1, 8)), orig_sr=8000, target_sr=4000, res_type="cubic")
    with pytest.raises(InvalidParameterError, match="'orig_sr' parameter"):
        Resample(orig_sr=-5).transform(np.ones((1, 8)))


# -- ToMono ------------------------------------------------------------------------------------
def test_to_mono_mean_and_passthrough():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 2, 50)).astype(np.float32)
    Y = ToMono().fit_transform(X)
    assert Y.shape == (3, 50) and Y.dtype == np.float32
    np.testing.assert_allclose(Y, X.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(Y[1], librosa.to_mono(X[1]), rtol=1e-6)
    M = X[:, 0]
    np.testing.assert_array_equal(ToMono().transform(M), M)
    np.testing.assert_array_equal(to_mono(X.astype(np.float64)), X.astype(np.float64).mean(axis=1))


@pytest.mark.parametrize(
    "X, exc, match",
    [
        (np.ones((2, 2, 2, 8)), ValueError, "got a 4-D array"),
        (np.ones(8), ValueError, "got a 1-D array"),
        (np.full((2, 2, 4), np.nan), ValueError, "NaN"),
        ([np.ones((2, 4)), np.ones((2, 6))], ValueError, "different lengths.*FixedLength"),
        (np.array([[["a"]]]), TypeError, "real numbers"),
    ],
)
def test_to_mono_bad_input(X, exc, match):
    with pytest.raises(exc, match=match):
        ToMono().transform(X)

"""SpectralFeatures / spectral_features and WaveformFeatures / waveform_features."""

import librosa
import numpy as np
import pytest

from specsk.features import (
    SpectralFeatures,
    WaveformFeatures,
    spectral_features,
    waveform_features,
)

SR = 22050
N_FFT = 512


def _signals(n=3, length=8000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(length) / SR
    y = np.empty((3, length))
    y[0] = rng.standard_normal(length)  # white noise
    y[1] = np.sin(2 * np.pi * 1000 * t)  # pure tone
    y[2] = np.sin(2 * np.pi * 300 * t) * np.linspace(0, 1, length) + 0.1 * rng.standard_normal(
        length
    )
    y[2, 2000:2600] = 0.0  # a silent stretch
    return y[:n]


def _stft_mag(y, n_fft=N_FFT):
    return np.abs(librosa.stft(y, n_fft=n_fft, hop_length=n_fft // 4))


# float64: agreement to rounding; float32: librosa computes in float64 where we stay in float32
TOL = {np.float64: dict(rtol=1e-9, atol=1e-9), np.float32: dict(rtol=1e-4, atol=1e-3)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "name, ref",
    [
        ("centroid", lambda S, f: librosa.feature.spectral_centroid(S=S, freq=f)),
        ("bandwidth", lambda S, f: librosa.feature.spectral_bandwidth(S=S, freq=f)),
        ("rolloff", lambda S, f: librosa.feature.spectral_rolloff(S=S, freq=f, roll_percent=0.85)),
        ("flatness", lambda S, f: librosa.feature.spectral_flatness(S=S)),
        ("contrast", lambda S, f: librosa.feature.spectral_contrast(S=S, freq=f, sr=SR)),
    ],
)
def test_matches_librosa(name, ref, dtype):
    S = _stft_mag(_signals()).astype(dtype)
    F = spectral_features(S, sr=SR, n_fft=N_FFT, features=(name,))
    assert F.dtype == dtype
    freq = librosa.fft_frequencies(sr=SR, n_fft=N_FFT)
    expected = np.stack([ref(S[i], freq) for i in range(len(S))])
    assert F.shape == expected.shape
    tol = dict(TOL[dtype])
    if name == "flatness":  # values down to 1e-9 for the tone: absolute tolerance
        tol = dict(
            rtol=1e-6 if dtype == np.float64 else 1e-3, atol=1e-12 if dtype == np.float64 else 1e-6
        )
    np.testing.assert_allclose(F, expected, **tol)


def test_matches_librosa_4d_and_rolloff_percent():
    S = _stft_mag(_signals()).reshape(1, 3, 1 + N_FFT // 2, -1)
    F = spectral_features(
        S,
        sr=SR,
        n_fft=N_FFT,
        features=("rolloff", "contrast"),
        roll_percent=0.5,
        n_bands=4,
        fmin=300.0,
    )
    freq = librosa.fft_frequencies(sr=SR, n_fft=N_FFT)
    for c in range(3):
        roll = librosa.feature.spectral_rolloff(S=S[0, c], freq=freq, roll_percent=0.5)
        con = librosa.feature.spectral_contrast(S=S[0, c], freq=freq, sr=SR, n_bands=4, fmin=300.0)
        np.testing.assert_allclose(F[0, c, :1], roll, rtol=1e-12)
        np.testing.assert_allclose(F[0, c, 1:], con, rtol=1e-9, atol=1e-9)


def test_hand_checked_single_bin():
    # only bin 3 active: centroid = rolloff = 3 * sr / n_fft, bandwidth 0, entropy 0
    S = np.zeros((2, 9, 4))
    S[:, 3] = 2.0
    F = spectral_features(
        S, sr=16000, n_fft=16, features=("centroid", "bandwidth", "rolloff", "entropy", "flux")
    )
    np.testing.assert_allclose(F[:, 0], 3000.0)
    np.testing.assert_allclose(F[:, 1], 0.0, atol=1e-9)
    np.testing.assert_allclose(F[:, 2], 3000.0)
    np.testing.assert_allclose(F[:, 3], 0.0, atol=1e-12)
    np.testing.assert_allclose(F[:, 4], 0.0)  # constant in time: no flux


def test_hand_checked_two_bins_and_flux():
    # equal energy in bins 1 and 3 (1000 and 3000 Hz): centroid 2000, bandwidth 1000,
    # entropy log(2) / log(5)
    S = np.zeros((1, 5, 3))
    S[0, [1, 3]] = 1.0
    S[0, :, 2] *= 2.0  # frame 2 doubles: flux = ||S2 - S1|| = sqrt(2)
    F = spectral_features(
        S, sr=8000, n_fft=8, features=("centroid", "bandwidth", "entropy", "flux")
    )
    np.testing.assert_allclose(F[0, 0], 2000.0)
    np.testing.assert_allclose(F[0, 1], 1000.0)
    np.testing.assert_allclose(F[0, 2], np.log(2) / np.log(5))
    np.testing.assert_allclose(F[0, 3], [0.0, 0.0, np.sqrt(2)])


def test_flatness_noise_vs_tone_and_entropy_slope():
    S = _stft_mag(_signals(2, 22050))
    F = spectral_features(S, sr=SR, n_fft=N_FFT, features=("flatness", "entropy", "slope"))
    mid = slice(2, -2)  # frames away from the edges
    noise, tone = F[0, :, mid].mean(axis=-1), F[1, :, mid].mean(axis=-1)
    assert 0.45 < noise[0] < 1.0  # |white noise|^2 has flatness ~ exp(-gamma) = 0.56
    assert tone[0] < 1e-3
    # exponential power values: normalised entropy ~ 1 - (1 - gamma) / log(n_bins) = 0.92
    assert noise[1] > 0.9 and tone[1] < 0.6
    assert abs(noise[2]) < 0.5  # white noise: flat in dB
    assert tone[2] < -1.0  # energy at 1 kHz, sidelobes falling: negative tilt


def test_slope_of_known_tilt():
    # power falls by exactly 6 dB per kHz: slope -6
    f = np.fft.rfftfreq(64, 1 / 16000)
    P = 10 ** (-6 * f / 1000 / 10)
    S = np.broadcast_to(np.sqrt(P)[None, :, None], (2, 33, 3)).copy()
    F = spectral_features(S, sr=16000, n_fft=64, features=("slope",))
    np.testing.assert_allclose(F, -6.0, rtol=1e-9)


def test_silence_is_finite():
    S = np.zeros((2, 33, 5), dtype=np.float32)
    F = spectral_features(S, sr=8000, n_fft=64, n_bands=3)
    assert np.isfinite(F).all()
    np.testing.assert_array_equal(F[:, :3], 0.0)  # centroid, bandwidth, rolloff


def test_estimator_frames_and_stats():
    S = _stft_mag(_signals()).astype(np.float32)
    est = SpectralFeatures(sr=SR, n_fft=N_FFT).fit(S)
    F = est.transform(S)
    assert F.shape == (3, 14, S.shape[-1]) and F.dtype == np.float32
    assert len(est.feature_rows_) == 14 and len(set(est.feature_rows_)) == 14
    assert est.feature_rows_[4:6] == ["contrast_b0", "contrast_b1"]
    assert not hasattr(est, "get_feature_names_out")
    st = SpectralFeatures(sr=SR, n_fft=N_FFT, output="stats").fit(S)
    T = st.transform(S)
    names = st.get_feature_names_out()
    assert T.shape == (3, 28) and len(names) == 28 and len(set(names)) == 28
    assert list(names[:2]) == ["centroid_mean", "centroid_std"]
    np.testing.assert_allclose(T[:, 0], F[:, 0].mean(axis=-1), rtol=1e-6)
    np.testing.assert_allclose(T[:, 1], F[:, 0].std(axis=-1), rtol=1e-5)
    df = SpectralFeatures(sr=SR, n_fft=N_FFT, output="stats").set_output(transform="pandas")
    assert list(df.fit_transform(S).columns) == list(names)
    # frames output stays an array even when pandas output is requested
    fr = SpectralFeatures(sr=SR, n_fft=N_FFT).set_output(transform="pandas").fit_transform(S)
    assert isinstance(fr, np.ndarray)


def test_estimator_4d_names_and_n_fft_inference():
    S = np.abs(np.random.default_rng(0).standard_normal((4, 2, 33, 6)))
    est = SpectralFeatures(sr=8000, n_fft=None, n_bands=3, output="stats").fit(S)
    assert est.n_fft_ == 64
    names = est.get_feature_names_out()
    assert est.transform(S).shape == (4, len(names)) == (4, 2 * 11 * 2)
    assert names[0] == "ch0_centroid_mean" and names[-1] == "ch1_slope_std"
    assert len(set(names)) == len(names)
    frames = SpectralFeatures(sr=8000, n_fft=64, n_bands=3).fit_transform(S)
    assert frames.shape == (4, 2, 11, 6)


@pytest.mark.parametrize(
    "params, X, match",
    [
        ({"n_fft": 2048}, np.ones((2, 33, 4)), "n_fft=2048 gives 1025"),
        ({"sr": 8000, "n_fft": 64}, np.ones((2, 33, 4)), "n_bands"),  # 6 bands exceed 4 kHz
        (
            {"n_fft": 64, "n_bands": 2, "features": ("centroid", "loudness")},
            np.ones((2, 33, 4)),
            "features has unknown",
        ),
        ({"n_fft": 64, "features": ()}, np.ones((2, 33, 4)), "features must name"),
        ({"n_fft": 64, "n_bands": 2}, -np.ones((2, 33, 4)), "non-negative"),
        ({"n_fft": 8, "n_bands": 2}, np.ones((2, 5, 4)), "holds no STFT bin"),
        ({"roll_percent": 1.5}, np.ones((2, 1025, 4)), "roll_percent"),
        ({"output": "table"}, np.ones((2, 1025, 4)), "output"),
        ({"n_bands": 0}, np.ones((2, 1025, 4)), "n_bands"),
    ],
)
def test_spectral_invalid(params, X, match):
    with pytest.raises(ValueError, match=match):
        SpectralFeatures(**params).fit(X)


def test_spectral_transform_other_bins():
    est = SpectralFeatures(sr=8000, n_fft=64, n_bands=2, fmin=400.0).fit(np.ones((2, 33, 4)))
    with pytest.raises(ValueError, match="expecting 33"):
        est.transform(np.ones((2, 17, 4)))
    with pytest.raises(ValueError, match="3-D input"):
        est.transform(np.ones((2, 33, 33, 4)))


# -- waveform features -------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "frame_length, hop_length, center", [(2048, 512, True), (300, 128, False), (301, 77, True)]
)
def test_waveform_matches_librosa(frame_length, hop_length, center, dtype):
    y = _signals(length=5000).astype(dtype)
    y[1, 100:400] = 0.0  # exact zeros: zero counts as positive
    F = waveform_features(y, frame_length=frame_length, hop_length=hop_length, center=center)
    assert F.dtype == dtype
    rms = np.stack(
        [
            librosa.feature.rms(
                y=c, frame_length=frame_length, hop_length=hop_length, center=center, dtype=dtype
            )[0]
            for c in y
        ]
    )
    zcr = np.stack(
        [
            librosa.feature.zero_crossing_rate(
                c,
                frame_length=frame_length,
                hop_length=hop_length,
                center=center,
            )[0]
            for c in y
        ]
    )
    assert F.shape == (3, 2, rms.shape[-1])
    rtol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(F[:, 0], rms, rtol=rtol, atol=1e-7)
    np.testing.assert_array_equal(F[:, 1], zcr.astype(dtype))


def test_waveform_hand_checked():
    # alternating signs: every pair crosses; frame of 4 has 3 crossings -> 0.75
    y = np.array([[1.0, -1.0] * 8])
    F = waveform_features(y, frame_length=4, hop_length=4, center=False)
    np.testing.assert_allclose(F[0, 0], 1.0)
    np.testing.assert_allclose(F[0, 1], 0.75)


def test_waveform_estimator_and_invalid():
    y = _signals(length=4096).astype(np.float32)
    est = WaveformFeatures(frame_length=512, hop_length=256, features=("zcr",))
    F = est.fit_transform(y)
    assert F.shape == (3, 1, 17) and F.dtype == np.float32
    with pytest.raises(ValueError, match="features has unknown"):
        WaveformFeatures(features=("rms", "energy")).fit_transform(y)
    with pytest.raises(ValueError, match="frame_length"):
        WaveformFeatures(frame_length=0).fit_transform(y)
    with pytest.raises(ValueError, match="hop_length"):
        WaveformFeatures(hop_length=-1).fit_transform(y)
    with pytest.warns(UserWarning, match="frame_length"):
        out = WaveformFeatures(frame_length=8192, center=False).fit_transform(y)
    assert out.shape == (3, 2, 1)

"""make_sounds: shapes, determinism, and that each class's energy is where it should be."""

import numpy as np
import pytest
from scipy.signal import stft

from specsk.datasets import SOUND_KINDS, make_sounds

SR = 8000


@pytest.fixture(scope="module")
def data():
    return make_sounds(
        n_classes=8,
        n_per_class=10,
        sr=SR,
        duration=0.5,
        noise=0.05,
        random_state=0,
        return_names=True,
    )


def _spec(X, nperseg=256):
    f, t, Z = stft(X, fs=SR, nperseg=nperseg)
    return f, t, np.abs(Z)


def test_shapes_dtypes_names(data):
    X, y, names = data
    assert X.shape == (80, 4000) and X.dtype == np.float32
    assert y.dtype.kind == "i" and np.array_equal(y, np.repeat(np.arange(8), 10))
    assert names == list(SOUND_KINDS)
    assert np.isfinite(X).all()
    X2, y2 = make_sounds(n_classes=2, n_per_class=3, sr=SR, duration=0.25, random_state=0)
    assert X2.shape == (6, 2000) and y2.tolist() == [0, 0, 0, 1, 1, 1]


def test_deterministic():
    a = make_sounds(3, 4, sr=SR, duration=0.25, random_state=7)
    b = make_sounds(3, 4, sr=SR, duration=0.25, random_state=7)
    c = make_sounds(3, 4, sr=SR, duration=0.25, random_state=8)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.allclose(a[0], c[0])


def test_within_class_variation(data):
    X, y, _ = data
    tones = X[y == 0]
    f, _, S = _spec(tones)
    peaks = f[S.sum(axis=2).argmax(axis=1)]
    assert np.ptp(peaks) > 100  # frequency jitter
    onsets = np.argmax(np.abs(tones) > 0.2 * np.abs(tones).max(axis=1, keepdims=True), axis=1)
    assert np.ptp(onsets) > 0.02 * SR  # onset jitter
    peak_amp = np.abs(tones).max(axis=1)
    assert np.ptp(peak_amp) > 0.1  # amplitude jitter


def test_tone_peak_frequency(data):
    X, y, _ = data
    f, _, S = _spec(X[y == 0], nperseg=1024)
    peaks = f[S.sum(axis=2).argmax(axis=1)]
    nyq = SR / 2
    assert (peaks >= 0.06 * nyq - 8).all() and (peaks <= 0.3 * nyq + 8).all()
    # a pure tone: almost all energy within +-40 Hz of the peak
    spec = S.sum(axis=2) ** 2
    near = np.abs(f[None, :] - peaks[:, None]) <= 40
    assert ((spec * near).sum(axis=1) / spec.sum(axis=1) > 0.8).all()


def _centroid_track(X):
    f, _, S = _spec(X)
    energy = S.sum(axis=1)
    centroid = (f[None, :, None] * S).sum(axis=1) / np.maximum(energy, 1e-12)
    return centroid, energy


def test_chirp_centroid_rises_and_exp_chirp_falls(data):
    X, y, _ = data
    for cls, sign in ((1, 1), (7, -1)):
        centroid, energy = _centroid_track(X[y == cls])
        for c, e in zip(centroid, energy, strict=True):
            active = np.flatnonzero(e > 0.3 * e.max())
            slope = np.polyfit(active, c[active], 1)[0]
            assert sign * slope > 0


def test_harmonic_stack_has_integer_multiples(data):
    X, y, _ = data
    f, _, S = _spec(X[y == 2], nperseg=2048)
    spec = S.sum(axis=2)
    for s in spec:
        f0 = f[np.argmax(s * (f < 0.05 * SR / 2 + 20))]
        for k in (2, 3):
            near = np.abs(f - k * f0) <= 12
            assert s[near].max() > 5 * np.median(s)


def test_clicks_have_highest_spectral_flux(data):
    X, y, _ = data
    _, _, S = _spec(X, nperseg=128)
    L = np.log1p(S / S.max(axis=(1, 2), keepdims=True) * 100)
    flux = np.maximum(np.diff(L, axis=2), 0).sum(axis=1).mean(axis=1)
    mean_flux = np.array([flux[y == k].mean() for k in range(8)])
    clicks = SOUND_KINDS.index("clicks")
    tonal = [SOUND_KINDS.index(k) for k in ("tone", "chirp", "harmonic", "fm_tone")]
    assert mean_flux[clicks] > 2 * mean_flux[tonal].max()


def test_noise_level_is_relative_to_rms():
    clean, _ = make_sounds(2, 5, sr=SR, duration=0.5, noise=0.0, random_state=3)
    noisy, _ = make_sounds(2, 5, sr=SR, duration=0.5, noise=0.5, random_state=3)
    # same seed: the clean part is identical; the residual has std 0.5 * clip RMS
    resid = noisy.astype(np.float64) - clean
    ratio = resid.std(axis=1) / np.sqrt(np.mean(clean.astype(np.float64) ** 2, axis=1))
    np.testing.assert_allclose(ratio, 0.5, rtol=0.06)


def test_learnable():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_val_score

    X, y = make_sounds(5, 12, sr=SR, duration=0.5, random_state=0)
    _, _, S = _spec(X)
    L = np.log1p(100 * S)
    feats = np.concatenate([L.mean(axis=2), L.std(axis=2)], axis=1)
    acc = cross_val_score(RandomForestClassifier(n_estimators=50, random_state=0), feats, y, cv=3)
    assert acc.mean() > 0.8


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_classes": 9}, r"n_classes must be in \[2, 8\]: make_sounds has 8 sound kinds"),
        ({"n_classes": 1}, r"n_classes must be in \[2, 8\]"),
        ({"n_classes": 2.5}, "n_classes must be an integer"),
        ({"n_per_class": 0}, "n_per_class must be a positive integer"),
        ({"sr": 0}, "sr must be a positive number"),
        ({"duration": -1.0}, "duration must be a positive number"),
        ({"noise": -0.1}, "noise must be a number >= 0"),
        ({"duration": 0.001}, "too short"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_sounds(**kwargs)

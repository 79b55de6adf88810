"""PowerToDb / AmplitudeToDb / PCEN against librosa; batch items never mix."""

import librosa
import numpy as np
import pytest

from specsk.spectrogram import (
    PCEN,
    AmplitudeToDb,
    PowerToDb,
    amplitude_to_db,
    pcen,
    power_to_db,
)


def spectrograms(dtype=np.float64, shape=(3, 40, 60)):
    rng = np.random.default_rng(0)
    S = np.abs(rng.standard_normal(shape)) ** 3
    S[1] *= 1e6  # very different levels per item
    S[2] *= 1e-4
    S[2, :5] = 0.0
    return S.astype(dtype)


DB_CASES = [
    (PowerToDb, power_to_db, librosa.power_to_db),
    (AmplitudeToDb, amplitude_to_db, librosa.amplitude_to_db),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ref", [1.0, 0.01, "max"])
@pytest.mark.parametrize("top_db", [80.0, 20.0, None])
@pytest.mark.parametrize("cls, func, lib", DB_CASES)
def test_db_matches_librosa_per_item(cls, func, lib, ref, top_db, dtype):
    S = spectrograms(dtype)
    lib_ref = np.max if ref == "max" else ref
    expected = np.stack([lib(s, ref=lib_ref, top_db=top_db) for s in S])
    out = cls(ref=ref, top_db=top_db).fit_transform(S)
    assert out.dtype == dtype and out.shape == S.shape
    # dB values: float64 1e-10 dB, float32 1e-4 dB (float32 log10 of the reference)
    np.testing.assert_allclose(out, expected, atol=1e-10 if dtype == np.float64 else 1e-4)
    np.testing.assert_array_equal(func(S, ref=ref, top_db=top_db), out)


@pytest.mark.parametrize("cls", [PowerToDb, AmplitudeToDb])
def test_db_items_do_not_mix(cls):
    S = spectrograms()
    est = cls(ref="max", top_db=30.0)
    full = est.fit_transform(S)
    for i in range(len(S)):
        np.testing.assert_array_equal(est.transform(S[i : i + 1])[0], full[i])
        assert full[i].max() == 0.0  # every item is referenced to its own peak
        assert full[i].min() >= -30.0


def test_db_4d_per_item_over_channels():
    S = spectrograms(shape=(3, 2, 20, 30))
    out = PowerToDb(ref="max").fit_transform(S)
    ref = np.stack([librosa.power_to_db(s, ref=np.max) for s in S])
    np.testing.assert_allclose(out, ref, atol=1e-10)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"ref": -1.0}, "ref"),
        ({"ref": "min"}, "ref"),
        ({"amin": 0}, "amin"),
        ({"top_db": -3.0}, "top_db"),
    ],
)
def test_db_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        PowerToDb(**params).fit_transform(spectrograms())
    with pytest.raises(ValueError, match=match):
        power_to_db(spectrograms(), **params)


@pytest.mark.parametrize(
    "X, exc, match",
    [
        (np.full((2, 4, 4), np.nan), ValueError, "NaN"),
        (np.ones((4, 4)), ValueError, "S\\[np.newaxis\\]"),
        (np.ones((1, 2, 3, 4, 5)), ValueError, "4-D"),
        (np.array([[["a"]]]), TypeError, "real numbers"),
    ],
)
def test_db_bad_input(X, exc, match):
    with pytest.raises(exc, match=match):
        PowerToDb().fit_transform(X)


PCEN_PARAMS = [
    {},
    {"max_size": 3},
    {"power": 0.0},
    {"bias": 0.0, "gain": 0.8},
    {"b": 0.1, "time_constant": 0.1},
    {"sr": 16000, "hop_length": 160, "eps": 1e-4},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("params", PCEN_PARAMS)
def test_pcen_matches_librosa(params, dtype):
    S = spectrograms(dtype) + 1e-3
    expected = np.stack([librosa.pcen(s.astype(np.float64), **params) for s in S])
    out = PCEN(**params).fit_transform(S)
    assert out.dtype == dtype
    # float64: 1e-10 relative; float32: 1e-5 relative to the largest value
    tol = 1e-10 if dtype == np.float64 else 1e-5
    assert np.abs(out - expected).max() <= tol * np.abs(expected).max()
    np.testing.assert_array_equal(pcen(S, **params), out)


def test_pcen_4d_and_items_independent():
    S = spectrograms(shape=(3, 2, 16, 40))
    out = PCEN(max_size=3).fit_transform(S)
    for i in range(3):
        for c in range(2):
            np.testing.assert_allclose(out[i, c], librosa.pcen(S[i, c], max_size=3), rtol=1e-10)


def test_pcen_bad():
    with pytest.raises(ValueError, match="non-negative"):
        PCEN().fit_transform(-spectrograms())
    with pytest.raises(ValueError, match="time_constant"):
        PCEN(time_constant=0).fit_transform(spectrograms())
    with pytest.raises(ValueError, match="b"):
        pcen(spectrograms(), b=2.0)

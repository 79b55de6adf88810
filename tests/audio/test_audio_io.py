"""load_audio, LoadReport and AudioLoader on small WAV files written to tmp_path."""

import os
import pathlib
import warnings

import librosa
import numpy as np
import pytest
import soundfile as sf
from sklearn.pipeline import make_pipeline

from specsk.audio import AudioLoader, FixedLength, LoadReport, load_audio
from specsk.exceptions import AudioLoadError, SpecskWarning


def _tone(sr, seconds=0.25, f0=440.0, amp=0.5):
    t = np.arange(int(sr * seconds)) / sr
    return amp * np.sin(2 * np.pi * f0 * t)


@pytest.fixture
def wavs(tmp_path):
    """Five good files (8/16 kHz, int16, stereo) and a few bad ones."""
    p = {}
    p["a8k"] = tmp_path / "a8k.wav"
    sf.write(p["a8k"], _tone(8000), 8000, subtype="PCM_16")
    p["b8k"] = tmp_path / "b8k.wav"
    sf.write(p["b8k"], _tone(8000, 0.5, 1000.0), 8000, subtype="PCM_16")
    p["c16k"] = tmp_path / "c16k.wav"
    sf.write(p["c16k"], _tone(16000, 0.3), 16000, subtype="FLOAT")
    p["stereo"] = tmp_path / "stereo.wav"
    st = np.stack([_tone(8000, 0.2, 300.0), _tone(8000, 0.2, 600.0, 0.25)], axis=1)
    sf.write(p["stereo"], st, 8000, subtype="PCM_16")
    p["full"] = tmp_path / "full.wav"
    sf.write(p["full"], np.array([32767, -32768, 0, 16384] * 50, dtype=np.int16), 8000)
    p["text"] = tmp_path / "notes.wav"
    p["text"].write_text("this is not audio")
    p["empty"] = tmp_path / "empty.wav"
    p["empty"].write_bytes(b"")
    p["noframes"] = tmp_path / "noframes.wav"
    sf.write(p["noframes"], np.zeros(0), 8000)
    p["truncated"] = tmp_path / "truncated.wav"
    p["truncated"].write_bytes(p["a8k"].read_bytes()[:30])
    p["missing"] = tmp_path / "missing.wav"
    return p


# -- reading, scaling, rates, channels ---------------------------------------------------------
def test_int16_full_scale_maps_to_unit_range(wavs):
    clips, report = load_audio([wavs["full"]], sr=None)
    x = clips[0]
    assert x.dtype == np.float32 and x.ndim == 1
    # libsndfile scales int16 by 1/32768: +full scale -> 32767/32768, -full scale -> -1 exactly
    assert x[0] == pytest.approx(32767 / 32768, abs=1e-7)
    assert x[1] == -1.0
    assert x[3] == pytest.approx(0.5, abs=1e-7)
    assert report.sr == 8000 and report.ok.all() and report.errors == []


def test_native_rate_mismatch_is_an_error(wavs):
    with pytest.raises(ValueError, match=r"different rates.*8000 Hz.*16000 Hz.*Set sr"):
        load_audio([wavs["a8k"], wavs["c16k"]], sr=None)


def test_resampling_matches_librosa_per_file(wavs):
    paths = [wavs["a8k"], wavs["c16k"], wavs["b8k"]]
    clips, report = load_audio(paths, sr=16000)
    assert report.sr == 16000
    for x, p in zip(clips, paths, strict=True):
        ref, _ = librosa.load(p, sr=16000)  # librosa's default res_type is soxr_hq too
        assert x.shape == ref.shape
        np.testing.assert_allclose(x, ref, atol=1e-6)
    assert clips[0].shape == (4000,) and clips[2].shape == (8000,)


def test_stereo_mono_downmix_and_channels(wavs):
    raw, _ = sf.read(wavs["stereo"], dtype="float32")
    (mono,), _ = load_audio([wavs["stereo"]], sr=None)
    np.testing.assert_allclose(mono, raw.mean(axis=1), atol=1e-7)
    (both, single), _ = load_audio([wavs["stereo"], wavs["a8k"]], sr=None, mono=False)
    assert both.shape == (2, raw.shape[0]) and single.shape == (1, 2000)
    np.testing.assert_array_equal(both, raw.T)
    (up,), _ = load_audio([wavs["stereo"]], sr=16000, mono=False)
    assert up.shape == (2, 2 * raw.shape[0])
    np.testing.assert_allclose(
        up[1], librosa.resample(raw[:, 1], orig_sr=8000, target_sr=16000), atol=1e-6
    )


def test_offset_duration_and_dtype(wavs):
    full, _ = sf.read(wavs["b8k"], dtype="float64")
    (x,), _ = load_audio([wavs["b8k"]], sr=None, offset=0.1, duration=0.05, dtype=np.float64)
    assert x.dtype == np.float64
    np.testing.assert_array_equal(x, full[800:1200])
    _, report = load_audio([wavs["b8k"]], sr=None, offset=5.0, on_error="skip")
    assert not report.ok[0] and "after offset" in report.errors[0][2]


def test_parallel_equals_sequential(wavs):
    paths = [wavs["a8k"], wavs["b8k"], wavs["c16k"], wavs["stereo"]]
    seq, _ = load_audio(paths, sr=11025)
    par, _ = load_audio(paths, sr=11025, n_jobs=2)
    for a, b in zip(seq, par, strict=True):
        np.testing.assert_array_equal(a, b)


# -- failures ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key, reason",
    [
        ("missing", "file not found"),
        ("text", "unsupported or unrecognised audio format"),
        ("empty", r"empty file \(0 bytes\)"),
        ("noframes", r"empty audio \(0 frames\)"),
        ("truncated", "unreadable or corrupt"),
    ],
)
def test_bad_file_raises_naming_file_and_reason(wavs, key, reason):
    name = os.path.basename(wavs[key])
    with pytest.raises(AudioLoadError, match=rf"{name}.*input 1.*{reason}"):
        load_audio([wavs["a8k"], wavs[key]], sr=8000)


def test_nonfinite_samples_in_file(tmp_path):
    p = tmp_path / "nan.wav"
    sf.write(p, np.array([0.0, np.nan, 0.5]), 8000, subtype="FLOAT")
    with pytest.raises(AudioLoadError, match="NaN or infinite"):
        load_audio([p], sr=None)


def test_skip_keeps_the_rest_of_the_batch(wavs):
    paths = [wavs["a8k"], wavs["b8k"], wavs["truncated"], wavs["stereo"], wavs["full"]]
    clips, report = load_audio(paths, sr=8000, on_error="skip")
    assert len(clips) == 4
    np.testing.assert_array_equal(report.ok, [True, True, False, True, True])
    assert report.n_loaded == 4 and report.n_failed == 1
    ((i, path, reason),) = report.errors
    assert i == 2 and path == str(wavs["truncated"]) and "corrupt" in reason
    ref, _ = load_audio([wavs["stereo"]], sr=8000)
    np.testing.assert_array_equal(clips[2], ref[0])
    text = str(report)
    assert "4 of 5 files loaded at sr=8000" in text and "truncated.wav" in text
    frame = report.to_frame()
    assert list(frame.columns) == ["path", "ok", "reason"]
    assert frame["ok"].tolist() == report.ok.tolist() and frame["reason"][2] == reason


def test_warn_emits_one_warning_listing_failures(wavs):
    paths = [wavs["a8k"], wavs["missing"], wavs["text"]]
    with pytest.warns(SpecskWarning, match=r"(?s)2 of 3 audio file\(s\).*missing.wav.*notes.wav"):
        clips, report = load_audio(paths, sr=8000, on_error="warn")
    assert len(clips) == 1 and report.ok.tolist() == [True, False, False]


def test_all_files_failing_with_skip(wavs):
    clips, report = load_audio([wavs["missing"]], sr=None, on_error="skip")
    assert clips == [] and report.sr is None and "0 of 1" in str(report)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"sr": -1}, ValueError, "'sr' parameter"),
        ({"on_error": "ignore"}, ValueError, "'on_error' parameter"),
        ({"offset": -0.5}, ValueError, "'offset' parameter"),
        ({"duration": 0}, ValueError, "'duration' parameter"),
        ({"dtype": np.int16}, ValueError, "'dtype' parameter"),
        ({"res_type": "nearest"}, ValueError, "'res_type' parameter"),
        ({"mono": "yes"}, ValueError, "'mono' parameter"),
    ],
)
def test_bad_parameters(wavs, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        load_audio([wavs["a8k"]], **kwargs)


@pytest.mark.parametrize(
    "X, exc, match",
    [
        (np.zeros((4, 100)), TypeError, "file paths .* numeric array"),
        ("a.wav", TypeError, "single path"),
        ([], ValueError, "empty"),
        (["a.wav", 3], TypeError, r"X\[1\] must be a file path"),
        (np.array([["a.wav", "b.wav"]]), ValueError, "one column"),
    ],
)
def test_audioloader_rejects_non_paths(X, exc, match):
    with pytest.raises(exc, match=match):
        AudioLoader().transform(X)


# -- the estimator -----------------------------------------------------------------------------
def test_audioloader_accepts_path_containers(wavs):
    import pandas as pd

    paths = [str(wavs["a8k"]), str(wavs["b8k"])]
    ref = AudioLoader(sr=8000).transform(paths)
    variants = [
        [pathlib.Path(p) for p in paths],
        np.array(paths, dtype=object),
        np.array(paths)[:, None],
        pd.DataFrame({"file": paths})[["file"]],
        pd.Series(paths),
    ]
    for X in variants:
        out = AudioLoader(sr=8000).fit(X).transform(X)
        assert isinstance(out, list) and len(out) == 2
        for a, b in zip(out, ref, strict=True):
            np.testing.assert_array_equal(a, b)


def test_audioloader_report_and_label_recipe(wavs):
    paths = np.array([wavs["a8k"], wavs["missing"], wavs["b8k"]], dtype=object)
    y = np.array([0, 1, 2])
    loader = AudioLoader(sr=8000, on_error="skip")
    clips = loader.fit_transform(paths)
    assert isinstance(loader.load_report_, LoadReport)
    y_ok = y[loader.load_report_.ok]
    assert len(clips) == len(y_ok) == 2 and y_ok.tolist() == [0, 2]


def test_audioloader_then_fixedlength_pipeline(wavs):
    pipe = make_pipeline(AudioLoader(sr=8000), FixedLength(mode="pad"))
    X = pipe.fit_transform([wavs["a8k"], wavs["b8k"], wavs["stereo"]])
    assert X.shape == (3, 4000) and X.dtype == np.float32
    assert np.all(X[0, 2000:] == 0)


def test_make_test_input_writes_readable_files():
    paths, y = AudioLoader._make_test_input(np.random.default_rng(0))
    assert paths.dtype == object and paths.ndim == 1 and len(paths) == len(y) == 8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clips = AudioLoader(sr=8000).transform(paths)
    assert all(c.shape == (4096,) for c in clips)

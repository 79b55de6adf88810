"""ClipScreener / screen_clips: one clip per problem is flagged with its reason."""

import sys

import librosa
import numpy as np
import pytest

from specsk.screening import REASONS, ClipScreener, screen_clips

SR = 8000
T = np.arange(SR) / SR


def _batch():
    rng = np.random.default_rng(0)
    good = [
        0.5 * np.sin(2 * np.pi * f * T) * np.exp(-k * T) + 0.01 * rng.standard_normal(T.size)
        for f, k in [(440, 1.0), (700, 3.0), (1234, 0.5)]
    ]
    problems = {
        "silent": 1e-5 * rng.standard_normal(T.size),  # -100 dBFS
        "clipped": np.clip(2 * np.sin(2 * np.pi * 300 * T), -1, 1),
        "dc_offset": 0.3 * np.sin(2 * np.pi * 500 * T) + 0.2,
        "noise": 0.2 * rng.standard_normal(T.size),
        # clip 0 again, quieter, shifted by 50 ms, with fresh noise at the same SNR
        "duplicate": 0.6 * (np.roll(good[0], 400) + 0.01 * rng.standard_normal(T.size)),
    }
    X = np.stack(good + list(problems.values()))
    return X, list(problems)


def test_each_problem_flagged_with_its_reason():
    X, names = _batch()
    report = screen_clips(X)
    assert report["reasons"].tolist() == ["", "", "", *names]
    assert report["flagged"].tolist() == [False] * 3 + [True] * 5
    for reason in REASONS:
        assert report[reason].tolist() == [n == reason for n in ["", "", "", *names]]
    assert report["duplicate_of"].tolist() == [-1] * 7 + [0]
    assert np.isnan(report["flatness"][3])  # silent: no active frame
    np.testing.assert_allclose(report["rms_db"][3], -100, atol=0.5)
    np.testing.assert_allclose(report["dc"][5], 0.2, atol=1e-3)
    assert report["clip_fraction"][4] > 0.5
    assert 0.5 < report["flatness"][6] < 0.62  # white noise: about exp(-euler_gamma)


def test_flatness_matches_librosa():
    rng = np.random.default_rng(1)
    x = 0.1 * rng.standard_normal(4096) + 0.3 * np.sin(2 * np.pi * 1000 * np.arange(4096) / SR)
    ours = screen_clips(x[None], n_fft=256)["flatness"][0]
    ref = librosa.feature.spectral_flatness(y=x, n_fft=256, hop_length=128, center=False).mean()
    np.testing.assert_allclose(ours, ref, rtol=1e-6)


def test_ragged_input_and_filter():
    X, _ = _batch()
    clips = [X[0], X[3][:5000], X[4][:3000], X[1][:100], X[6][:7000]]  # ragged, one short
    report = screen_clips(clips)
    assert report["reasons"].tolist() == ["", "silent", "clipped", "", "noise"]
    # padding of ragged clips does not dilute the per-clip measures
    np.testing.assert_allclose(report["rms_db"][2], screen_clips(X[4:5])["rms_db"][0], atol=0.1)
    y = np.arange(5)
    kept, y_kept = ClipScreener().filter(clips, y)
    assert isinstance(kept, list) and y_kept.tolist() == [0, 3]
    np.testing.assert_array_equal(kept[1], clips[3])
    X_kept, y_none = ClipScreener().filter(X)
    assert X_kept.shape == (3, SR) and y_none is None
    with pytest.raises(ValueError, match="y has 2 labels for 8 clips"):
        ClipScreener().filter(X, y[:2])


def test_estimator_is_passthrough():
    X, _ = _batch()
    X32 = X.astype(np.float32)
    sc = ClipScreener()
    out = sc.fit_transform(X32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, X32)
    np.testing.assert_array_equal(sc.fit(X32).transform(X32), out)
    assert sc.flags_.tolist() == [False] * 3 + [True] * 5 and sc.n_flagged_ == 5
    assert len(sc.report_) == 8
    # any length goes through after fit (a diagnostic, not a shape contract)
    assert sc.transform(X32[:, :100]).shape == (8, 100)


def test_structured_array_without_pandas(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # "import pandas" raises ImportError
    X, names = _batch()
    report = screen_clips(X)
    assert isinstance(report, np.ndarray) and report.dtype.names[:3] == (
        "index",
        "flagged",
        "reasons",
    )
    assert report["reasons"].tolist()[3:] == names


def test_thresholds_change_flags():
    X, _ = _batch()
    assert not screen_clips(X, silence_db=-120.0)["silent"][3]
    assert not screen_clips(X, flatness_threshold=0.9)["noise"][6]
    assert screen_clips(X, duplicate_threshold=1.0)["duplicate_of"].tolist() == [-1] * 8
    assert screen_clips(X, dc_threshold=0.5)["dc_offset"].sum() == 0


def test_bad_input():
    X, _ = _batch()
    with pytest.raises(ValueError, match="NaN"):
        bad = X.copy()
        bad[1, 3] = np.nan
        screen_clips(bad)
    with pytest.raises(ValueError, match="1-D"):
        ClipScreener().fit(X[0])
    with pytest.raises(ValueError, match="dimension"):
        screen_clips([X[:2], X[0]])


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"silence_db": np.nan}, "silence_db"),
        ({"clip_threshold": 0.0}, "clip_threshold"),
        ({"clip_fraction": 1.0}, "clip_fraction"),
        ({"dc_threshold": -0.1}, "dc_threshold"),
        ({"flatness_threshold": 1.5}, "flatness_threshold"),
        ({"duplicate_threshold": 2.0}, "duplicate_threshold"),
        ({"n_fft": 8}, "n_fft"),
    ],
)
def test_bad_params(kw, match):
    X, _ = _batch()
    with pytest.raises(ValueError, match=match):
        screen_clips(X, **kw)
    with pytest.raises(ValueError, match=match):
        ClipScreener(**kw).fit(X)

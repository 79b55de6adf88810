"""Signal metadata travels with the data (issue 10, item 5)."""

from __future__ import annotations

import pickle
from typing import ClassVar

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline

from specsk.audio import AudioLoader, FixedLength, Normalize, Resample
from specsk.spectrogram import MelSpectrogram, PowerToDb, STFTSpectrogram
from specsk.utils import SignalArray, SignalList, get_metadata


def _images():
    X = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)
    return SignalArray.wrap(
        X, sr=8000, hop_length=4, frequencies=np.arange(5) * 100.0, times=np.arange(6) / 2000
    )


def _waves(n=6, sr=8000, seconds=0.25, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, int(sr * seconds))).astype(np.float32)
    return SignalArray.wrap(X, sr=sr)


@pytest.fixture
def wav_paths(tmp_path):
    import soundfile as sf

    rng = np.random.default_rng(0)
    paths = []
    for i in range(4):
        p = tmp_path / f"clip{i}.wav"
        sf.write(p, 0.1 * rng.standard_normal(5000 + 300 * i), 22050, subtype="FLOAT")
        paths.append(str(p))
    return np.array(paths, dtype=object)


# -- the carrier ------------------------------------------------------------------------------
def test_asarray_is_a_plain_view_without_copy():
    S = _images()
    A = np.asarray(S)
    assert type(A) is np.ndarray
    assert np.shares_memory(A, S)


def test_pickle_round_trip_keeps_metadata():
    S = _images()
    for S2 in (pickle.loads(pickle.dumps(S)), joblib.load(_dump(S))):
        assert type(S2) is SignalArray
        np.testing.assert_array_equal(S2, S)
        assert S2.sr == 8000.0 and S2.hop_length == 4
        np.testing.assert_array_equal(S2.frequencies, S.frequencies)
        np.testing.assert_array_equal(S2.times, S.times)
    L = pickle.loads(pickle.dumps(SignalList([np.zeros(3), np.zeros(5)], sr=16000)))
    assert isinstance(L, SignalList) and L.sr == 16000.0 and len(L) == 2


def _dump(obj):
    import io

    buf = io.BytesIO()
    joblib.dump(obj, buf)
    buf.seek(0)
    return buf


@pytest.mark.parametrize(
    "key", [slice(1, 3), 2, np.array([0, 3]), np.array([True, False, True, False]), (slice(None),)]
)
def test_batch_indexing_keeps_metadata(key):
    S = _images()
    out = S[key]
    assert isinstance(out, SignalArray)
    assert out.sr == 8000.0 and out.hop_length == 4
    np.testing.assert_array_equal(out.frequencies, S.frequencies)
    np.testing.assert_array_equal(out.times, S.times)


def test_slicing_bins_and_frames_adjusts_coordinates():
    S = _images()
    sub = S[:, 1:4, ::2]
    np.testing.assert_array_equal(sub.frequencies, [100.0, 200.0, 300.0])
    np.testing.assert_array_equal(sub.times, S.times[::2])
    assert sub.hop_length == 8 and sub.sr == 8000.0
    assert S[..., 2:].times.tolist() == S.times[2:].tolist()


@pytest.mark.parametrize("key", [(slice(None), 1), (Ellipsis, 0), (slice(None), [0, 2])])
def test_indexing_that_loses_coordinates_gives_plain_array(key):
    assert type(_images()[key]) is np.ndarray


def test_reductions_drop_coordinates_that_no_longer_fit():
    S = _images()
    assert set(S.mean(axis=-1).metadata) == {"sr"}  # frames gone
    assert set(S.mean(axis=0).metadata) == {"sr", "hop_length", "frequencies", "times"}
    assert type(S.sum()) is np.float32


def test_cropping_waveform_samples_keeps_sr():
    W = _waves()
    assert W[:, 10:100].sr == 8000.0


# -- producers ----------------------------------------------------------------------------------
def test_loader_to_mel_tags_everything(wav_paths):
    pipe = make_pipeline(
        AudioLoader(sr=16000),
        FixedLength(duration=0.25, mode="pad_or_crop"),  # sr taken from the input
        Normalize(),
        MelSpectrogram(sr=16000, n_fft=256, hop_length=64, n_mels=16),
        PowerToDb(),
    )
    S = pipe.fit_transform(wav_paths)
    assert isinstance(S, SignalArray)
    assert S.shape == (4, 16, 63)
    assert S.sr == 16000.0 and S.hop_length == 64
    assert S.frequencies.shape == (16,) and np.all(np.diff(S.frequencies) > 0)
    assert S.frequencies[-1] < 8000
    np.testing.assert_allclose(S.times, np.arange(63) * 64 / 16000)
    np.testing.assert_allclose(S.frequencies, pipe[3].frequencies_)


def test_stft_takes_sr_from_input_and_plain_input_gives_hop_only():
    W = _waves(sr=8000)
    S = STFTSpectrogram(n_fft=64, hop_length=16).fit_transform(W)
    np.testing.assert_allclose(S.frequencies, np.arange(33) * 125.0)
    np.testing.assert_allclose(S.times, np.arange(S.shape[-1]) * 16 / 8000)
    P = STFTSpectrogram(n_fft=64, hop_length=16).fit_transform(np.asarray(W))
    assert P.metadata == {"hop_length": 16}


def test_resample_retags_and_checks_orig_sr():
    W = _waves(sr=8000)
    assert Resample(orig_sr=8000, target_sr=4000).fit_transform(W).sr == 4000.0
    with pytest.raises(ValueError, match=r"Resample has orig_sr=22050 .* sr=8000"):
        Resample(orig_sr=22050, target_sr=4000).fit_transform(W)


# -- consumers ----------------------------------------------------------------------------------
def test_sr_mismatch_in_pipeline_names_step_and_values(wav_paths):
    pipe = make_pipeline(
        AudioLoader(sr=22050), FixedLength(duration=1.0, sr=8000), MelSpectrogram(sr=8000)
    )
    with pytest.raises(ValueError, match=r"FixedLength has sr=8000 .*sr=22050") as info:
        pipe.fit(wav_paths)
    assert "Resample(orig_sr=22050, target_sr=8000)" in str(info.value)


@pytest.mark.parametrize("method", ["fit", "fit_transform", "transform"])
def test_mel_rejects_input_at_another_rate(method):
    W = _waves(sr=16000)
    est = MelSpectrogram(sr=22050, n_fft=64, n_mels=8)
    if method == "transform":
        est.fit(np.asarray(W))
    with pytest.raises(ValueError, match=r"MelSpectrogram has sr=22050 .*sr=16000"):
        getattr(est, method)(W)


def test_plain_arrays_still_work_with_explicit_parameters():
    X = np.asarray(_waves())
    Y = make_pipeline(
        FixedLength(duration=0.25, sr=8000), MelSpectrogram(sr=8000, n_fft=64, n_mels=8)
    ).fit_transform(X)
    Z = make_pipeline(
        FixedLength(duration=0.25), MelSpectrogram(sr=8000, n_fft=64, n_mels=8)
    ).fit_transform(_waves())
    np.testing.assert_array_equal(np.asarray(Y), np.asarray(Z))
    with pytest.raises(ValueError, match="duration needs sr"):
        FixedLength(duration=0.25).fit_transform(X)


# -- scikit-learn machinery ----------------------------------------------------------------------
def test_clone_and_refit_keep_metadata_flowing():
    W = _waves()
    pipe = make_pipeline(MelSpectrogram(sr=8000, n_fft=64, n_mels=8), PowerToDb())
    S1 = pipe.fit_transform(W)
    S2 = clone(pipe).fit(W).transform(W)
    assert get_metadata(S2).keys() == get_metadata(S1).keys()
    np.testing.assert_array_equal(S2.frequencies, S1.frequencies)


class _Spy(TransformerMixin, BaseEstimator):
    """Records the sample rate its input carries in fit and transform."""

    seen: ClassVar[list] = []

    def fit(self, X, y=None):
        self.seen.append(get_metadata(X).get("sr"))
        self.n_features_in_ = np.shape(X)[1]
        return self

    def transform(self, X):
        self.seen.append(get_metadata(X).get("sr"))
        return np.asarray(X).reshape(len(X), -1)[:, :4]


@pytest.fixture
def seen():
    _Spy.seen.clear()
    yield _Spy.seen
    _Spy.seen.clear()


def test_metadata_reaches_every_fold_in_grid_search(seen):
    W = _waves(n=8)
    y = np.tile([0, 1], 4)
    from sklearn.linear_model import LogisticRegression

    pipe = Pipeline(
        [
            ("mel", MelSpectrogram(sr=8000, n_fft=64, n_mels=8)),
            ("spy", _Spy()),
            ("clf", LogisticRegression()),
        ]
    )
    GridSearchCV(pipe, {"mel__n_mels": [4, 8]}, cv=2).fit(W, y)
    assert len(seen) >= 8 and all(sr == 8000.0 for sr in seen)
    # a grid point whose sr disagrees with the data fails (error_score="raise")
    with pytest.raises(ValueError, match="MelSpectrogram has sr=16000"):
        GridSearchCV(pipe, {"mel__sr": [16000]}, cv=2, error_score="raise").fit(W, y)


def test_pipeline_memory_keeps_metadata_on_cache_hits(tmp_path, seen):
    W = _waves()

    def make():
        return Pipeline(
            [
                ("mel", MelSpectrogram(sr=8000, n_fft=64, n_mels=8)),
                ("db", PowerToDb()),
                ("spy", _Spy()),
            ],
            memory=str(tmp_path),
        )

    first = make().fit(W)
    second = make().fit(W)  # mel and db come from the cache
    assert seen == [8000.0, 8000.0]
    assert first.transform(W).shape == second.transform(W).shape
    assert any(tmp_path.rglob("output.pkl"))


@pytest.mark.parametrize(
    "step",
    [
        "CQTSpectrogram(sr=8000, hop_length=64, fmin=100.0, n_bins=24)",
        "GammatoneSpectrogram(sr=8000, n_bands=16, hop_length=64)",
        "GammatoneSpectrogram(sr=8000, n_bands=16, hop_length=64, center=False)",
        "CWTScalogram(sr=8000, n_scales=8, fmin=200.0, hop_length=64)",
    ],
)
def test_cqt_gammatone_cwt_tag_frequencies_and_times(step):
    from specsk import spectrogram as sp
    from specsk.utils import get_metadata, with_metadata

    est = eval(step, {k: getattr(sp, k) for k in sp.__all__})
    noise = np.random.default_rng(0).standard_normal((2, 4000)).astype(np.float32)
    X = with_metadata(noise, {"sr": 8000})
    S = est.fit_transform(X)
    meta = get_metadata(S)
    assert meta["sr"] == 8000 and meta["hop_length"] == 64
    np.testing.assert_allclose(meta["frequencies"], est.frequencies_)
    assert len(meta["frequencies"]) == S.shape[-2] and len(meta["times"]) == S.shape[-1]
    offset = 0 if getattr(est, "center", True) else est.plan_.win // 2
    np.testing.assert_allclose(meta["times"], (np.arange(S.shape[-1]) * 64 + offset) / 8000)
    with pytest.raises(ValueError, match="16000"):
        type(est)(**{**est.get_params(), "sr": 16000}).fit(X)


# -- downstream steps take what they were not given from the input --------------------------------
_PRODUCERS = [
    "STFTSpectrogram(n_fft=128, hop_length=50)",
    "STFTSpectrogram(n_fft=128, hop_length=50, center=False)",
    "MelSpectrogram(n_fft=128, hop_length=50, n_mels=16)",
    "MFCC(n_fft=128, hop_length=50, n_mels=16, n_mfcc=8)",
    "Chroma(n_fft=128, hop_length=50)",
    "BarkSpectrogram(n_fft=128, hop_length=50, n_bands=8)",
    "CQTSpectrogram(hop_length=64, fmin=100.0, n_bins=24)",
    "GammatoneSpectrogram(n_bands=8, hop_length=50, center=False)",
    "CWTScalogram(n_scales=8, fmin=200.0, hop_length=50)",
]


def _make(step):
    from specsk import spectrogram as sp

    return eval(step, {k: getattr(sp, k) for k in sp.__all__})


@pytest.mark.filterwarnings("ignore::specsk.exceptions.ShortClipWarning")  # CQT pads
@pytest.mark.parametrize("step", _PRODUCERS)
@pytest.mark.parametrize("n_times", [1000, 1037])
def test_every_time_frequency_step_exposes_sr_frequencies_and_times(step, n_times):
    est = _make(step)
    X = _waves(n=2, sr=8000, seconds=n_times / 8000)
    S = est.fit_transform(X)
    assert est.sr_ == 8000.0 and S.sr == 8000.0
    assert len(est.times_) == S.shape[-1]
    np.testing.assert_allclose(est.times_, S.times)
    if est.frequencies_ is None:  # MFCC, chroma: rows are not frequency bins
        assert S.frequencies is None
    else:
        assert len(est.frequencies_) == S.shape[-2]
        np.testing.assert_allclose(est.frequencies_, S.frequencies)
        assert np.all(np.diff(est.frequencies_) > 0) and est.frequencies_[-1] <= 4000


@pytest.mark.parametrize("step", [s for s in _PRODUCERS if "STFT" not in s])
def test_sr_none_takes_the_input_rate_else_22050(step):
    est = _make(step)
    W = _waves(n=2, sr=16000)
    S = est.fit_transform(W)
    explicit = type(est)(**{**est.get_params(), "sr": 16000})
    np.testing.assert_array_equal(np.asarray(S), np.asarray(explicit.fit_transform(W)))
    plain = _make(step).fit(np.asarray(W))
    assert plain.sr_ == 22050.0
    # fitted at 16 kHz, then given input made at 8 kHz: an error, not silent garbage
    with pytest.raises(ValueError, match="fitted on input with sr=16000"):
        est.transform(_waves(n=2, sr=8000))


def test_spectral_features_use_the_bins_they_are_given():
    from specsk.features import SpectralFeatures

    W = _waves(n=3, sr=8000)
    mel = MelSpectrogram(n_fft=256, hop_length=64, n_mels=24, fmin=200.0, power=1.0)
    M = mel.fit_transform(W)
    sf = SpectralFeatures(features=("centroid",), n_bands=3).fit(M)
    assert sf.sr_ == 8000.0 and sf.n_fft_ is None
    np.testing.assert_allclose(sf.freqs_, mel.frequencies_)
    # centroid over the mel band centres, not over bins assumed linear
    C = sf.transform(M)[:, 0]
    Mp = np.asarray(M)
    ref = (mel.frequencies_[:, None] * Mp).sum(1) / Mp.sum(1)
    np.testing.assert_allclose(C, ref, rtol=1e-4)
    with pytest.raises(ValueError, match="n_fft=256 gives linear STFT bins"):
        SpectralFeatures(n_fft=256).fit(M)
    # linear STFT: the carried frequencies equal rfftfreq, and an explicit n_fft is accepted
    D = STFTSpectrogram(n_fft=128, hop_length=64).fit_transform(W)
    a = SpectralFeatures(n_bands=3).fit_transform(D)
    b = SpectralFeatures(sr=8000, n_fft=128, n_bands=3).fit_transform(np.asarray(D))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_grid_search_over_n_fft_keeps_downstream_in_step():
    from sklearn.linear_model import LogisticRegression

    from specsk.features import SpectralFeatures

    W = _waves(n=8, sr=8000)
    y = np.tile([0, 1], 4)
    pipe = Pipeline(
        [
            ("stft", STFTSpectrogram(hop_length=64)),
            ("spec", SpectralFeatures(n_bands=2, fmin=400.0, output="stats")),
            ("clf", LogisticRegression()),
        ]
    )
    gs = GridSearchCV(pipe, {"stft__n_fft": [64, 256]}, cv=2, error_score="raise").fit(W, y)
    assert gs.best_estimator_["spec"].sr_ == 8000.0
    n_fft = gs.best_params_["stft__n_fft"]
    np.testing.assert_allclose(gs.best_estimator_["spec"].freqs_, np.fft.rfftfreq(n_fft, 1 / 8000))


def test_pcen_takes_sr_and_hop_from_its_input():
    from specsk.spectrogram import PCEN

    M = MelSpectrogram(n_fft=256, hop_length=100, n_mels=16).fit_transform(_waves(sr=8000))
    a = PCEN().fit_transform(M)
    b = PCEN(sr=8000, hop_length=100).fit_transform(np.asarray(M))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(PCEN().fit_transform(np.asarray(M))), np.asarray(b))
    with pytest.raises(ValueError, match=r"PCEN has hop_length=50 .*hop_length=100"):
        PCEN(hop_length=50).fit_transform(M)


def test_segmentation_steps_report_hz_and_seconds_without_reentering_scales():
    from specsk.segmentation import (
        RegionRefiner,
        ROIFeatures,
        TemplateMatching,
        ThresholdSegmenter,
    )

    rng = np.random.default_rng(0)
    W = rng.standard_normal((4, 8000)).astype(np.float32) * 0.01
    t = np.arange(8000) / 8000
    W[:, 2000:4000] += np.sin(2 * np.pi * 1000 * t[2000:4000])
    W = SignalArray.wrap(W, sr=8000)
    mel = MelSpectrogram(n_fft=256, hop_length=100, n_mels=32)
    M = PowerToDb().fit_transform(mel.fit_transform(W))
    roi = ROIFeatures(top_k=1).fit(M)
    assert roi.sr_ == 8000.0 and roi.hop_length_ == 100
    np.testing.assert_allclose(roi.freqs_, mel.frequencies_)
    explicit = ROIFeatures(top_k=1, sr=8000, hop_length=100, freqs=mel.frequencies_)
    np.testing.assert_array_equal(roi.transform(M), explicit.fit(np.asarray(M)).transform(M))
    with pytest.raises(ValueError, match="n_fft=256 gives"):
        ROIFeatures(n_fft=256).fit(M)
    # label images keep the spectrograms' scales: durations in seconds need no sr/hop_length
    L = ThresholdSegmenter(method="otsu").fit_transform(M)
    assert get_metadata(L)["hop_length"] == 100
    a = RegionRefiner(min_size_s=0.1, min_size_hz=50.0).fit_transform(L)
    b = RegionRefiner(
        min_size_s=0.1, min_size_hz=50.0, sr=8000, hop_length=100, freqs=mel.frequencies_
    ).fit_transform(np.asarray(L))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    tm = TemplateMatching(template_shape=(8, 8)).fit(M, np.tile([0, 1], 2))
    assert tm.sr_ == 8000.0 and tm.hop_length_ == 100
    np.testing.assert_allclose(tm.freqs_, mel.frequencies_)


def test_evaluate_passes_the_rate_to_steps_left_at_sr_none(tmp_path, seen):
    from sklearn.linear_model import LogisticRegression

    from specsk.evaluation import evaluate

    W = np.asarray(_waves(n=8, sr=8000))
    y = np.tile([0, 1], 4)
    pipe = Pipeline(
        [
            ("mel", MelSpectrogram(n_fft=64, hop_length=32, n_mels=8)),  # a shared prefix
            ("spy", _Spy()),
            ("clf", LogisticRegression()),
        ]
    )
    for _ in range(2):  # computed, then read back from the cache (a memmap + its metadata)
        evaluate({"p": pipe}, (W, y), sr=8000, cv=2, cache_dir=tmp_path, resume=False,
                 progress=False)  # fmt: skip
    assert len(seen) >= 8 and set(seen) == {8000.0}
    assert any(tmp_path.rglob("*.meta.json"))

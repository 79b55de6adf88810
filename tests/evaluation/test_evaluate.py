"""specsk.evaluate on a tiny synthetic dataset of WAV files (3 classes x 6 clips, 3 folds)."""

import glob
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest
import soundfile as sf
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import PredefinedSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch

import specsk
from specsk.audio import FixedLength, load_audio
from specsk.datasets import make_sounds
from specsk.evaluation import EvaluationResult, evaluate
from specsk.exceptions import SpecskWarning
from specsk.features import TemporalStats
from specsk.spectrogram import MelSpectrogram, PowerToDb

SR = 8000
DURATION = 0.25
BAD = 4  # row whose file is corrupt
CALLS = {"transform": 0, "fit": 0}


class CountingIdentity(TransformerMixin, BaseEstimator):
    """Stateless step that counts the clips it transforms."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        CALLS["transform"] += len(X)
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags


class FrozenMel(MelSpectrogram):
    """Needs fit (filter bank) but learns nothing from the data."""

    _learns_from_data = False


class CountingLogReg(LogisticRegression):
    """Counts fit calls (resume must not refit finished folds)."""

    def fit(self, X, y, sample_weight=None):
        CALLS["fit"] += 1
        return super().fit(X, y, sample_weight=sample_weight)


class RMSClassifier(ClassifierMixin, BaseEstimator):
    """Not a Pipeline: nearest class mean of the clips' RMS, on ragged waveforms."""

    def fit(self, X, y):
        rms = np.array([np.sqrt(np.mean(np.square(c))) for c in X])
        self.classes_ = np.unique(y)
        self.means_ = np.array([rms[y == c].mean() for c in self.classes_])
        return self

    def predict(self, X):
        rms = np.array([np.sqrt(np.mean(np.square(c))) for c in X])
        return self.classes_[np.abs(rms[:, None] - self.means_).argmin(axis=1)]


def make_pipe(C=1.0, clf=LogisticRegression):
    return make_pipeline(
        FixedLength(duration=DURATION, sr=SR, mode="pad_or_crop"),
        CountingIdentity(),
        FrozenMel(sr=SR, n_fft=256, hop_length=64, n_mels=16),
        PowerToDb(),
        TemporalStats(),
        StandardScaler(),
        clf(C=C),
    )


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.update(transform=0, fit=0)


@pytest.fixture
def wav_dataset(tmp_path):
    X, y = make_sounds(3, 6, sr=SR, duration=DURATION, random_state=0)
    paths = []
    for i, clip in enumerate(X):
        path = tmp_path / f"clip{i:02d}.wav"
        if i == BAD:
            path.write_bytes(b"RIFF\x00\x00 this is not audio")
        else:
            # ragged: clips of slightly different lengths, fixed inside the pipelines
            sf.write(path, clip[: len(clip) - 40 * (i % 3)], SR)
        paths.append(str(path))
    test_fold = np.arange(len(y)) % 3  # every class in every fold
    return Bunch(
        paths=np.asarray(paths, dtype=object),
        target=y,
        target_names=["tone", "chirp", "harmonic"],
        groups=np.arange(len(y)),
        cv=PredefinedSplit(test_fold),
        sr=SR,
        duration=DURATION,
        DESCR="synthetic",
        name="tiny",
    )


def evaluate_quietly(*args, **kwargs):
    kwargs.setdefault("progress", False)
    with pytest.warns(SpecskWarning, match="could not be loaded"):
        return evaluate(*args, **kwargs)


def test_end_to_end_scores_match_cross_val_score(wav_dataset, tmp_path):
    pipes = {"C=1": make_pipe(1.0), "C=0.01": make_pipe(0.01)}
    result = evaluate_quietly(pipes, wav_dataset)
    assert isinstance(result, EvaluationResult)
    assert result.names == ["C=1", "C=0.01"]
    n = len(wav_dataset.target)
    # the shared prefix (FixedLength, counter, mel, dB) ran once over the 17 good clips,
    # not once per pipeline and fold
    assert CALLS["transform"] == n - 1
    assert result.times["prefix"]["C=0.01"] == 0.0

    # the corrupt file is dropped without shifting rows
    assert result.mask.sum() == n - 1 and not result.mask[BAD]
    assert [i for i, _, _ in result.load_report.errors] == [BAD]
    np.testing.assert_array_equal(result.target, wav_dataset.target)

    clips, report = load_audio(list(wav_dataset.paths), sr=SR, on_error="skip")
    cv = PredefinedSplit(wav_dataset.cv.test_fold[report.ok])
    y_ok = wav_dataset.target[report.ok]
    for name, C in (("C=1", 1.0), ("C=0.01", 0.01)):
        expected = cross_val_score(make_pipe(C), clips, y_ok, cv=cv)
        np.testing.assert_allclose(result.fold_scores[name], expected)
        assert result.fit_time[name].shape == (3,) and (result.fit_time[name] > 0).all()
        assert result.predict_time[name].shape == (3,)
        assert np.isfinite(result.peak_memory[name]).all()
        assert result.recall[name].shape == (3, 3)

        # out-of-fold arrays are aligned with the dataset's rows
        pred, proba = result.oof_pred[name], result.oof_proba[name]
        assert pred.shape == (n,) and proba.shape == (n, 3)
        assert pred[BAD] == -1 and np.isnan(proba[BAD]).all()
        good = result.mask
        assert (pred[good] >= 0).all()
        np.testing.assert_allclose(proba[good].sum(axis=1), 1.0, rtol=1e-5)
        np.testing.assert_array_equal(proba[good].argmax(axis=1), pred[good])
        for k in range(3):
            rows = np.flatnonzero(result.test_fold == k)
            np.testing.assert_allclose(
                np.mean(pred[rows] == result.target[rows]), result.fold_scores[name][k]
            )
    np.testing.assert_array_equal(result.test_fold[good], wav_dataset.cv.test_fold[good])
    assert result.test_fold[BAD] == -1


def test_tables_and_files(wav_dataset, tmp_path):
    pipes = {"baseline": make_pipe(1.0), "weak reg|x": make_pipe(0.01)}
    out = tmp_path / "out"
    result = evaluate_quietly(pipes, wav_dataset, out_dir=out)

    summary = result.summary()
    rows = summary.to_dict("records") if hasattr(summary, "to_dict") else summary
    assert [r["pipeline"] for r in rows] == ["baseline", "weak reg|x"]
    r0 = rows[0]
    acc = result.fold_scores["baseline"]
    assert r0["accuracy_mean"] == pytest.approx(acc.mean())
    assert r0["accuracy_std"] == pytest.approx(acc.std(ddof=1))
    assert [r0[f"fold_{k}"] for k in (1, 2, 3)] == pytest.approx(acc)

    cmp = result.compare()
    cmp_rows = cmp.to_dict("records") if hasattr(cmp, "to_dict") else cmp
    assert len(cmp_rows) == 1 and cmp_rows[0]["baseline"] == "baseline"
    d = result.fold_scores["weak reg|x"] - acc
    assert cmp_rows[0]["diff_mean"] == pytest.approx(d.mean())
    assert cmp_rows[0]["wins"] + cmp_rows[0]["ties"] + cmp_rows[0]["losses"] == 3
    with pytest.raises(ValueError, match="baseline must be one of"):
        result.compare(baseline="nope")

    recall = result.per_class_recall()
    rec_rows = recall.to_dict("records") if hasattr(recall, "to_dict") else recall
    assert set(rec_rows[0]) == {"pipeline", "tone", "chirp", "harmonic"}

    md = result.to_markdown()
    for text in ("baseline", "weak reg\\|x", "fold 3", "±", "tone", "Wilcoxon"):
        assert text in md
    assert f"{100 * acc.mean():.2f}" in md

    for f in ("results.md", "results.csv", "results.json", "oof.npz"):
        assert (out / f).exists()
    csv_text = (out / "results.csv").read_text()
    lines = csv_text.strip().splitlines()
    assert len(lines) == 1 + 2 * 3 and lines[0].startswith("pipeline,fold,n_test,accuracy")
    assert "weak reg|x" in csv_text and "recall_chirp" in lines[0]
    info = json.loads((out / "results.json").read_text())
    assert info["failed_files"][0]["index"] == BAD
    assert info["names"] == ["baseline", "weak reg|x"]
    with np.load(out / "oof.npz") as f:
        np.testing.assert_array_equal(f["pred_1"], result.oof_pred["weak reg|x"])


def test_resume_skips_finished_folds(wav_dataset, tmp_path):
    cache = tmp_path / "cache"
    pipes = {"counted": make_pipe(1.0, clf=CountingLogReg)}
    first = evaluate_quietly(pipes, wav_dataset, cache_dir=cache)
    assert CALLS["fit"] == 3 and first.resumed["counted"] == []
    assert glob.glob(str(cache / "audio" / "*.pkl")) and glob.glob(str(cache / "prefix" / "*"))

    fold_files = sorted(glob.glob(str(cache / "folds" / "*" / "fold*.npz")))
    assert len(fold_files) == 3
    os.remove(fold_files[1])
    CALLS.update(fit=0, transform=0)
    second = evaluate_quietly(pipes, wav_dataset, cache_dir=cache)
    assert CALLS["fit"] == 1  # only the deleted fold was fitted again
    assert CALLS["transform"] == 0  # shared features came back from the cache
    assert second.resumed["counted"] == [0, 2]
    np.testing.assert_allclose(second.fold_scores["counted"], first.fold_scores["counted"])
    np.testing.assert_array_equal(second.oof_pred["counted"], first.oof_pred["counted"])

    CALLS.update(fit=0)
    evaluate_quietly(pipes, wav_dataset, cache_dir=cache)
    assert CALLS["fit"] == 0
    evaluate_quietly(pipes, wav_dataset, cache_dir=cache, resume=False)
    assert CALLS["fit"] == 3
    # other parameters are another run: nothing is reused
    CALLS.update(fit=0)
    evaluate_quietly({"counted": make_pipe(0.5, clf=CountingLogReg)}, wav_dataset, cache_dir=cache)
    assert CALLS["fit"] == 3


def test_in_memory_waveforms_and_plain_estimators():
    X, y = make_sounds(3, 6, sr=SR, duration=DURATION, random_state=1)
    pipes = {"rms": RMSClassifier(), "mel": make_pipe(1.0)}
    result = evaluate(pipes, (X, y), cv=3, progress=False, random_state=0)
    assert result.load_report is None and result.mask.all()
    assert result.oof_proba["rms"] is None and result.oof_proba["mel"].shape == (18, 3)
    assert (result.oof_pred["rms"] >= 0).all()
    assert result.target_names == ["0", "1", "2"]
    # (X, y, cv) with labels given as strings
    names = np.array(["a", "b", "c"])[y]
    res2 = evaluate({"rms": RMSClassifier()}, ([c for c in X], names, 2), progress=False)
    assert res2.target_names == ["a", "b", "c"] and res2.n_folds == 2


def test_recipe_names(wav_dataset, monkeypatch):
    built = []

    def get_recipe(name, *, sr, duration, **overrides):
        built.append((name, sr, duration))
        return make_pipe({"small": 0.1, "large": 10.0}[name])

    fake = types.ModuleType("specsk.recipes")
    fake.get_recipe = get_recipe
    fake.list_recipes = lambda: ["small", "large"]
    monkeypatch.setitem(sys.modules, "specsk.recipes", fake)
    result = evaluate_quietly(["small", "large"], wav_dataset)
    assert built == [("small", SR, DURATION), ("large", SR, DURATION)]
    assert result.names == ["small", "large"]


def test_lazy_top_level_attribute():
    assert specsk.evaluate is evaluate
    assert "evaluate" in dir(specsk)
    code = (
        "import sys, specsk; assert 'specsk.evaluation' not in sys.modules; "
        "specsk.evaluate; assert 'torch' not in sys.modules, 'evaluation imported torch'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("pipelines", "exc", "match"),
    [
        ([make_pipe()], TypeError, "dict \\{name: estimator\\} or a list of recipe names"),
        (make_pipe(), TypeError, "dict \\{name: estimator\\} or a list of recipe names"),
        ({}, ValueError, "pipelines is empty"),
        ({"x": StandardScaler()}, TypeError, "fit and predict"),
        ({1: make_pipe()}, TypeError, "names must be non-empty str"),
        (["a", "a"], ValueError, "unique"),
    ],
)
def test_bad_pipelines(pipelines, exc, match):
    X, y = make_sounds(2, 4, sr=SR, duration=0.1, random_state=0)
    with pytest.raises(exc, match=match):
        evaluate(pipelines, (X, y, 2), sr=SR, progress=False)


def test_bad_arguments():
    X, y = make_sounds(2, 4, sr=SR, duration=0.1, random_state=0)
    pipes = {"rms": RMSClassifier()}
    with pytest.raises(TypeError, match=r"Bunch from a specsk\.datasets loader"):
        evaluate(pipes, X, progress=False)
    with pytest.raises(TypeError, match=r"Bunch from a specsk\.datasets loader"):
        evaluate(pipes, {"data": X}, progress=False)
    with pytest.raises(ValueError, match="one label per clip"):
        evaluate(pipes, (X, y[:-1]), progress=False)
    with pytest.raises(TypeError, match="cv must be None"):
        evaluate(pipes, (X, y), cv="folds", progress=False)
    with pytest.raises(ValueError, match="must be >= 2"):
        evaluate(pipes, (X, y), cv=1, progress=False)
    with pytest.raises(TypeError, match="random_state must be an int or None"):
        evaluate(pipes, (X, y), random_state=1.5, progress=False)
    with pytest.raises(ValueError, match="sr must be a positive number"):
        evaluate(pipes, (X, y), sr=-1, progress=False)
    with pytest.raises(ValueError, match="recipes need the sample rate"):
        evaluate(["a"], (X, y), progress=False)
    with pytest.raises(TypeError, match="resume must be True or False"):
        evaluate(pipes, (X, y), resume="yes", progress=False)
    with pytest.raises(TypeError, match="cache_dir must be a folder path"):
        evaluate(pipes, (X, y), cache_dir=3, progress=False)

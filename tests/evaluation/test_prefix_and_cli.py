"""The cached data-independent prefix, and benchmarks/run_pipelines.py on a fake dataset."""

import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import PredefinedSplit
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import Bunch

import specsk.datasets
from specsk.audio import FixedLength, Normalize
from specsk.datasets import make_sounds
from specsk.evaluation import evaluate
from specsk.evaluation._runner import _split_prefix
from specsk.features import GLCMFeatures, TemporalStats
from specsk.spectrogram import MelSpectrogram, PowerToDb

SR = 8000
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "run_pipelines.py"


class FrozenMel(MelSpectrogram):
    _learns_from_data = False


def test_prefix_is_the_leading_steps_that_learn_nothing():
    fixed = FixedLength(duration=0.1, sr=SR)
    pipe = Pipeline(
        [
            ("fixed", fixed),
            ("skip", "passthrough"),
            ("mel", FrozenMel(sr=SR, n_fft=256)),
            ("db", PowerToDb()),
            ("stats", GLCMFeatures(levels=8)),  # learns its grey-level range from the data
            ("db2", PowerToDb()),  # stateless, but after a step that learns: not in the prefix
            ("clf", LogisticRegression()),
        ]
    )
    prefix, rest = _split_prefix(pipe)
    assert [type(s).__name__ for s in prefix] == ["FixedLength", "FrozenMel", "PowerToDb"]
    assert [n for n, _ in rest.steps] == ["stats", "db2", "clf"]
    assert pipe.steps[0][0] == "fixed"  # the input pipeline is left alone

    # a step that learns from the data (a learned length) ends the prefix
    prefix, _ = _split_prefix(make_pipeline(FixedLength(), PowerToDb(), LogisticRegression()))
    assert prefix == []
    # built-in steps whose fit only builds a filter bank (MelSpectrogram) or reads the shape
    # (TemporalStats) learn nothing, and so do composites made only of such steps
    union = FeatureUnion([("stats", TemporalStats()), ("mean", TemporalStats(stats=("mean",)))])
    inner = make_pipeline(MelSpectrogram(sr=SR, n_fft=256), PowerToDb())
    prefix, rest = _split_prefix(make_pipeline(fixed, inner, union, LogisticRegression()))
    assert prefix == [fixed, inner, union] and len(rest.steps) == 1
    learning = FeatureUnion([("stats", TemporalStats()), ("glcm", GLCMFeatures(levels=8))])
    prefix, rest = _split_prefix(make_pipeline(fixed, inner, learning, LogisticRegression()))
    assert prefix == [fixed, inner] and len(rest.steps) == 2
    # the final step is never in the prefix, passthrough-only prefixes are no prefix
    ident = FunctionTransformer()
    prefix, rest = _split_prefix(make_pipeline(ident, ident))
    assert prefix == [ident] and len(rest.steps) == 1
    only = Pipeline([("skip", None), ("clf", LogisticRegression())])
    prefix, rest = _split_prefix(only)
    assert prefix == [] and rest is only
    clf = LogisticRegression()
    assert _split_prefix(clf) == ([], clf)


def test_ragged_prefix_output_is_kept_as_a_list():
    # Normalize keeps clips ragged: the cached prefix is a list, FixedLength comes after it
    clips = [
        np.random.default_rng(i).standard_normal(700 + 10 * i).astype(np.float32) for i in range(12)
    ]
    y = np.arange(12) % 2
    pipe = make_pipeline(
        Normalize(),
        FixedLength(length=900),
        MelSpectrogram(sr=SR, n_fft=256, hop_length=64, n_mels=8),
        PowerToDb(),
        TemporalStats(),
        StandardScaler(),
        LogisticRegression(),
    )
    if _split_prefix(pipe)[0] == []:
        pytest.skip("Normalize is not stateless in this version")
    result = evaluate({"p": pipe}, (clips, y, 3), progress=False)
    assert result.fold_scores["p"].shape == (3,)


def _load_script():
    spec = importlib.util.spec_from_file_location("run_pipelines", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_run_pipelines_script(tmp_path, monkeypatch, capsys):
    X, y = make_sounds(2, 12, sr=SR, duration=0.2, random_state=0)
    paths = []
    for i, clip in enumerate(X):
        paths.append(str(tmp_path / f"{i}.wav"))
        sf.write(paths[-1], clip, SR)
    bunch = Bunch(
        paths=np.asarray(paths, dtype=object),
        target=y,
        target_names=["tone", "chirp"],
        groups=np.arange(len(y)),
        cv=PredefinedSplit(np.arange(len(y)) % 3),
        sr=SR,
        duration=0.2,
        DESCR="",
        name="fake",
    )
    seen = {}

    def load_folder(path):
        seen["path"] = path
        return bunch

    def get_recipe(name, *, sr, duration, **overrides):
        return make_pipeline(
            FixedLength(duration=duration, sr=sr, mode="pad_or_crop"),
            FrozenMel(sr=sr, n_fft=256, hop_length=64, n_mels=16),
            PowerToDb(),
            TemporalStats(),
            StandardScaler(),
            LogisticRegression(C={"a": 1.0, "b": 0.1}[name]),
        )

    recipes = types.ModuleType("specsk.recipes")
    recipes.get_recipe = get_recipe
    monkeypatch.setitem(sys.modules, "specsk.recipes", recipes)
    monkeypatch.setattr(specsk.datasets, "load_folder", load_folder, raising=False)
    out = tmp_path / "out"
    script = _load_script()
    argv = ["folder", str(tmp_path), "--recipes", "a,b", "--quick", "--per-class", "6"]
    argv += ["--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--no-progress"]
    result = script.main(argv)
    assert seen["path"] == str(tmp_path)
    assert result.names == ["a", "b"] and len(result.mask) == 12  # 6 per class
    printed = capsys.readouterr().out
    assert "## fake (quick subset)" in printed and "| a |" in printed
    assert (out / "results.md").read_text() == result.to_markdown()
    assert (out / "results.csv").exists()

    with pytest.raises(SystemExit):
        script.main(["nope", str(tmp_path), "--recipes", "a"])
    monkeypatch.delattr(specsk.datasets, "load_folder", raising=False)
    with pytest.raises(SystemExit, match="no load_folder"):
        script.main(["folder", str(tmp_path), "--recipes", "a"])


BLAS_THREADS_SEEN = []


class BlasSpy(LogisticRegression):
    """Records the BLAS thread counts in force when it is fitted."""

    def fit(self, X, y, **kw):
        from threadpoolctl import threadpool_info

        BLAS_THREADS_SEEN.append(
            [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        )
        return super().fit(X, y, **kw)


def test_blas_threads_limits_the_fold_fits_only():
    seen = BLAS_THREADS_SEEN
    seen.clear()
    X, y = make_sounds(n_classes=2, n_per_class=6, sr=SR, duration=0.1, random_state=0)
    pipe = make_pipeline(
        MelSpectrogram(sr=SR, n_fft=256, n_mels=16), TemporalStats(), StandardScaler(), BlasSpy()
    )
    cv = PredefinedSplit(np.tile([0, 1], 6))
    evaluate({"spy": pipe}, (X, y, cv), progress=False, blas_threads=1)
    assert len(seen) == 2 and all(all(n == 1 for n in threads) for threads in seen)
    with pytest.raises(ValueError, match="blas_threads must be a positive int"):
        evaluate({"spy": pipe}, (X, y, cv), progress=False, blas_threads=0)

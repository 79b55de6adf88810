"""specsk under joblib's process pool and a dask.distributed LocalCluster (loopback, 2 workers):
GridSearchCV over a specsk pipeline and specsk.evaluate(n_jobs=...) give the same results as
in one process."""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from specsk.datasets import make_sounds
from specsk.evaluation import evaluate
from specsk.features import TemporalStats
from specsk.spectrogram import MelSpectrogram, PowerToDb
from specsk.utils import SignalArray

SR = 8000


def _data():
    X, y = make_sounds(3, 8, sr=SR, duration=0.4, noise=0.5, random_state=0)
    return SignalArray.wrap(np.asarray(X, dtype=np.float32), sr=SR), y


def _pipe():
    return make_pipeline(
        MelSpectrogram(n_fft=256, hop_length=64, n_mels=16),
        PowerToDb(),
        TemporalStats(),
        StandardScaler(),
        LogisticRegression(C=1.0, max_iter=500),
    )


def _run_both():
    X, y = _data()
    grid = GridSearchCV(_pipe(), {"logisticregression__C": [0.1, 1.0]}, cv=3, n_jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid.fit(X, y)
        result = evaluate({"mel": _pipe()}, (X, y), sr=SR, cv=4, n_jobs=2, progress=False)
    return grid.cv_results_["mean_test_score"], result.fold_scores["mel"]


@pytest.fixture(scope="module")
def reference():
    X, y = _data()
    grid = GridSearchCV(_pipe(), {"logisticregression__C": [0.1, 1.0]}, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid.fit(X, y)
        result = evaluate({"mel": _pipe()}, (X, y), sr=SR, cv=4, progress=False)
    return grid.cv_results_["mean_test_score"], result.fold_scores["mel"]


def test_process_pool_matches_one_process(reference):
    with joblib.parallel_config(backend="loky"):
        grid, folds = _run_both()
    np.testing.assert_allclose(grid, reference[0])
    np.testing.assert_allclose(folds, reference[1])


def test_dask_local_cluster_matches_one_process(reference, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
        joblib.parallel_config(backend="dask"),
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        assert client.scheduler.address.startswith("tcp://127.0.0.1")
        grid, folds = _run_both()
        # the work ran on the workers: they imported specsk
        seen = client.run(lambda: "specsk" in __import__("sys").modules)
        assert all(seen.values())
        # the command line on the same cluster
        import soundfile as sf

        from specsk.cli import main

        X, y = _data()
        for i, (clip, label) in enumerate(zip(np.asarray(X), y, strict=True)):
            (tmp_path / f"c{label}").mkdir(exist_ok=True)
            sf.write(tmp_path / f"c{label}" / f"{i}.wav", clip, SR)
        spec = tmp_path / "spec.json"
        spec.write_text(
            '{"steps": [{"MelSpectrogram": {"n_fft": 256, "hop_length": 64, "n_mels": 16}},'
            ' "PowerToDb", "TemporalStats", "sklearn.linear_model.LogisticRegression"]}'
        )
        argv = [
            "evaluate",
            str(tmp_path),
            "--pipeline",
            str(spec),
            "--cv",
            "3",
            "-q",
            "--n-jobs",
            "-1",
            "--dask",
            client.scheduler.address,
            "--out",
            str(tmp_path / "report"),
        ]
        assert main(argv) == 0
        assert "2 workers" in capsys.readouterr().err
    np.testing.assert_allclose(grid, reference[0])
    np.testing.assert_allclose(folds, reference[1])

"""Chunked, resumable extraction to disk, and parallel execution under a Dask backend."""

import tracemalloc

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import FunctionTransformer

from specsk.utils import apply_in_batches, extract_to_disk


class _Counting(TransformerMixin, BaseEstimator):
    """Squares its input and counts how many rows it saw; fails on a marked value."""

    def __init__(self, fail_on=None):
        self.fail_on = fail_on

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=np.float32)
        if self.fail_on is not None and (X[:, 0] == self.fail_on).any():
            raise ValueError(f"bad item {self.fail_on}")
        _Counting.seen = getattr(_Counting, "seen", 0) + len(X)
        return np.repeat(X[:, :, None] ** 2, 3, axis=2)


def test_extract_writes_all_rows(tmp_path):
    X = np.arange(40.0).reshape(20, 2)
    res = extract_to_disk(_Counting(), X, tmp_path / "f.npy", batch_size=6)
    expected = np.repeat(X[:, :, None] ** 2, 3, axis=2).astype(np.float32)
    np.testing.assert_array_equal(np.load(tmp_path / "f.npy"), expected)
    assert res.data.shape == (20, 2, 3) and res.ok.all() and res.errors == {}


class _Interrupt(Exception):
    pass


class _Interrupted(_Counting):
    """Stops (like a killed job) after a given number of batches; the budget is class state."""

    budget = None

    def transform(self, X):
        if _Interrupted.budget is not None:
            if _Interrupted.budget == 0:
                raise _Interrupt
            _Interrupted.budget -= 1
        return super().transform(X)


def test_extract_resumes_after_interruption(tmp_path):
    X = np.arange(40.0).reshape(20, 2)
    path = tmp_path / "f.npy"
    _Interrupted.budget = 2
    with pytest.raises(_Interrupt):
        extract_to_disk(_Interrupted(), X, path, batch_size=5)
    _Interrupted.budget = None
    _Counting.seen = 0
    res = extract_to_disk(_Interrupted(), X, path, batch_size=5)
    assert _Counting.seen == 10  # only the two unfinished batches were computed again
    np.testing.assert_array_equal(
        np.asarray(res.data), np.repeat(X[:, :, None] ** 2, 3, axis=2).astype(np.float32)
    )


def test_extract_restarts_when_the_transformer_changed(tmp_path):
    X = np.arange(8.0).reshape(4, 2)
    path = tmp_path / "f.npy"
    extract_to_disk(FunctionTransformer(np.square), X, path, batch_size=2)
    with pytest.warns(UserWarning, match="another extraction"):
        res = extract_to_disk(FunctionTransformer(np.sqrt), X, path, batch_size=2)
    np.testing.assert_allclose(np.asarray(res.data), np.sqrt(X))


def test_one_bad_item_loses_only_itself(tmp_path):
    X = np.arange(20.0).reshape(10, 2)
    with pytest.raises(ValueError, match="bad item 8"):
        extract_to_disk(_Counting(fail_on=8.0), X, tmp_path / "a.npy", batch_size=4)
    res = extract_to_disk(
        _Counting(fail_on=8.0), X, tmp_path / "b.npy", batch_size=4, on_error="nan"
    )
    assert res.ok.tolist() == [i != 4 for i in range(10)]
    assert "bad item 8" in res.errors[4]
    assert np.isnan(res.data[4]).all() and np.isfinite(np.delete(res.data, 4, axis=0)).all()


def test_extract_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="on_error"):
        extract_to_disk(_Counting(), np.ones((2, 2)), tmp_path / "x.npy", on_error="skip")
    with pytest.raises(ValueError, match="batch_size"):
        extract_to_disk(_Counting(), np.ones((2, 2)), tmp_path / "x.npy", batch_size=0)
    with pytest.raises(ValueError, match="empty"):
        extract_to_disk(_Counting(), np.ones((0, 2)), tmp_path / "x.npy")


def _peak_bytes(n, tmp_path):
    class _Lazy:  # items made on demand, as file paths would be loaded
        def __len__(self):
            return n

        def __getitem__(self, s):
            return np.ones((len(range(*s.indices(n))), 64, 64), np.float32)

    tracemalloc.start()
    extract_to_disk(
        FunctionTransformer(lambda b: b * 2), _Lazy(), tmp_path / f"m{n}.npy", batch_size=16
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_stays_flat_as_the_dataset_grows(tmp_path):
    small, large = _peak_bytes(64, tmp_path), _peak_bytes(512, tmp_path)
    # 8x the data (512 x 16 KiB = 8 MiB of output) within 1.5x the peak of the small run
    assert large < 1.5 * small, (small, large)


def test_apply_in_batches_under_a_dask_local_cluster():
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    X = np.arange(60.0).reshape(20, 3)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        parallel_config(backend="dask"),
    ):
        out = apply_in_batches(np.sqrt, X, batch_size=4, n_jobs=2)
    np.testing.assert_allclose(out, np.sqrt(X))


# -- batch work loses nothing (hostile-input run) -------------------------------------------------
def _wav_folder(tmp_path, n_good=6):
    """``n_good`` constant-valued WAV files (value (i + 1) / 10) and one corrupt file."""
    import soundfile as sf

    good = []
    for i in range(n_good):
        p = tmp_path / f"g{i}.wav"
        sf.write(p, np.full(64, (i + 1) / 10), 8000, subtype="FLOAT")
        good.append(str(p))
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really a wav")
    return good, str(bad)


def _skipping_pipeline(good):
    from sklearn.pipeline import make_pipeline

    from specsk.audio import AudioLoader, FixedLength

    loader = AudioLoader(sr=8000, on_error="skip")
    return make_pipeline(loader, FixedLength(length=32, mode="pad_or_crop")).fit(good)


@pytest.mark.parametrize("on_error", ["raise", "nan"])
def test_rows_dropped_by_a_skipping_loader_are_mapped_back(tmp_path, on_error):
    # defect: 3 bad + 1 good in a batch copied the good row into the bad rows, marked ok
    good, bad = _wav_folder(tmp_path)
    X = [bad, bad, bad, good[0], good[1], bad, good[2], good[3], bad, bad]
    res = extract_to_disk(
        _skipping_pipeline(good),
        X,
        tmp_path / f"o_{on_error}.npy",
        batch_size=4,
        on_error=on_error,
    )
    is_good = np.array([x != bad for x in X])
    assert res.ok.tolist() == is_good.tolist()
    data = np.asarray(res.data)
    np.testing.assert_allclose(data[is_good, 0], [0.1, 0.2, 0.3, 0.4], rtol=1e-6)
    assert np.isnan(data[~is_good]).all()
    assert sorted(res.errors) == np.flatnonzero(~is_good).tolist()
    assert all("format" in r and "AudioLoader" in r for r in res.errors.values())


def test_mixed_run_with_a_skipping_loader_does_not_fail_to_broadcast(tmp_path):
    # defect: "could not broadcast (2,32) into (4,32)" in a mixed run
    good, bad = _wav_folder(tmp_path)
    X = [good[0], bad, good[1], bad, good[2], good[3], good[4], good[5]]
    res = extract_to_disk(_skipping_pipeline(good), X, tmp_path / "m.npy", batch_size=4)
    assert res.ok.tolist() == [x != bad for x in X]
    np.testing.assert_allclose(
        np.asarray(res.data)[res.ok, 5], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], rtol=1e-6
    )


class _Dropping(TransformerMixin, BaseEstimator):
    """Leaves out negative items without saying which (no load_report_)."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        X = np.asarray(X, dtype=np.float32)
        return X[X[:, 0] >= 0] * 2


def test_a_step_that_drops_rows_silently_is_done_item_by_item(tmp_path):
    X = np.arange(16.0).reshape(8, 2)
    X[[1, 2, 6]] *= -1
    with pytest.raises(ValueError, match="no step says which item"):
        extract_to_disk(_Dropping(), X, tmp_path / "r.npy", batch_size=4)
    res = extract_to_disk(_Dropping(), X, tmp_path / "n.npy", batch_size=4, on_error="nan")
    assert res.ok.tolist() == [i not in (1, 2, 6) for i in range(8)]
    np.testing.assert_array_equal(np.asarray(res.data)[res.ok], 2 * X[res.ok])
    assert np.isnan(np.asarray(res.data)[~res.ok]).all()
    assert "0 rows" in res.errors[1]


def test_a_batch_where_every_item_fails_gets_nan_rows(tmp_path):
    # defect: RuntimeError "every item of a batch failed" aborted the run
    X = np.arange(20.0).reshape(10, 2)
    X[:4, 0] = -1.0  # the whole first batch fails (the row shape is not known yet) ...
    X[8:, 0] = -1.0  # ... and the whole last one
    res = extract_to_disk(
        _Counting(fail_on=-1.0), X, tmp_path / "a.npy", batch_size=4, on_error="nan"
    )
    bad = [0, 1, 2, 3, 8, 9]
    assert res.ok.tolist() == [i not in bad for i in range(10)]
    assert sorted(res.errors) == bad and "bad item -1" in res.errors[9]
    data = np.asarray(res.data)
    assert data.shape == (10, 2, 3) and np.isnan(data[bad]).all()
    np.testing.assert_array_equal(data[4:8], np.repeat(X[4:8, :, None] ** 2, 3, axis=2))
    # nothing at all to write: an error that lists every reason
    with pytest.raises(RuntimeError, match="every one of the 4") as info:
        extract_to_disk(
            _Counting(fail_on=-1.0), X[:4], tmp_path / "b.npy", batch_size=2, on_error="nan"
        )
    assert sorted(info.value.errors) == [0, 1, 2, 3]


def test_a_missing_output_folder_is_created(tmp_path):
    # defect: a raw FileNotFoundError
    X = np.arange(8.0).reshape(4, 2)
    res = extract_to_disk(_Counting(), X, tmp_path / "new" / "deeper" / "f.npy", batch_size=3)
    assert res.path.is_file() and res.ok.all()
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        extract_to_disk(_Counting(), X, tmp_path / "file" / "f.npy")


def _interrupted_run(X, path, batches):
    _Interrupted.budget = batches
    with pytest.raises(_Interrupt):
        extract_to_disk(_Interrupted(), X, path, batch_size=5)
    _Interrupted.budget = None
    _Counting.seen = 0


def test_output_appears_only_when_complete(tmp_path):
    X = np.arange(40.0).reshape(20, 2)
    path = tmp_path / "f.npy"
    _interrupted_run(X, path, 2)
    assert not path.exists() and (tmp_path / "f.npy.partial").is_file()
    res = extract_to_disk(_Interrupted(), X, path, batch_size=5)
    assert path.is_file() and not (tmp_path / "f.npy.partial").exists()
    assert res.ok.all() and _Counting.seen == 10


@pytest.mark.parametrize("cut", ["rows", "header"])
def test_resume_detects_a_truncated_output(tmp_path, cut):
    # defect: a .npy cut short after a kill gave "success" with zero rows
    X = np.arange(40.0).reshape(20, 2)
    clean = extract_to_disk(_Counting(), X, tmp_path / "clean.npy", batch_size=5)
    path = tmp_path / "f.npy"
    _interrupted_run(X, path, 3)
    partial = tmp_path / "f.npy.partial"
    keep = 128 + 5 * 2 * 3 * 4 + 17 if cut == "rows" else 40  # 1 batch and a bit / no header
    with open(partial, "r+b") as f:
        f.truncate(keep)
    with pytest.warns(UserWarning, match="truncated" if cut == "rows" else "header"):
        res = extract_to_disk(_Interrupted(), X, path, batch_size=5)
    assert _Counting.seen == (15 if cut == "rows" else 20)  # batches 1 and 2 were lost too
    np.testing.assert_array_equal(np.asarray(res.data), np.asarray(clean.data))
    assert res.ok.all()


def test_resume_redoes_batches_that_fail_their_checksum(tmp_path):
    X = np.arange(40.0).reshape(20, 2)
    path = tmp_path / "f.npy"
    clean = extract_to_disk(_Counting(), X, path, batch_size=5)
    expected = np.array(clean.data)
    del clean
    # a complete output damaged later (one value of batch 2) and cut short (batch 3)
    with open(path, "r+b") as f:
        f.seek(128 + 11 * 2 * 3 * 4)
        f.write(b"\x00\x00\x80\x7f")
        f.truncate(128 + 16 * 2 * 3 * 4)
    _Counting.seen = 0
    with pytest.warns(UserWarning, match="2 of 4 finished batch"):
        res = extract_to_disk(_Counting(), X, path, batch_size=5)
    assert _Counting.seen == 10
    np.testing.assert_array_equal(np.asarray(res.data), expected)
    _Counting.seen = 0
    extract_to_disk(_Counting(), X, path, batch_size=5)  # verified, nothing to redo
    assert _Counting.seen == 0

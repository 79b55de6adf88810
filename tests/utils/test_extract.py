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

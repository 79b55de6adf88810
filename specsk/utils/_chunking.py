"""Bounded-memory batch processing: split along the clip axis, optionally in parallel."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from joblib import Parallel, delayed

__all__ = ["apply_in_batches", "iter_batches"]


def iter_batches(n: int, batch_size: int | None) -> Iterator[slice]:
    """Yield slices covering ``range(n)`` in steps of ``batch_size`` (all at once if None)."""
    if batch_size is None or batch_size >= n:
        yield slice(0, n)
        return
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def apply_in_batches(
    func: Callable[[np.ndarray], np.ndarray],
    X,
    *,
    batch_size: int | None = None,
    n_jobs: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Apply a batched ``func`` to consecutive batches of ``X`` along axis 0.

    ``func`` must map a batch of ``k`` items to an array whose first axis has length ``k``.
    With ``n_jobs`` the batches run in joblib workers (threads are enough when ``func`` spends
    its time in NumPy/SciPy, which release the GIL; the active ``joblib.parallel_config``
    decides, so a Dask backend works unchanged). ``out`` may be a preallocated array or an
    ``np.lib.format.open_memmap`` so that results never all sit in memory at once.
    """
    n = len(X)
    slices = list(iter_batches(n, batch_size))
    if len(slices) == 1 and out is None:
        return func(X)
    if n_jobs in (None, 1):
        results = (func(X[s]) for s in slices)
    else:
        results = Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator")(
            delayed(func)(X[s]) for s in slices
        )
    if out is not None:
        for s, r in zip(slices, results, strict=True):
            out[s] = r
        return out
    return np.concatenate(list(results), axis=0)

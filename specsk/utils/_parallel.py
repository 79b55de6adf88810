"""One parallelism policy: how many threads a step may use, and how it uses them.

Every specsk step with compiled or threaded work takes ``n_jobs`` and turns it into a thread
count with :func:`effective_n_threads`, scikit-learn's convention:

- ``None`` means 1, unless an enclosing ``joblib.parallel_config(n_jobs=...)`` says
  otherwise; a positive int is that many threads; ``-1`` all cores, ``-2`` all but one, and so
  on (``joblib.effective_n_jobs``); 0 is an error. A backend that runs one task at a time
  (``parallel_config(backend="sequential")``) gives 1.
- The count never exceeds the cores this process may use (``joblib.cpu_count``: affinity and
  cgroup quotas included), nor the OpenMP thread limit in force (``threadpoolctl``): inside
  ``threadpool_limits(1)``, or in a joblib/loky worker whose inner thread budget joblib has set
  (``OMP_NUM_THREADS``), a step uses no more threads than that. Where no OpenMP runtime is
  loaded, the BLAS limit stands in for it.

The thread count is then used in one of three ways: numba ``parallel=True`` kernels run inside
:func:`numba_threads` (``numba.set_num_threads`` for the call, restored after); GIL-releasing
kernels on image blocks run through :func:`run_chunked`; other per-item work (scikit-image
calls, file decoding) through :func:`map_threads`. ``scipy.fft`` receives the count as
``workers``. No kernel uses more threads than this, so ``GridSearchCV(n_jobs=-1)`` over steps
left at ``n_jobs=None`` does not oversubscribe the cores.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from numbers import Integral

import numpy as np
from joblib import cpu_count, effective_n_jobs

__all__ = ["effective_n_threads", "map_threads", "numba_threads", "run_chunked"]

_controller_lock = threading.Lock()
_controller = None


def _threadpool_controller(refresh: bool = False):
    """A cached ``threadpoolctl.ThreadpoolController`` (building one scans the loaded
    libraries, ~10 ms; reading its libraries' current limits costs ~0.1 ms)."""
    global _controller
    with _controller_lock:
        if _controller is None or refresh:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        return _controller


def _limits(controller) -> tuple[list[int], list[int]]:
    omp, blas = [], []
    for lib in controller.lib_controllers:
        n = lib.num_threads
        if isinstance(n, Integral) and n >= 1:
            (omp if lib.user_api == "openmp" else blas if lib.user_api == "blas" else []).append(
                int(n)
            )
    return omp, blas


def _threadpool_limit() -> int | None:
    """The OpenMP thread limit in force (the BLAS one if no OpenMP runtime is loaded)."""
    controller = _threadpool_controller()
    omp, blas = _limits(controller)
    if not omp:  # an OpenMP runtime may have been loaded since the controller was built
        omp, blas = _limits(_threadpool_controller(refresh=True))
    found = omp or blas
    return min(found) if found else None


def effective_n_threads(n_jobs=None) -> int:
    """Threads a step may use for ``n_jobs`` (see the module docstring for the policy).

    Parameters
    ----------
    n_jobs : int or None, default=None
        ``None``: 1 unless ``joblib.parallel_config(n_jobs=...)`` is active; ``-1``: all
        cores; other negative values as joblib (``-2``: all but one).

    Returns
    -------
    n_threads : int >= 1
        Capped at the usable cores and at the threadpoolctl (OpenMP) limit in force.

    Examples
    --------
    >>> from joblib import parallel_config
    >>> from specsk.utils import effective_n_threads
    >>> effective_n_threads(None)
    1
    >>> with parallel_config(n_jobs=2):
    ...     effective_n_threads(None) == min(2, effective_n_threads(-1))
    True
    """
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral)):
        raise ValueError(f"n_jobs must be an int or None, got {n_jobs!r}")
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None, a positive int or -1 (all cores)")
    if n_jobs is not None and n_jobs < 0:
        n_jobs = max(1, cpu_count() + 1 + int(n_jobs))
    # None: parallel_config's n_jobs or 1; a backend that runs one task at a time: 1
    n = effective_n_jobs(None if n_jobs is None else int(n_jobs))
    if n <= 1:  # the common case costs no cgroup read (joblib.cpu_count reads files)
        return 1
    n = max(1, min(int(n), cpu_count()))
    if n > 1:
        limit = _threadpool_limit()
        if limit is not None:
            n = max(1, min(n, limit))
    return n


@contextmanager
def numba_threads(n_threads: int):
    """Run numba ``parallel=True`` kernels with ``n_threads`` threads inside the block.

    ``numba.set_num_threads`` is thread-local, so concurrent callers do not disturb each
    other; the previous value is restored on exit, errors included. The count is capped at
    ``numba.config.NUMBA_NUM_THREADS`` (which joblib lowers in its loky workers).
    """
    import numba

    n = max(1, min(int(n_threads), numba.config.NUMBA_NUM_THREADS))
    previous = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield n
    finally:
        numba.set_num_threads(previous)


def run_chunked(func, X, n_jobs=None, *args):
    """``func(X, *args)`` on blocks of images in ``effective_n_threads(n_jobs)`` threads.

    ``func`` must release the GIL (a ``nogil`` numba kernel, NumPy) and map ``k`` images to
    ``k`` rows; blocks are concatenated in order, so the result does not depend on ``n_jobs``.
    Threads sleep when idle (unlike numba's OpenMP layer, which spin-waits), which matters on
    machines shared with other busy processes.
    """
    workers = min(effective_n_threads(n_jobs), len(X))
    if workers <= 1:
        return func(X, *args)
    # a few blocks per thread balance the load when other processes steal a core
    bounds = np.linspace(0, len(X), min(len(X), 4 * workers) + 1).astype(int)
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(lambda a, b: func(X[a:b], *args), bounds[:-1], bounds[1:]))
    return np.concatenate(parts, axis=0)


def map_threads(func: Callable, items: Iterable, n_jobs=None) -> list:
    """``[func(item) for item in items]`` in ``effective_n_threads(n_jobs)`` threads, in order.

    For per-item work that releases the GIL for most of its time (scikit-image routines,
    libsndfile decoding). An exception in ``func`` is raised here, as in the plain loop.
    """
    items = list(items)
    workers = min(effective_n_threads(n_jobs), len(items))
    if workers <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(func, items))

"""The one parallelism policy: how n_jobs becomes threads, and steps that follow it."""

import threading

import numba
import numpy as np
import pytest
from joblib import Parallel, cpu_count, delayed, parallel_config
from threadpoolctl import threadpool_info, threadpool_limits

from specsk.decomposition import HPSS, _hpss, hpss
from specsk.filters import (
    BilateralFilter,
    MedianFilter,
    Morphology,
    WienerFilter,
    _bilateral,
    _morphology,
    _smoothing,
    bilateral_filter,
    median_filter,
    morphology,
    wiener_filter,
)
from specsk.spectrogram._engine import n_workers as _workers
from specsk.utils import _parallel, effective_n_threads
from specsk.utils._parallel import map_threads, numba_threads, run_chunked

MAX_NUMBA = numba.config.NUMBA_NUM_THREADS
needs_two_numba_threads = pytest.mark.skipif(MAX_NUMBA < 2, reason="numba has one thread here")


@pytest.fixture
def eight_cores(monkeypatch):
    """Pretend the machine has 8 cores and no threadpool limit, so the arithmetic is exact."""
    monkeypatch.setattr(_parallel, "cpu_count", lambda: 8)
    monkeypatch.setattr(_parallel, "_threadpool_limit", lambda: None)


@pytest.fixture
def S():
    return np.random.default_rng(0).random((6, 2, 24, 30)).astype(np.float32)


# -- resolution --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n_jobs", "expected"), [(None, 1), (1, 1), (3, 3), (-1, 8), (-2, 7), (-8, 1), (-20, 1)]
)
def test_n_jobs_resolution(eight_cores, n_jobs, expected):
    assert effective_n_threads(n_jobs) == expected


def test_capped_at_the_cores(eight_cores):
    assert effective_n_threads(100) == 8
    assert effective_n_threads(np.int64(100)) == 8


def test_none_follows_parallel_config(eight_cores):
    with parallel_config(n_jobs=3):
        assert effective_n_threads(None) == 3
        assert effective_n_threads(1) == 1  # an explicit value wins
    with parallel_config(n_jobs=-1):  # joblib resolves its own -1
        assert effective_n_threads(None) == min(8, cpu_count())
    with parallel_config(backend="sequential"):
        assert effective_n_threads(-1) == 1
    assert effective_n_threads(None) == 1


@pytest.mark.parametrize("bad", [0, 1.5, "2", True])
def test_bad_n_jobs(bad):
    with pytest.raises(ValueError, match="n_jobs"):
        effective_n_threads(bad)


def test_real_cap_is_the_usable_cores():
    with threadpool_limits(limits=cpu_count()):  # whatever the environment set
        assert effective_n_threads(-1) == cpu_count()
        assert effective_n_threads(10 * cpu_count()) == cpu_count()


def test_threadpool_limits_are_respected():
    with threadpool_limits(limits=1):
        assert effective_n_threads(-1) == 1
        assert effective_n_threads(4) == 1


def test_a_blas_only_limit_does_not_cap_compiled_loops(monkeypatch):
    # specsk's evaluation runner limits BLAS only, around model fitting: the kernels keep
    # their threads (the OpenMP limit is the one that speaks for compiled loops)
    if not any(i["user_api"] == "openmp" for i in threadpool_info()):
        pytest.skip("no OpenMP runtime loaded")
    monkeypatch.setattr(_parallel, "cpu_count", lambda: 2)
    with threadpool_limits(limits=2, user_api="openmp"), threadpool_limits(1, user_api="blas"):
        assert effective_n_threads(2) == 2


def _inner_threads():
    from joblib import cpu_count as cores

    from specsk.utils import effective_n_threads as resolve

    return resolve(-1), resolve(2), cores()


def test_inner_budget_of_a_loky_worker():
    # joblib gives each of its n_jobs worker processes cpu_count() // n_jobs inner threads
    # (OMP_NUM_THREADS and friends); a step inside must not exceed that
    out = Parallel(n_jobs=2, backend="loky")(delayed(_inner_threads)() for _ in range(2))
    for all_cores, two, cores in out:
        budget = max(1, cores // 2)
        assert all_cores <= budget
        assert two <= min(2, budget)


def test_stft_workers_follow_the_policy(eight_cores):
    assert _workers(None) == 1
    assert _workers(-1) == 8
    with parallel_config(n_jobs=2):
        assert _workers(None) == 2


# -- runners -----------------------------------------------------------------------------------
def test_numba_threads_sets_and_restores():
    before = numba.get_num_threads()
    with numba_threads(1) as n:
        assert n == 1
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with pytest.raises(RuntimeError), numba_threads(1):
        raise RuntimeError
    assert numba.get_num_threads() == before
    with numba_threads(10 * MAX_NUMBA) as n:  # capped at numba's pool
        assert n == MAX_NUMBA == numba.get_num_threads()
    assert numba.get_num_threads() == before


def test_run_chunked_uses_the_thread_count_and_keeps_order(eight_cores):
    X = np.arange(40.0).reshape(20, 2)
    threads = set()

    def func(B, k):
        threads.add(threading.get_ident())
        return B * k

    np.testing.assert_array_equal(run_chunked(func, X, None, 3.0), X * 3)
    assert len(threads) == 1
    threads.clear()
    np.testing.assert_array_equal(run_chunked(func, X, 2, 3.0), X * 3)
    assert 1 <= len(threads) <= 2
    assert threading.get_ident() not in threads


def test_map_threads_keeps_order_and_raises(eight_cores):
    assert map_threads(lambda v: v * v, range(10), 3) == [v * v for v in range(10)]

    def boom(v):
        if v == 4:
            raise KeyError(v)
        return v

    with pytest.raises(KeyError):
        map_threads(boom, range(10), 2)


# -- steps: same output whatever n_jobs, and the numba pool set for the call only ---------------
CASES = [
    (lambda S, j: median_filter(S, n_jobs=j), _smoothing, "_median3x3_kernel"),
    (lambda S, j: median_filter(S, size=(5, 3), n_jobs=j), _smoothing, "_median_kernel"),
    (lambda S, j: bilateral_filter(S, sigma_range=0.2, n_jobs=j), _bilateral, "_bilateral_kernel"),
    (lambda S, j: morphology(S, size=(3, 5), n_jobs=j), _morphology, "_rect_minmax_kernel"),
    (
        lambda S, j: hpss(S[:, 0], kernel_size=(7, 5), n_jobs=j),
        _hpss,
        "_running_median_kernel",
    ),
]
IDS = ["median3x3", "median5x3", "bilateral", "morphology", "hpss"]


@pytest.mark.parametrize(("run", "module", "kernel"), CASES, ids=IDS)
def test_functions_same_output_for_any_n_jobs(S, run, module, kernel):
    ref = run(S, 1)
    np.testing.assert_array_equal(run(S, 2), ref)
    np.testing.assert_array_equal(run(S, -1), ref)
    np.testing.assert_array_equal(run(S, None), ref)


def test_wiener_same_output_for_any_n_jobs(S):
    ref = wiener_filter(S, size=3, n_jobs=1)
    np.testing.assert_array_equal(wiener_filter(S, size=3, n_jobs=2), ref)
    np.testing.assert_array_equal(wiener_filter(S[:, 0], size=3, n_jobs=-1), ref[:, 0])


@pytest.mark.parametrize(
    "est",
    [
        MedianFilter(size=(3, 3)),
        WienerFilter(size=(3, 3)),
        BilateralFilter(sigma_range=0.5),
        Morphology(operation="white_tophat", size=(2, 5)),
        HPSS(kernel_size=5, output="harmonic"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_estimators_same_output_for_any_n_jobs(S, est):
    ref = est.set_params(n_jobs=1).fit_transform(S)
    np.testing.assert_array_equal(est.set_params(n_jobs=2).fit_transform(S), ref)
    assert est.get_params()["n_jobs"] == 2


def _spy(monkeypatch, module, kernel):
    seen = []
    original = getattr(module, kernel)

    def spy(*args):
        seen.append(numba.get_num_threads())
        return original(*args)

    monkeypatch.setattr(module, kernel, spy)
    return seen


@needs_two_numba_threads
@pytest.mark.parametrize(("run", "module", "kernel"), CASES, ids=IDS)
def test_kernels_run_with_the_decided_threads_and_restore(monkeypatch, S, run, module, kernel):
    monkeypatch.setattr(_parallel, "_threadpool_limit", lambda: None)
    monkeypatch.setattr(_parallel, "cpu_count", lambda: MAX_NUMBA)
    seen = _spy(monkeypatch, module, kernel)
    numba.set_num_threads(MAX_NUMBA)
    try:
        run(S, None)  # the default: one thread, not numba's whole pool
        assert seen and set(seen) == {1}
        assert numba.get_num_threads() == MAX_NUMBA
        seen.clear()
        run(S, 2)
        assert set(seen) == {2}
        seen.clear()
        with parallel_config(n_jobs=2):
            run(S, None)
        assert set(seen) == {2}
        numba.set_num_threads(1)
        seen.clear()
        run(S, 2)
        assert set(seen) == {2}
        assert numba.get_num_threads() == 1  # the caller's setting is restored
    finally:
        numba.set_num_threads(MAX_NUMBA)


@needs_two_numba_threads
def test_kernel_threads_respect_threadpool_limits(monkeypatch, S):
    seen = _spy(monkeypatch, _smoothing, "_median3x3_kernel")
    with threadpool_limits(limits=1):
        MedianFilter(n_jobs=-1).fit_transform(S)
    assert set(seen) == {1}

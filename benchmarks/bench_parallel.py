"""One parallelism policy: ``GridSearchCV(n_jobs=2)`` against ``n_jobs=1``, and each step's
``n_jobs=2`` against ``n_jobs=1``.

1. A grid search over ``MedianFilter -> HPSS -> GLCMFeatures -> StandardScaler -> SVC`` (steps
   left at ``n_jobs=None``), run with ``GridSearchCV(n_jobs=1)`` and ``n_jobs=2``. Each loky
   worker gets an inner budget of ``cpu_count // 2`` threads and the steps resolve their
   threads from it, so two workers on two cores do not run four threads: ``n_jobs=2`` should
   not be slower.
2. Every step with compiled or threaded work, ``n_jobs=2`` against ``n_jobs=1`` on one batch
   (best of ``--repeat``, after a warm-up call that compiles the numba kernels); the outputs
   must be equal.

The machine may be shared: compare ratios from one run, and re-run on a quiet machine before
quoting numbers. ``--quick`` (under a minute on two cores) checks that everything runs.

    python benchmarks/bench_parallel.py            # ~1-2 min on two cores
    python benchmarks/bench_parallel.py --quick
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numba
import numpy as np
from joblib import cpu_count
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import specsk
from specsk.decomposition import HPSS
from specsk.features import GLCMFeatures, LBPHistogram
from specsk.filters import BilateralFilter, MedianFilter, Morphology, WienerFilter
from specsk.spectrogram import MelSpectrogram, STFTSpectrogram


def _best(func, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return min(times), out


def _images(n, size, seed=0):
    """Non-negative spectrogram-like images: harmonic ridges, clicks and noise."""
    rng = np.random.default_rng(seed)
    S = rng.gamma(1.0, 0.1, size=(n, size, size)).astype(np.float32)
    y = np.arange(n) % 2
    for i in range(n):
        if y[i]:
            S[i, rng.integers(0, size, 3), :] += 1.0  # sustained tones
        else:
            S[i, :, rng.integers(0, size, 3)] += 1.0  # clicks
    return S, y


def grid_search(S, y, repeat):
    pipe = make_pipeline(
        MedianFilter(size=(3, 3)),
        HPSS(kernel_size=17, output="harmonic"),
        GLCMFeatures(levels=16, distances=(1,)),
        StandardScaler(),
        SVC(),
    )
    grid = {"medianfilter__size": [(3, 3), (5, 5)], "svc__C": [1.0, 10.0]}
    rows = []
    for n_jobs in (1, 2):
        # warm-up: starts the loky workers and loads the compiled kernels in each of them
        GridSearchCV(pipe, grid, cv=2, n_jobs=n_jobs).fit(S[:12], y[:12])
        search = GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs)
        t, fitted = _best(lambda s=search: s.fit(S, y), repeat)
        rows.append((n_jobs, t, fitted.best_score_))
    return rows


def steps(size, n):
    S, _ = _images(n, size, seed=1)
    sr = 22050
    X = np.random.default_rng(2).standard_normal((max(8, n // 4), sr)).astype(np.float32)
    return [
        ("MedianFilter 3x3", MedianFilter(size=(3, 3)), S),
        ("MedianFilter 5x5", MedianFilter(size=(5, 5)), S),
        ("WienerFilter 5x5", WienerFilter(size=(5, 5)), S),
        ("BilateralFilter", BilateralFilter(sigma_spatial=1.0), S),
        ("Morphology opening 3x3", Morphology(operation="opening", size=(3, 3)), S),
        ("HPSS kernel 17", HPSS(kernel_size=17), S),
        ("GLCMFeatures 16 levels", GLCMFeatures(levels=16), S),
        ("LBPHistogram P=8 R=1", LBPHistogram(P=8, R=1.0), S),
        ("STFTSpectrogram n_fft=1024", STFTSpectrogram(n_fft=1024), X),
        ("MelSpectrogram n_fft=2048", MelSpectrogram(sr=sr, n_fft=2048), X),
    ]


def step_speedups(size, n, repeat):
    rows = []
    for name, est, data in steps(size, n):
        for n_jobs in (1, 2):  # compile the kernels (serial and parallel twins), warm caches
            est.set_params(n_jobs=n_jobs).fit(data[:4]).transform(data[:4])
        t1, ref = _best(lambda e=est, d=data: e.set_params(n_jobs=1).transform(d), repeat)
        t2, out = _best(lambda e=est, d=data: e.set_params(n_jobs=2).transform(d), repeat)
        same = np.array_equal(out, ref)
        rows.append((name, len(data), t1, t2, same))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    ap.add_argument("--n-images", type=int, default=None)
    ap.add_argument("--size", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    args = ap.parse_args(argv)
    n = args.n_images or (48 if args.quick else 96)
    size = args.size or (64 if args.quick else 128)
    repeat = args.repeat or (1 if args.quick else 3)

    print(
        f"specsk {specsk.__version__}, Python {platform.python_version()}, numba "
        f"{numba.__version__}, cores: os {os.cpu_count()}, joblib {cpu_count()}, numba pool "
        f"{numba.config.NUMBA_NUM_THREADS}, load average "
        f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}"
    )

    S, y = _images(n, size)
    t0 = time.perf_counter()
    gs = grid_search(S, y, 1 if args.quick else 2)
    print(
        f"\nGridSearchCV, {n} images {size}x{size}, MedianFilter -> HPSS -> GLCMFeatures -> "
        "SVC, 4 candidates x 3 folds (steps at n_jobs=None)"
    )
    print(f"{'GridSearchCV n_jobs':>20} {'wall s':>8} {'vs n_jobs=1':>12} {'best score':>11}")
    for n_jobs, t, score in gs:
        print(f"{n_jobs:>20} {t:8.2f} {gs[0][1] / t:11.2f}x {score:11.3f}")

    rows = step_speedups(size, n, repeat)
    print(f"\nSteps, n_jobs=2 vs n_jobs=1 (best of {repeat})")
    print(f"{'step':<28} {'batch':>5} {'n_jobs=1 s':>11} {'n_jobs=2 s':>11} {'speed-up':>9} same")
    for name, m, t1, t2, same in rows:
        print(f"{name:<28} {m:>5} {t1:11.4f} {t2:11.4f} {t1 / t2:8.2f}x {'yes' if same else 'NO'}")
    print(
        f"\nnumba threading layer {numba.threading_layer()}; total {time.perf_counter() - t0:.0f} s"
    )
    if not all(r[-1] for r in rows):
        raise SystemExit("an n_jobs=2 output differs from n_jobs=1")


if __name__ == "__main__":
    main()

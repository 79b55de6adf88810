"""``Pipeline(memory=...)`` for a grid search over a specsk pipeline: speed-up and disk use.

A grid search over the classifier's ``C`` refits the same spectrogram front in every fold for
every grid point. scikit-learn's ``Pipeline(memory=...)`` caches the output of each
transformer's ``fit_transform`` (keyed by its parameters and input), so the front runs once
per fold. This script measures, on synthetic clips (or a folder given with ``--data``):

- ``no cache``: ``memory=None``;
- ``flat``: ``memory=DIR`` on the flat pipeline: every intermediate image batch (mel, dB,
  median-filtered) is written to disk;
- ``grouped``: the expensive front (spectrogram, dB, filter, texture features) grouped into
  one sub-pipeline step, so the cache holds only its small feature table (and the scaler's);
- ``grouped + compress``: the same with ``joblib.Memory(DIR, compress=3)``.

Every variant must give the same ``cv_results_`` scores (checked); it prints wall time, the
speed-up over ``no cache`` and the cache size on disk. Both cached variants are lossless.

    python benchmarks/bench_pipeline_cache.py [--n-per-class 30] [--duration 2.0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import warnings

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline, make_union
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from specsk.datasets import make_sounds
from specsk.features import GLCMFeatures, LBPHistogram
from specsk.filters import MedianFilter
from specsk.spectrogram import MelSpectrogram, PowerToDb

SR = 16000


def front():
    return [
        ("mel", MelSpectrogram(sr=SR, n_fft=1024, hop_length=256, n_mels=64)),
        ("db", PowerToDb(ref="max")),
        ("median", MedianFilter(size=(3, 3))),
        ("texture", make_union(GLCMFeatures(levels=16), LBPHistogram(n_bands=4))),
    ]


def variants(folder):
    tail = [("scaler", StandardScaler()), ("svc", SVC())]
    return {
        "no cache": Pipeline(front() + tail),
        "flat": Pipeline(front() + tail, memory=os.path.join(folder, "flat")),
        "grouped": Pipeline(
            [("front", Pipeline(front())), *tail], memory=os.path.join(folder, "grouped")
        ),
        "grouped + compress": Pipeline(
            [("front", Pipeline(front())), *tail],
            memory=joblib.Memory(os.path.join(folder, "compressed"), compress=3, verbose=0),
        ),
    }


def disk_mb(path) -> float:
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-per-class", type=int, default=30)
    parser.add_argument("--duration", type=float, default=2.0)
    args = parser.parse_args(argv)
    X, y = make_sounds(4, args.n_per_class, sr=SR, duration=args.duration, random_state=0)
    X = np.asarray(X, dtype=np.float32)
    grid = {"svc__C": [0.1, 1.0, 10.0, 100.0]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    folder = tempfile.mkdtemp(prefix="specsk-cache-bench-")
    rows, reference = [], None
    try:
        for name, pipe in variants(folder).items():
            search = GridSearchCV(pipe, grid, cv=cv, n_jobs=1)
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                search.fit(X, y)
            wall = time.perf_counter() - t0
            scores = search.cv_results_["mean_test_score"]
            if reference is None:
                reference = scores
            same = bool(np.array_equal(scores, reference))
            sub = {"no cache": None, "flat": "flat", "grouped": "grouped"}.get(name, "compressed")
            size = 0.0 if sub is None else disk_mb(os.path.join(folder, sub))
            rows.append((name, wall, size, same))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base = rows[0][1]
    print(
        f"GridSearchCV, {len(grid['svc__C'])} values of C x 3 folds, {len(X)} clips x "
        f"{args.duration:g} s at {SR} Hz (mel 64 -> dB -> median 3x3 -> GLCM + LBP -> SVC)\n"
    )
    print("| cache | wall s | speed-up | disk MB | same scores |")
    print("|---|---:|---:|---:|---|")
    for name, wall, size, same in rows:
        print(f"| {name} | {wall:.1f} | {base / wall:.2f}x | {size:.1f} | {same} |")


if __name__ == "__main__":
    main()

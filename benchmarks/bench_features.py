"""Texture features: specsk batched GLCM / LBP vs the scikit-image per-image loop.

Usage::

    python benchmarks/bench_features.py [--n-images 512] [--size 128] [--levels 32] [--repeat 3]

Both sides get the same batch of ``size x size`` spectrogram-like images (smoothed noise,
exponentiated, quantised to ``levels`` gray levels):

* GLCM: ``glcm_features`` (distance 1, angles 0 and pi/2, the seven properties) against
  ``graycomatrix(symmetric=True, normed=True)`` + seven ``graycoprops`` calls per image;
* LBP: ``local_binary_patterns(P=8, R=1, "uniform")`` against ``local_binary_pattern`` per
  image, on the quantised (integer-valued) images and on the raw float images.

Prints images/s (best of ``--repeat``, the two sides run alternately so that both see the
same machine load), the wall-time ratio, the CPU-time ratio (work per image, summed over
threads: what the speed-up would be on one core) and the largest absolute difference of the
values (0 = identical). numba compiles (or loads from its cache) on the first call; that time
is printed separately and kept out of the timings. The estimators' full ``transform`` (with
quantisation or histograms) is timed too, for context.

specsk is timed with one thread and with ``n_jobs=-1`` (all cores; the kernels release the
GIL and run on blocks of images in a thread pool); scikit-image's loop is single-threaded.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np


def _race(ours, theirs, repeat):
    """Best wall and CPU time of each, run alternately so that both see the same load."""
    wall = {"ours": np.inf, "theirs": np.inf}
    cpu = {"ours": np.inf, "theirs": np.inf}
    out = {}
    for _ in range(repeat):
        for key, func in (("ours", ours), ("theirs", theirs)):
            c0, t0 = time.process_time(), time.perf_counter()
            out[key] = func()
            wall[key] = min(wall[key], time.perf_counter() - t0)
            cpu[key] = min(cpu[key], time.process_time() - c0)
    return wall, cpu, np.abs(np.asarray(out["ours"]) - np.asarray(out["theirs"])).max()


def _best(func, repeat):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-images", type=int, default=512)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--levels", type=int, default=32)
    p.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = p.parse_args(argv)

    import numba
    import scipy
    import skimage
    from scipy import ndimage as ndi
    from skimage.feature import graycomatrix, graycoprops, local_binary_pattern

    from specsk.features import (
        GLCMFeatures,
        LBPHistogram,
        glcm_features,
        local_binary_patterns,
        quantize_images,
    )

    n, size, levels = args.n_images, args.size, args.levels
    rng = np.random.default_rng(0)
    S = np.exp(ndi.gaussian_filter(rng.standard_normal((n, size, size)), (0, 1.5, 1.5)) * 3)
    S = S.astype(np.float32)
    Q = quantize_images(S, levels=levels, value_range=(float(S.min()), float(S.max())))
    Qf = Q.astype(np.float64)
    props = ("contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation", "entropy")
    angles = (0.0, np.pi / 2)

    # -- compile / cache load, outside the timings --------------------------------------------
    t0 = time.perf_counter()
    glcm_features(Q[:2], levels=levels, angles=angles)
    t_glcm_jit = time.perf_counter() - t0
    t0 = time.perf_counter()
    local_binary_patterns(Qf[:2], P=8, R=1.0, method="uniform")
    t_lbp_jit = time.perf_counter() - t0

    def sk_glcm():
        out = np.empty((n, 1, 2, len(props)))
        for k, q in enumerate(Q):
            P = graycomatrix(q, (1,), angles, levels=levels, symmetric=True, normed=True)
            for j, prop in enumerate(props):
                out[k, :, :, j] = graycoprops(P, prop)
        return out

    def sk_lbp(X):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # float-image warning
            return np.stack([local_binary_pattern(x, 8, 1.0, "uniform") for x in X])

    S64 = S.astype(np.float64)
    all_cores = -1
    n_cores = os.cpu_count()
    rows = []
    for jobs, label in ((1, "1 thread"), (all_cores, f"{n_cores} threads")):
        rows.append(
            (
                f"GLCM (7 props, d=1, 2 angles), {label}",
                *_race(
                    lambda j=jobs: glcm_features(Q, levels=levels, angles=angles, n_jobs=j),
                    sk_glcm,
                    args.repeat,
                ),
            )
        )
        rows.append(
            (
                f"LBP uniform P=8 R=1, integer images, {label}",
                *_race(
                    lambda j=jobs: local_binary_patterns(Qf, P=8, R=1.0, n_jobs=j),
                    lambda: sk_lbp(Qf),
                    args.repeat,
                ),
            )
        )
    rows.append(
        (
            f"LBP uniform P=8 R=1, float images, {n_cores} threads",
            *_race(
                lambda: local_binary_patterns(S64, P=8, R=1.0, n_jobs=all_cores),
                lambda: sk_lbp(S64),
                args.repeat,
            ),
        )
    )
    glcm = GLCMFeatures(levels=levels, n_jobs=all_cores).fit(S)
    t_glcm_est = _best(lambda: glcm.transform(S), args.repeat)
    lbp = LBPHistogram(P=8, R=1.0, n_jobs=all_cores).fit(S)
    t_lbp_est = _best(lambda: lbp.transform(S), args.repeat)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{n} images {size}x{size}, {levels} levels, best of {args.repeat}; "
        f"{os.cpu_count()} cores, load average {load:.1f}"
    )
    print(
        f"numpy {np.__version__}, scipy {scipy.__version__}, scikit-image "
        f"{skimage.__version__}, numba {numba.__version__}"
    )
    print()
    print(
        "| feature | specsk img/s | skimage loop img/s | ratio (wall) | ratio (CPU time) "
        "| max abs diff |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, wall, cpu, diff in rows:
        print(
            f"| {name} | {n / wall['ours']:,.0f} | {n / wall['theirs']:,.0f} "
            f"| {wall['theirs'] / wall['ours']:.1f}x | {cpu['theirs'] / cpu['ours']:.1f}x "
            f"| {diff:g} |"
        )
    print()
    print(
        "GLCMFeatures(n_jobs=-1).transform (float32 in, quantisation included): "
        f"{n / t_glcm_est:,.0f} img/s"
    )
    print(
        "LBPHistogram(n_jobs=-1).transform (float32 in, histogram included): "
        f"{n / t_lbp_est:,.0f} img/s"
    )
    print(f"numba compile or cache load: GLCM {t_glcm_jit:.2f} s, LBP {t_lbp_jit:.2f} s")


if __name__ == "__main__":
    main()

"""Texture estimators against their own compiled kernels and the scikit-image loop.

Usage::

    python benchmarks/bench_texture_overhead.py [--n-images 256] [--size 128] [--levels 32]
                                                [--repeat 7]

Measures how much of an estimator's ``transform`` time goes to work around the compiled
kernel (validation, quantisation, dtype copies, histograms, bookkeeping). For each case,
one thread (``n_jobs=1``, ``OMP_NUM_THREADS=1``), the same batch of ``size x size``
spectrogram-like float32 images (smoothed noise, exponentiated):

* **skimage loop**: what a user would write - ``graycomatrix`` + six ``graycoprops`` per
  image on the quantised images (GLCM; quantisation not counted), or
  ``local_binary_pattern`` + a histogram per image (LBP);
* **kernel**: the compiled kernel alone on prepared input - ``glcm_texture`` on the uint8
  gray levels (counts and properties, no quantisation), or ``lbp_codes`` (the code image,
  no histogram) on a contiguous float64 copy;
* **estimator**: ``GLCMFeatures(...).transform(S)`` / ``LBPHistogram(...).transform(S)`` on
  the float32 batch, fitted beforehand (validation, quantisation or histograms included).

Each row is the median of ``--repeat`` rounds; within a round the three run one after the
other, so ratios compare timings taken under the same machine load. ``est/kernel`` is the
estimator's overhead factor (target <= 1.5), from wall time and from CPU time (the latter
is less disturbed by other processes on a shared machine); ``est vs skimage`` is the
estimator's wall-time speed-up over the loop. The estimator's values are checked against
the loop (max abs difference; GLCM differs only by the float32 output).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse
import time
import warnings

import numpy as np

PROPS6 = ("contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation")


def _median_times(funcs, repeat):
    """Median wall and CPU time of each function, run in turn within each round."""
    wall = {k: [] for k in funcs}
    cpu = {k: [] for k in funcs}
    out = {}
    for _ in range(repeat):
        for key, func in funcs.items():
            c0, t0 = time.process_time(), time.perf_counter()
            out[key] = func()
            wall[key].append(time.perf_counter() - t0)
            cpu[key].append(time.process_time() - c0)
    med = {k: float(np.median(v)) for k, v in wall.items()}
    return med, {k: float(np.median(v)) for k, v in cpu.items()}, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-images", type=int, default=256)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--levels", type=int, default=32)
    p.add_argument("--repeat", type=int, default=7, help="median of this many rounds")
    args = p.parse_args(argv)

    from scipy import ndimage as ndi
    from skimage.feature import graycomatrix, graycoprops, local_binary_pattern

    from specsk.features import GLCMFeatures, LBPHistogram, quantize_images
    from specsk.features._glcm import glcm_offsets
    from specsk.features._lbp import lbp_offsets
    from specsk.features._texture_kernels import QUANT_LEVELS, glcm_texture, lbp_codes

    n, size, levels = args.n_images, args.size, args.levels
    rng = np.random.default_rng(0)
    S = np.exp(ndi.gaussian_filter(rng.standard_normal((n, size, size)), (0, 1.5, 1.5)) * 3)
    S = S.astype(np.float32)
    lo, hi = float(S.min()), float(S.max())
    Q = quantize_images(S, levels=levels, value_range=(lo, hi))
    Q4 = Q[:, None]
    no_quantizer = (np.zeros(1), np.zeros(1), np.zeros((1, 0)))
    S64 = np.ascontiguousarray(S, dtype=np.float64)

    rows = []
    for label, angles in (
        ("GLCM, 1 angle", (0.0,)),
        ("GLCM, 4 angles", (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)),
    ):
        offsets = glcm_offsets((1,), angles)
        which = np.array([0, 1, 2, 3, 4, 5], dtype=np.int64)
        est = GLCMFeatures(levels=levels, angles=angles, properties=PROPS6, n_jobs=1).fit(S)

        def sk_glcm(angles=angles):
            out = np.empty((n, len(PROPS6), len(angles)))
            for k, q in enumerate(Q):
                P = graycomatrix(q, (1,), angles, levels=levels, symmetric=True, normed=True)
                for j, prop in enumerate(PROPS6):
                    out[k, j] = graycoprops(P, prop)[0]
            return out.reshape(n, -1)

        def kernel(offsets=offsets, which=which):
            return glcm_texture(Q4, QUANT_LEVELS, *no_quantizer, levels, offsets, True, which, True)

        kernel()  # compile or load from numba's cache, outside the timings
        est.transform(S[:2])
        rows.append((label, est.transform, sk_glcm, kernel))

    rp, cp = lbp_offsets(8, 1.0)
    lbp = LBPHistogram(P=8, R=1.0, method="uniform", n_jobs=1).fit(S)

    def sk_lbp():
        out = np.empty((n, 10))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # float-image warning
            for k, s in enumerate(S):
                codes = local_binary_pattern(s, 8, 1.0, "uniform")
                h = np.bincount(codes.astype(np.int64).ravel(), minlength=10)
                out[k] = h / h.sum()
        return out

    def lbp_kernel():
        return lbp_codes(S64, rp, cp, 2)

    lbp_kernel()
    lbp.transform(S[:2])
    rows.append(("LBP uniform P=8 R=1", lbp.transform, sk_lbp, lbp_kernel))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{n} images {size}x{size} float32, {levels} levels, 6 GLCM properties, d=1; "
        f"median of {args.repeat}; 1 thread; {os.cpu_count()} cores, load {load:.1f}"
    )
    print()
    print(
        "| case | skimage loop img/s | kernel img/s | estimator img/s | est/kernel (wall) "
        "| est/kernel (CPU) | est vs skimage | max abs diff |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, transform, sk, kernel in rows:
        t, c, out = _median_times(
            {"sk": sk, "kernel": kernel, "est": lambda f=transform: f(S)}, args.repeat
        )
        diff = np.abs(out["est"].astype(np.float64) - out["sk"]).max()
        print(
            f"| {label} | {n / t['sk']:,.0f} | {n / t['kernel']:,.0f} | {n / t['est']:,.0f} "
            f"| {t['est'] / t['kernel']:.2f} | {c['est'] / c['kernel']:.2f} "
            f"| {t['sk'] / t['est']:.2f}x | {diff:.2g} |"
        )


if __name__ == "__main__":
    main()

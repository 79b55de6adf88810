"""Image filters: batched specsk call vs the plain per-image SciPy / scikit-image loop.

Prints images/s for both and their ratio. The machine may be shared: keep ``--n-images`` small.

    python benchmarks/bench_filters.py --n-images 256 --size 128
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from scipy import ndimage, signal
from skimage import morphology as skm
from skimage import restoration, transform

import specsk.filters as F


def _best(func, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def _loop(func):
    def run(S):
        return np.stack([func(s) for s in S])

    return run


def cases(size):
    half = (size // 2, size // 2)
    fp = np.ones((3, 3), dtype=bool)
    return [
        (
            "GaussianFilter sigma=1",
            lambda S: F.gaussian_filter(S, sigma=1.0),
            _loop(lambda s: ndimage.gaussian_filter(s, 1.0)),
            "ndimage.gaussian_filter",
        ),
        (
            "MedianFilter 3x3",
            lambda S: F.median_filter(S, size=3),
            _loop(lambda s: ndimage.median_filter(s, 3)),
            "ndimage.median_filter",
        ),
        (
            "WienerFilter 5x5",
            lambda S: F.wiener_filter(S, size=5),
            _loop(lambda s: signal.wiener(s, 5)),
            "signal.wiener",
        ),
        (
            "BilateralFilter s=1",
            lambda S: F.bilateral_filter(S, sigma_spatial=1.0),
            _loop(lambda s: restoration.denoise_bilateral(s, sigma_spatial=1.0)),
            "skimage denoise_bilateral",
        ),
        (
            "WaveletDenoise db1 Bayes",
            lambda S: F.wavelet_denoise(S),
            _loop(lambda s: restoration.denoise_wavelet(s)),
            "skimage denoise_wavelet",
        ),
        (
            "NoiseFloorRemoval median",
            lambda S: F.noise_floor_removal(S),
            _loop(lambda s: np.maximum(s - np.median(s, axis=1, keepdims=True), 0)),
            "numpy per image",
        ),
        (
            "Morphology opening 3x3",
            lambda S: F.morphology(S, operation="opening", size=3),
            _loop(lambda s: skm.opening(s, fp)),
            "skimage opening",
        ),
        (
            f"Resize -> {half[0]}x{half[1]}",
            lambda S: F.resize(S, shape=half),
            _loop(lambda s: transform.resize(s, half, anti_aliasing=True)),
            "skimage resize",
        ),
        (
            "ImageNormalize zscore",
            lambda S: F.image_normalize(S, method="zscore"),
            _loop(lambda s: (s - s.mean()) / (s.std() + 1e-8)),
            "numpy per image",
        ),
        (
            "Clip percentile 1-99",
            lambda S: F.clip(S, percentile=(1, 99)),
            _loop(lambda s: np.clip(s, *np.percentile(s, (1, 99)))),
            "numpy per image",
        ),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=256)
    parser.add_argument("--size", type=int, default=128, help="images are size x size")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--only", default=None, help="run the cases whose name contains this")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    S = rng.normal(-60.0, 5.0, (args.n_images, args.size, args.size)).astype(np.float32)
    S[:, args.size // 3, :] += 30.0
    F.bilateral_filter(S[:2])  # numba compilation outside the timings
    warnings.simplefilter("ignore")

    n = args.n_images
    print(f"{n} images {args.size}x{args.size} float32, best of {args.repeat}")
    header = (
        f"| {'filter':<26} | {'specsk img/s':>12} | {'per-image img/s':>15} | {'ratio':>6} "
        "| reference |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for name, ours, ref, ref_name in cases(args.size):
        if args.only and args.only.lower() not in name.lower():
            continue
        t_ours = _best(lambda: ours(S), args.repeat)  # noqa: B023
        t_ref = _best(lambda: ref(S), args.repeat)  # noqa: B023
        print(
            f"| {name:<26} | {n / t_ours:>12,.0f} | {n / t_ref:>15,.0f} | "
            f"{t_ref / t_ours:>5.1f}x | {ref_name} |"
        )


if __name__ == "__main__":
    main()

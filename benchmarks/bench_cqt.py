"""Constant-Q transform: librosa per-clip loop vs specsk batched, on the same batch.

Usage::

    python benchmarks/bench_cqt.py [--n-clips 64] [--seconds 5] [--sr 22050] [--repeat 3]

Prints clips/s of each, the speed ratio and the largest error of specsk relative to the
largest librosa magnitude (``max |specsk - librosa| / max |librosa|``). Both sides get the same
float32 batch and the same parameters (librosa.cqt defaults: hop 512, C1, 84 bins, 12 per
octave). Also timed, for context: librosa.cqt given the whole 2-D batch (it accepts (..., n)),
and specsk's fit + transform together. specsk's filter bank is built in ``fit`` (outside the
transform timing, as in a pipeline that transforms many batches); its build time is printed
separately.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-clips", type=int, default=64)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--sr", type=int, default=22050)
    p.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = p.parse_args(argv)

    import librosa

    from specsk.spectrogram import CQTSpectrogram

    rng = np.random.default_rng(0)
    n_times = int(args.seconds * args.sr)
    t = np.arange(n_times) / args.sr
    f0 = rng.uniform(50, 2000, size=(args.n_clips, 1))
    X = 0.5 * np.sin(2 * np.pi * f0 * t) + 0.1 * rng.standard_normal((args.n_clips, n_times))
    X = X.astype(np.float32)

    def librosa_loop():
        return np.stack([np.abs(librosa.cqt(x, sr=args.sr)) for x in X])

    CQTSpectrogram(sr=args.sr).fit(X[:1])  # first call pays librosa's lazy imports / jit
    t0 = time.perf_counter()
    est = CQTSpectrogram(sr=args.sr).fit(X[:1])
    t_fit = time.perf_counter() - t0

    def specsk_batched():
        return est.transform(X)

    def specsk_fit_transform():
        return CQTSpectrogram(sr=args.sr).fit_transform(X)

    def librosa_batch():
        return np.abs(librosa.cqt(X, sr=args.sr))

    librosa.cqt(X[0], sr=args.sr)  # warm-up (numba, soxr)
    specsk_batched()

    def best(fn):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return min(times), out

    t_lib, ref = best(librosa_loop)
    t_sk, out = best(specsk_batched)
    t_skf, _ = best(specsk_fit_transform)
    t_lb, _ = best(librosa_batch)
    err = float(np.abs(out - ref).max() / np.abs(ref).max())

    print(
        f"CQT, {args.n_clips} clips x {args.seconds:g} s at {args.sr} Hz, hop 512, 84 bins, float32"
    )
    print(f"{'method':<34}{'clips/s':>10}{'ratio':>8}")
    print(f"{'librosa.cqt per-clip loop':<34}{args.n_clips / t_lib:>10.1f}{1.0:>8.2f}")
    print(
        f"{'specsk CQTSpectrogram (batched)':<34}{args.n_clips / t_sk:>10.1f}{t_lib / t_sk:>8.2f}"
    )
    print(f"{'librosa.cqt on the 2-D batch':<34}{args.n_clips / t_lb:>10.1f}{t_lib / t_lb:>8.2f}")
    print(f"{'specsk fit + transform':<34}{args.n_clips / t_skf:>10.1f}{t_lib / t_skf:>8.2f}")
    print(f"specsk fit (filter bank, once): {t_fit * 1e3:.1f} ms")
    print(f"max |specsk - librosa| / max |librosa| = {err:.2e}")


if __name__ == "__main__":
    main()

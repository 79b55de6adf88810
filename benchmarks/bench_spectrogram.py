"""Batched specsk spectrograms against a per-clip librosa loop.

Same float32 batch of random signals for both. Prints, for STFT magnitude, mel and MFCC:
librosa clips/s, specsk clips/s (all cores), ratio, and the maximum error relative to the
largest reference value; then specsk on one thread (``n_jobs=1``), as wall-clock speed and
as the ratio of CPU times (librosa loop / specsk one thread), which is less sensitive to
other jobs on a shared machine. The librosa loop runs with one BLAS thread (faster than two
for its small per-clip products on a busy machine). Runs are interleaved, best of --repeat.

    python benchmarks/bench_spectrogram.py --n-clips 64
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import librosa
import numpy as np
from threadpoolctl import threadpool_limits

from specsk.spectrogram import mel_spectrogram, mfcc, power_spectrogram


def best_times(funcs, repeat):
    """Best wall and CPU (process) time of each function, runs interleaved.

    Interleaving spreads changes in machine load over all contenders; CPU time counts the
    work done whatever share of the cores this process got on a shared machine.
    """
    wall = [np.inf] * len(funcs)
    cpu = [np.inf] * len(funcs)
    for _ in range(repeat):
        for i, func in enumerate(funcs):
            t0, c0 = time.perf_counter(), time.process_time()
            func()
            wall[i] = min(wall[i], time.perf_counter() - t0)
            cpu[i] = min(cpu[i], time.process_time() - c0)
    return wall, cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-clips", type=int, default=256)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--sr", type=int, default=22050)
    parser.add_argument("--n-fft", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.n_clips, int(args.duration * args.sr))).astype(np.float32)
    sr, n_fft = args.sr, args.n_fft

    cases = {
        "stft |D|": (
            lambda x: np.abs(librosa.stft(x, n_fft=n_fft)),
            lambda X, j: power_spectrogram(X, power=1.0, n_fft=n_fft, n_jobs=j),
        ),
        "mel (128)": (
            lambda x: librosa.feature.melspectrogram(y=x, sr=sr, n_fft=n_fft),
            lambda X, j: mel_spectrogram(X, sr=sr, n_fft=n_fft, n_jobs=j),
        ),
        "mfcc (20)": (
            lambda x: librosa.feature.mfcc(y=x, sr=sr, n_fft=n_fft),
            lambda X, j: mfcc(X, sr=sr, n_fft=n_fft, n_jobs=j),
        ),
    }
    print(
        f"{args.n_clips} clips x {args.duration} s at {sr} Hz, n_fft={n_fft}, float32; "
        f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}; "
        f"best of {args.repeat}"
    )
    header = (
        f"{'transform':<10} {'librosa clips/s':>16} {'specsk clips/s':>15} {'ratio':>6} "
        f"{'specsk 1 thread':>16} {'ratio 1t':>9} {'CPU-time ratio 1t':>18} {'max rel err':>12}"
    )
    print(header)
    print("-" * len(header))
    n = args.n_clips
    for name, (ref, ours) in cases.items():
        ref(X[0])  # warm up numba / FFT plans
        ours(X[:2], -1)
        ours(X[:2], 1)

        def run_ref(ref=ref):
            # one BLAS thread for the librosa loop: on a shared 2-core machine OpenBLAS
            # threads in librosa's small per-clip einsum made it several times slower
            with threadpool_limits(limits=1, user_api="blas"):
                for x in X:
                    ref(x)

        (t_ref, t_ours, t_one), (c_ref, _, c_one) = best_times(
            [run_ref, lambda ours=ours: ours(X, -1), lambda ours=ours: ours(X, 1)],
            args.repeat,
        )
        R = np.stack([ref(x) for x in X])
        S = ours(X, -1)
        err = float(np.abs(S - R).max() / np.abs(R).max())
        print(
            f"{name:<10} {n / t_ref:>16.1f} {n / t_ours:>15.1f} {t_ref / t_ours:>6.2f} "
            f"{n / t_one:>16.1f} {t_ref / t_one:>9.2f} {c_ref / c_one:>18.2f} {err:>12.1e}"
        )


if __name__ == "__main__":
    main()

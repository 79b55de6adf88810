"""``MelSpectrogram.transform`` on a batch: this checkout against another one, interleaved.

The estimator path (input check, STFT engine, banded mel kernel) timed as a user calls it:
fitted once, then ``transform`` on 64 clips x 5 s at 22.05 kHz (n_fft 2048, 128 mels,
``n_jobs=None``, float32). Each round runs one process per checkout in turn, so that changes in
machine load spread over both; prints the median wall and CPU time of each round's runs and
the medians over rounds. With no ``--baseline`` only this checkout is timed.

    OMP_NUM_THREADS=1 python benchmarks/bench_mel_transform.py --baseline /path/to/old/checkout
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import sys

_CHILD = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from specsk.spectrogram import MelSpectrogram
n, seconds, sr, repeat = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
X = np.random.default_rng(0).standard_normal((n, int(seconds * sr))).astype(np.float32)
est = MelSpectrogram(sr=sr).fit(X[:2])
est.transform(X[:2])  # compile or load the kernels
wall, cpu = [], []
for _ in range(repeat):
    t0, c0 = time.perf_counter(), time.process_time()
    est.transform(X)
    wall.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
print(json.dumps({"wall": statistics.median(wall), "cpu": statistics.median(cpu)}))
"""


def _run(root, args):
    cmd = [sys.executable, "-c", _CHILD, str(root), str(args.n_clips), str(args.duration)]
    cmd += [str(args.sr), str(args.repeat)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=pathlib.Path, default=None)
    parser.add_argument("--n-clips", type=int, default=64)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--sr", type=int, default=22050)
    parser.add_argument("--repeat", type=int, default=5, help="runs per process (median)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    roots = {"this checkout": pathlib.Path(__file__).resolve().parents[1]}
    if args.baseline is not None:
        roots = {"baseline": args.baseline.resolve(), **roots}
    results = {name: [] for name in roots}
    print(
        f"MelSpectrogram.transform, {args.n_clips} clips x {args.duration} s at {args.sr} Hz; "
        f"median of {args.repeat} per round"
    )
    print(f"{'round':>5} {'checkout':<14} {'wall ms':>8} {'CPU ms':>8}")
    for r in range(args.rounds):
        for name, root in roots.items():
            res = _run(root, args)
            results[name].append(res)
            print(f"{r:>5} {name:<14} {res['wall'] * 1e3:>8.0f} {res['cpu'] * 1e3:>8.0f}")
    for name, rows in results.items():
        wall = statistics.median(x["wall"] for x in rows) * 1e3
        cpu = statistics.median(x["cpu"] for x in rows) * 1e3
        print(f"{'all':>5} {name:<14} {wall:>8.0f} {cpu:>8.0f}")


if __name__ == "__main__":
    main()

"""Batched decompositions (HPSS, per-clip NMF, channel ICA) against the per-clip loops.

Usage::

    python benchmarks/bench_decomposition.py [--n-clips 64] [--repeat 3]

On the same synthetic batch, each specsk function is timed against the loop a user would
otherwise write, one library call per clip:

- ``specsk.decomposition.hpss`` vs ``librosa.decompose.hpss`` on ``n_clips`` magnitude
  spectrograms 128 x 216, float32 (harmonic lines, percussive columns, exponential noise),
  librosa's defaults (kernel 31, power 2, margin 1) on both sides. Agreement: max
  ``|specsk - librosa| / max|librosa|`` over both parts of the whole batch.
- ``specsk.decomposition.spectrogram_nmf`` vs
  ``sklearn.decomposition.non_negative_factorization(solver="mu")`` on the same spectrograms,
  k = 4, Frobenius loss, ``init="nndsvda"``, the same ``max_iter`` and ``tol`` on both sides
  (scikit-learn's NNDSVD starts from a randomised SVD, specsk's from an exact one). Agreement:
  the relative reconstruction error ``||S - W H||_F / ||S||_F`` of each, averaged over clips.
- ``specsk.decomposition.channel_ica`` vs ``sklearn.decomposition.FastICA`` (fit_transform per
  clip) on ``n_clips`` two-channel instantaneous mixtures of 1 s at 16 kHz (a sine and a
  sawtooth, random mixing matrix per clip), float64, logcosh, the same ``max_iter``, ``tol``
  and ``random_state``. Agreement: mean over clips and sources of the |correlation| with the
  true sources (best pairing per clip).

numba compilation (or cache load) and first-call costs are measured apart, before the
timings. The two sides run alternately (best of ``--repeat``) so both see the same load.
The reference loops run with one BLAS thread, as specsk does for these small matrices.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings

import librosa
import numba
import numpy as np
import scipy
import sklearn
from sklearn.decomposition import FastICA, non_negative_factorization
from threadpoolctl import threadpool_limits

import specsk
from specsk.decomposition import channel_ica, hpss, spectrogram_nmf

N_BINS, N_FRAMES = 128, 216
SR_ICA, DUR_ICA = 16000, 1.0
K_NMF = 4


def make_spectrograms(n, seed=0):
    """Magnitude-like images: horizontal (harmonic) lines, vertical (percussive) columns, noise."""
    rng = np.random.default_rng(seed)
    S = rng.exponential(0.1, size=(n, N_BINS, N_FRAMES))
    for i in range(n):
        f0 = rng.integers(4, 12)
        S[i, f0 :: 2 * f0, :] += rng.uniform(1.0, 3.0)
        onsets = rng.choice(N_FRAMES, size=8, replace=False)
        S[i, :, onsets] += rng.uniform(0.5, 2.0)
    return S.astype(np.float32)


def make_mixtures(n, seed=0):
    """Two sources per clip (sine, sawtooth), mixed by a random well-conditioned 2 x 2 matrix."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR_ICA * DUR_ICA)) / SR_ICA
    sources = np.empty((n, 2, t.size))
    X = np.empty_like(sources)
    for i in range(n):
        f1, f2 = rng.uniform(100, 400), rng.uniform(50, 300)
        sources[i, 0] = np.sin(2 * np.pi * f1 * t + rng.uniform(0, 2 * np.pi))
        sources[i, 1] = 2 * ((f2 * t + rng.uniform()) % 1) - 1
        A = np.eye(2) + rng.uniform(-0.6, 0.6, size=(2, 2))
        X[i] = A @ sources[i]
    return X, sources


def mean_abs_corr(est, true):
    """Mean |correlation| with the true sources, best pairing per clip (2 sources)."""
    scores = []
    for e, s in zip(est, true, strict=True):
        c = np.abs(np.corrcoef(e, s)[:2, 2:])
        scores.append(max(c[0, 0] + c[1, 1], c[0, 1] + c[1, 0]) / 2)
    return float(np.mean(scores))


def best_of_interleaved(fn_ours, fn_ref, repeat):
    """Best wall time of each side, the two alternating (and swapping who goes first)."""
    best = [np.inf, np.inf]
    out = [None, None]
    fns = (fn_ours, fn_ref)
    for r in range(repeat):
        for side in (0, 1) if r % 2 == 0 else (1, 0):
            t0 = time.perf_counter()
            out[side] = fns[side]()
            best[side] = min(best[side], time.perf_counter() - t0)
    return best, out


# ---- per-clip reference loops -------------------------------------------------------------


def librosa_hpss_loop(S):
    with threadpool_limits(limits=1, user_api="blas"):
        return np.stack([np.stack(librosa.decompose.hpss(s)) for s in S])


def sklearn_nmf_loop(S, max_iter, tol):
    Ws, Hs, iters = [], [], []
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter, as on specsk's side
        for s in S:
            W, H, n_iter = non_negative_factorization(
                s, n_components=K_NMF, init="nndsvda", solver="mu", beta_loss="frobenius",
                max_iter=max_iter, tol=tol, random_state=0,
            )  # fmt: skip
            Ws.append(W)
            Hs.append(H)
            iters.append(n_iter)
    return np.stack(Ws), np.stack(Hs), iters


def sklearn_ica_loop(X, max_iter, tol):
    out, iters = [], []
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in X:
            ica = FastICA(n_components=2, whiten="unit-variance", fun="logcosh",
                          max_iter=max_iter, tol=tol, random_state=0)  # fmt: skip
            out.append(ica.fit_transform(x.T).T)
            iters.append(ica.n_iter_)
    return np.stack(out), iters


def specsk_nmf(S, max_iter, tol):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spectrogram_nmf(S, K_NMF, init="nndsvda", max_iter=max_iter, tol=tol)


def specsk_ica(X, max_iter, tol):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return channel_ica(X, fun="logcosh", max_iter=max_iter, tol=tol, random_state=0)


def rel_recon_error(S, W, H):
    S = S.astype(np.float64)
    R = np.einsum("nfk,nkt->nft", W.astype(np.float64), H.astype(np.float64))
    return float(np.mean(np.linalg.norm(S - R, axis=(1, 2)) / np.linalg.norm(S, axis=(1, 2))))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-clips", type=int, default=64, help="clips per batch")
    ap.add_argument("--repeat", type=int, default=3, help="runs per side (best of)")
    ap.add_argument("--nmf-max-iter", type=int, default=200)
    ap.add_argument("--ica-max-iter", type=int, default=400)
    ap.add_argument("--nmf-tol", type=float, default=1e-4, help="0 runs all nmf-max-iter")
    ap.add_argument("--ica-tol", type=float, default=1e-4)
    args = ap.parse_args(argv)
    n = args.n_clips

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")  # fmt: skip
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"librosa {librosa.__version__}, scikit-learn {sklearn.__version__}, "
          f"numba {numba.__version__}, numba threads {numba.get_num_threads()}, "
          f"specsk {specsk.__version__}")  # fmt: skip

    S = make_spectrograms(n)
    X, true_sources = make_mixtures(n)
    print(f"spectrograms {S.shape} {S.dtype}, mixtures {X.shape} {X.dtype}")

    # first calls: numba compile / cache load (HPSS), imports and caches (all), kept out
    t0 = time.perf_counter()
    hpss(S[:1, :40, :40])
    t_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    specsk_nmf(S[:2], 5, args.nmf_tol)
    specsk_ica(X[:2, :, :2000], 5, args.ica_tol)
    t_first = time.perf_counter() - t0
    librosa_hpss_loop(S[:1])
    sklearn_nmf_loop(S[:1], 5, args.nmf_tol)
    sklearn_ica_loop(X[:1, :, :2000], 5, args.ica_tol)
    print(f"warm-up: HPSS numba compile/cache load {t_compile:.2f} s; "
          f"first NMF + ICA calls {t_first:.2f} s")  # fmt: skip

    rows = []
    (t_ours, t_ref), (ours, ref) = best_of_interleaved(
        lambda: hpss(S), lambda: librosa_hpss_loop(S), args.repeat
    )
    err = float(np.abs(ours - ref).max() / np.abs(ref).max())
    rows.append(("HPSS (kernel 31, power 2)", "librosa.decompose.hpss", t_ours, t_ref,
                 f"max rel. diff {err:.1e}"))  # fmt: skip
    print(f"  HPSS done ({t_ours:.2f} s / {t_ref:.2f} s)", flush=True)

    (t_ours, t_ref), (ours, ref) = best_of_interleaved(
        lambda: specsk_nmf(S, args.nmf_max_iter, args.nmf_tol),
        lambda: sklearn_nmf_loop(S, args.nmf_max_iter, args.nmf_tol),
        args.repeat,
    )
    e_ours, e_ref = rel_recon_error(S, *ours), rel_recon_error(S, *ref[:2])
    print(f"  sklearn NMF iterations per clip: median {np.median(ref[2]):.0f}, max {max(ref[2])}")
    rows.append((f"NMF k={K_NMF}, mu, nndsvda", "non_negative_factorization", t_ours, t_ref,
                 f"rel. recon. error {e_ours:.4f} vs {e_ref:.4f}"))  # fmt: skip
    print(f"  NMF done ({t_ours:.2f} s / {t_ref:.2f} s)", flush=True)

    (t_ours, t_ref), (ours, ref) = best_of_interleaved(
        lambda: specsk_ica(X, args.ica_max_iter, args.ica_tol),
        lambda: sklearn_ica_loop(X, args.ica_max_iter, args.ica_tol),
        args.repeat,
    )
    c_ours, c_ref = mean_abs_corr(ours, true_sources), mean_abs_corr(ref[0], true_sources)
    print(f"  FastICA iterations per clip: median {np.median(ref[1]):.0f}, max {max(ref[1])}")
    rows.append(("ICA, 2 ch x 1 s at 16 kHz", "FastICA", t_ours, t_ref,
                 f"mean abs. corr. {c_ours:.4f} vs {c_ref:.4f}"))  # fmt: skip
    print(f"  ICA done ({t_ours:.2f} s / {t_ref:.2f} s)", flush=True)

    print(f"\n{n} clips, best of {args.repeat}, sides alternating; load average after "
          f"{os.getloadavg()[0]:.2f}\n")  # fmt: skip
    print("| decomposition | reference loop | specsk clips/s | reference clips/s | ratio "
          "| agreement (specsk vs reference) |")  # fmt: skip
    print("|---|---|---:|---:|---:|---|")
    for name, refname, t_o, t_r, agree in rows:
        print(f"| {name} | `{refname}` | {n / t_o:,.1f} | {n / t_r:,.1f} | {t_r / t_o:.2f}x "
              f"| {agree} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

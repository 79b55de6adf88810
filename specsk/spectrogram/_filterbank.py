"""Filter banks applied to the STFT: the banded kernel (mel, chroma, MFCC) and dense products.

Mel and chroma banks are banded (each filter covers a few FFT bins), so instead of a dense
``(n_out, n_bins)`` matmul over every frame, a numba kernel (:mod:`._kernels`) reads the
complex STFT once, computes ``|z| ** power`` into a per-frame buffer and accumulates each
filter over its non-zero band only, writing ``(n, n_out, n_frames)`` directly. Banks without
that structure (Bark, gammatone) use :func:`apply_dense`, one matrix product for the batch.
"""

from __future__ import annotations

import numpy as np

from ..utils._parallel import numba_threads
from ._engine import blocked_stft, count_frames, pad_for_stft
from ._kernels import bank_par, bank_ser

__all__ = ["BandedBank", "apply_dense", "banded_cached", "banked_spectrogram"]


class BandedBank:
    """A filter bank stored as one contiguous band of weights per filter."""

    def __init__(self, bank: np.ndarray):
        nz = bank != 0
        any_nz = nz.any(axis=1)
        lo = np.where(any_nz, nz.argmax(axis=1), 0)
        hi = np.where(any_nz, bank.shape[1] - nz[:, ::-1].argmax(axis=1), 0)
        self.lo = lo.astype(np.int64)
        self.hi = hi.astype(np.int64)
        widths = self.hi - self.lo
        self.offs = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int64)
        self.wts = np.concatenate(
            [bank[m, lo[m] : hi[m]] for m in range(bank.shape[0])] + [bank[:0, 0]]
        ).astype(bank.dtype)
        self.n_out = bank.shape[0]

    def astype(self, dtype):
        other = BandedBank.__new__(BandedBank)
        other.__dict__.update(self.__dict__, wts=self.wts.astype(dtype))
        return other


# ndarrays are not hashable: cache on identity of the (cached, read-only) bank instead
_banded_cache: dict[int, tuple[np.ndarray, BandedBank]] = {}


def banded_cached(fb):
    """``BandedBank(fb)`` for a bank that is itself cached (an ``lru_cache`` result)."""
    hit = _banded_cache.get(id(fb))
    if hit is not None and hit[0] is fb:
        return hit[1]
    bank = BandedBank(fb)
    _banded_cache[id(fb)] = (fb, bank)
    return bank


def _apply_banded(D, power, bank: BandedBank, workers, out):
    p = out.dtype.type(power)
    if workers > 1:
        with numba_threads(workers):
            bank_par(D, p, bank.lo, bank.hi, bank.offs, bank.wts, out, 16)
    else:
        bank_ser(D, p, bank.lo, bank.hi, bank.offs, bank.wts, out, 16)
    return out


def banked_spectrogram(X, bank: BandedBank, *, power, stft_kw, workers, post=None):
    """``bank @ |stft(X)| ** power`` for a checked batch, computed block by block (see
    ``blocked_stft``); ``post(block_out)`` may finish each block while it is in cache and
    return the rows to store (e.g. dB and DCT for MFCCs)."""
    Xp = pad_for_stft(X, stft_kw["n_fft"], stft_kw["center"], stft_kw["pad_mode"])
    T = count_frames(Xp.shape[-1], stft_kw["n_fft"], stft_kw["hop_length"])
    if bank.wts.dtype != Xp.dtype:
        bank = bank.astype(Xp.dtype)
    if post is None:
        out = np.empty((Xp.shape[0], bank.n_out, T), dtype=Xp.dtype)

        def consume(D, sl, w):
            _apply_banded(D, power, bank, w, out[sl])

        blocked_stft(Xp, stft_kw, workers, consume)
        return out
    parts = {}

    def consume_post(D, sl, w):
        tmp = np.empty((D.shape[0], bank.n_out, T), dtype=Xp.dtype)
        parts[sl.start] = post(_apply_banded(D, power, bank, w, tmp))

    blocked_stft(Xp, stft_kw, workers, consume_post)
    return np.concatenate([parts[k] for k in sorted(parts)], axis=0)


def apply_dense(P, W):
    """``W @ P[i].T`` for frame-major ``P`` (n, n_frames, n_bins): one product for the batch.

    Returns a transposed view ``(n, n_out, n_frames)`` of frame-major memory.
    """
    n, T, F = P.shape
    S = (P.reshape(n * T, F) @ W.T.astype(P.dtype)).reshape(n, T, W.shape[0])
    return S.transpose(0, 2, 1)

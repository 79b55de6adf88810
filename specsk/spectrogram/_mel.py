"""Mel spectrogram: batched STFT, then the mel filter bank fused with ``|z| ** power``.

The mel bank is banded (each filter covers a few FFT bins), so instead of a dense
``(n_mels, n_bins)`` matmul over every frame, a numba kernel reads the complex STFT once,
computes ``|z| ** power`` into a per-frame buffer and accumulates each filter over its
non-zero band only, writing ``(n, n_mels, n_frames)`` directly. Values equal
``librosa.feature.melspectrogram`` per clip within float32 rounding.
"""

from __future__ import annotations

import numbers
from functools import lru_cache

import numba
import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import SpecskTransformer
from ..utils import apply_in_batches, check_sr
from ..utils._parallel import numba_threads
from ._stft import (
    STFT_CONSTRAINTS,
    _blocked_stft,
    _check_power,
    _check_stft_params,
    _griffinlim,
    _jit_pair,
    _n_frames,
    _prepare,
    _row_abs_pow,
    _STFTParamsMixin,
    _workers,
)

__all__ = ["MelSpectrogram", "mel_filter_bank", "mel_spectrogram"]

MEL_CONSTRAINTS = {
    "sr": [Interval(numbers.Real, 0, None, closed="neither")],
    "power": [Interval(numbers.Real, 0, None, closed="neither")],
    "n_mels": [Interval(numbers.Integral, 1, None, closed="left")],
    "fmin": [Interval(numbers.Real, 0, None, closed="left")],
    "fmax": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "htk": ["boolean"],
    "norm": [StrOptions({"slaney"}), Interval(numbers.Real, None, None, closed="neither"), None],
}


@lru_cache(maxsize=16)
def _mel_bank_cached(sr, n_fft, n_mels, fmin, fmax, htk, norm, dtype_str):
    import librosa

    fb = librosa.filters.mel(
        sr=sr,
        n_fft=n_fft,
        n_mels=n_mels,
        fmin=fmin,
        fmax=fmax,
        htk=htk,
        norm=norm,
        dtype=np.dtype(dtype_str),
    )
    fb.setflags(write=False)
    return fb


def mel_filter_bank(
    *, sr, n_fft, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney", dtype=np.float32
):
    """The ``(n_mels, 1 + n_fft // 2)`` mel filter bank (``librosa.filters.mel``)."""
    sr = check_sr(sr)
    if fmax is not None and fmax > sr / 2:
        raise ValueError(f"fmax must be at most the Nyquist frequency sr/2={sr / 2}, got {fmax}")
    if fmax is not None and fmax <= fmin:
        raise ValueError(f"fmax must be greater than fmin={fmin}, got {fmax}")
    return _mel_bank_cached(
        sr,
        int(n_fft),
        int(n_mels),
        float(fmin),
        None if fmax is None else float(fmax),
        bool(htk),
        norm,
        np.dtype(dtype).str,
    )


class _BandedBank:
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
        other = _BandedBank.__new__(_BandedBank)
        other.__dict__.update(self.__dict__, wts=self.wts.astype(dtype))
        return other


def _bank_kernel(z, power, lo, hi, offs, wts, out, block):
    n, n_frames, n_bins = z.shape
    n_out = lo.shape[0]
    total = n * n_frames
    n_blocks = (total + block - 1) // block
    zero = np.zeros(1, dtype=wts.dtype)[0]
    mode = 2 if power == 2.0 else (1 if power == 1.0 else 0)
    half = power * 0.5
    for b in numba.prange(n_blocks):
        buf = np.empty(n_bins, dtype=wts.dtype)
        for idx in range(b * block, min(total, (b + 1) * block)):
            c = idx // n_frames
            f = idx - c * n_frames
            _row_abs_pow(z[c, f], buf, mode, half)
            for m in range(n_out):
                acc = zero
                o = offs[m] - lo[m]
                for j in range(lo[m], hi[m]):
                    acc += wts[o + j] * buf[j]
                out[c, m, f] = acc


_bank_par, _bank_ser = _jit_pair(_bank_kernel)


def _apply_banded(D, power, bank: _BandedBank, workers, out):
    p = out.dtype.type(power)
    if workers > 1:
        with numba_threads(workers):
            _bank_par(D, p, bank.lo, bank.hi, bank.offs, bank.wts, out, 16)
    else:
        _bank_ser(D, p, bank.lo, bank.hi, bank.offs, bank.wts, out, 16)
    return out


def _banked_spectrogram(X, bank: _BandedBank, *, power, stft_kw, workers, post=None):
    """``bank @ |stft(X)| ** power`` for a batch, computed block by block (see
    ``_blocked_stft``); ``post(block_out, sl)`` may finish each block while it is in cache
    and return the rows to store (e.g. dB and DCT for MFCCs)."""
    Xp = _prepare(X, stft_kw["n_fft"], stft_kw["center"], stft_kw["pad_mode"])
    n_frames = _n_frames(Xp.shape[-1], stft_kw["n_fft"], stft_kw["hop_length"])
    if bank.wts.dtype != Xp.dtype:
        bank = bank.astype(Xp.dtype)
    if post is None:
        out = np.empty((Xp.shape[0], bank.n_out, n_frames), dtype=Xp.dtype)

        def consume(D, sl, w):
            _apply_banded(D, power, bank, w, out[sl])

        _blocked_stft(Xp, stft_kw, workers, consume)
        return out
    parts = {}

    def consume_post(D, sl, w):
        tmp = np.empty((D.shape[0], bank.n_out, n_frames), dtype=Xp.dtype)
        parts[sl.start] = post(_apply_banded(D, power, bank, w, tmp))

    _blocked_stft(Xp, stft_kw, workers, consume_post)
    return np.concatenate([parts[k] for k in sorted(parts)], axis=0)


def _resolve_stft(n_fft, hop_length, win_length, window, center, pad_mode):
    n_fft, hop, win = _check_stft_params(n_fft, hop_length, win_length, pad_mode)
    return {
        "n_fft": n_fft,
        "hop_length": hop,
        "win_length": win,
        "window": window,
        "center": center,
        "pad_mode": pad_mode,
    }


def mel_spectrogram(
    X,
    *,
    sr=22050,
    n_fft=2048,
    hop_length=None,
    win_length=None,
    window="hann",
    center=True,
    pad_mode="constant",
    power=2.0,
    n_mels=128,
    fmin=0.0,
    fmax=None,
    htk=False,
    norm="slaney",
    n_jobs=None,
):
    """Mel spectrogram of a batch of clips (``librosa.feature.melspectrogram`` per clip).

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times)]
        Mono clips of equal length; clips shorter than ``n_fft`` are zero-padded with a
        :class:`~specsk.exceptions.ShortClipWarning`.
    sr : float > 0
        Sample rate of ``X`` in Hz.
    n_fft, hop_length, win_length, window, center, pad_mode
        STFT parameters, as in :func:`specsk.spectrogram.stft`.
    power : float > 0
        Exponent of the magnitude before the mel bank (2 power, 1 energy).
    n_mels : int > 0
        Number of mel bands.
    fmin, fmax : float
        Frequency range of the bank in Hz (``fmax=None`` is ``sr / 2``).
    htk : bool
        HTK mel formula instead of Slaney's.
    norm : {"slaney"}, number or None
        Filter normalisation, as in ``librosa.filters.mel``.
    n_jobs : int or None
        Threads (joblib convention).

    Returns
    -------
    M : np.ndarray [shape=(n, n_mels, n_frames)]
        float32 for float32 input, float64 for float64.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import mel_spectrogram
    >>> X = np.random.default_rng(0).standard_normal((2, 22050)).astype(np.float32)
    >>> mel_spectrogram(X, sr=22050, n_mels=64).shape
    (2, 64, 44)
    """
    _check_power(power)
    kw = _resolve_stft(n_fft, hop_length, win_length, window, center, pad_mode)
    fb = mel_filter_bank(
        sr=sr, n_fft=kw["n_fft"], n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm
    )
    return _banked_spectrogram(
        X, _banded_cached(fb), power=power, stft_kw=kw, workers=_workers(n_jobs)
    )


# ndarrays are not hashable: cache on identity of the (cached, read-only) bank instead
_banded_cache: dict[int, tuple[np.ndarray, _BandedBank]] = {}


def _banded_cached(fb):
    hit = _banded_cache.get(id(fb))
    if hit is not None and hit[0] is fb:
        return hit[1]
    bank = _BandedBank(fb)
    _banded_cache[id(fb)] = (fb, bank)
    return bank


class MelSpectrogram(_STFTParamsMixin, SpecskTransformer):
    """Mel spectrogram of waveforms, as an image batch.

    Parameters
    ----------
    sr : float, default=22050
        Sample rate of the input in Hz.
    n_fft : int, default=2048
        FFT length.
    hop_length : int or None, default=None
        Samples between frames: ``win_length // 4`` if None, as in ``librosa.stft`` (512 for
        the default ``n_fft``; ``librosa.feature`` functions fix 512 whatever ``n_fft``).
    win_length : int or None, default=None
        Window length <= ``n_fft`` (``n_fft`` if None).
    window : str or tuple, default="hann"
        Window name as in ``scipy.signal.get_window``.
    center : bool, default=True
        Centre frames by padding ``n_fft // 2`` on both sides.
    pad_mode : str, default="constant"
        ``np.pad`` mode for centring.
    power : float, default=2.0
        Exponent of the STFT magnitude (2 power, 1 magnitude).
    n_mels : int, default=128
        Number of mel bands.
    fmin : float, default=0.0
        Lowest frequency of the bank (Hz).
    fmax : float or None, default=None
        Highest frequency of the bank (Hz); ``sr / 2`` if None.
    htk : bool, default=False
        HTK mel scale instead of Slaney's.
    norm : {"slaney"}, float or None, default="slaney"
        Filter normalisation (``librosa.filters.mel``).
    batch_size : int or None, default=None
        Clips per batch, to bound memory.
    n_jobs : int or None, default=None
        Threads (joblib convention).
    n_iter : int, default=32
        Griffin-Lim iterations of :meth:`inverse_transform`.

    Attributes
    ----------
    mel_basis_ : np.ndarray [shape=(n_mels, 1 + n_fft // 2)]
        The float32 mel filter bank, built in ``fit``.
    n_times_ : int
        Clip length seen in ``fit`` (the length :meth:`inverse_transform` returns).

    Notes
    -----
    Clips shorter than ``n_fft`` are zero-padded with a
    :class:`~specsk.exceptions.ShortClipWarning`. Output equals
    ``librosa.feature.melspectrogram`` per clip to float32 rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import MelSpectrogram
    >>> X = np.random.default_rng(0).standard_normal((4, 22050)).astype(np.float32)
    >>> MelSpectrogram(sr=22050, n_mels=64).fit_transform(X).shape
    (4, 64, 44)
    """

    _input = "waveform"
    _output = "spectrogram"
    _kind = "spectrogram"
    _stateless = False

    _parameter_constraints = {
        **STFT_CONSTRAINTS,
        **MEL_CONSTRAINTS,
        "n_iter": [Interval(numbers.Integral, 0, None, closed="left")],
    }

    # fit computes only what the parameters and the input shape fix: see specsk.base
    _learns_from_data = False

    def __init__(
        self,
        *,
        sr=22050,
        n_fft=2048,
        hop_length=None,
        win_length=None,
        window="hann",
        center=True,
        pad_mode="constant",
        power=2.0,
        n_mels=128,
        fmin=0.0,
        fmax=None,
        htk=False,
        norm="slaney",
        batch_size=None,
        n_jobs=None,
        n_iter=32,
    ):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.win_length = win_length
        self.window = window
        self.center = center
        self.pad_mode = pad_mode
        self.power = power
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.htk = htk
        self.norm = norm
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.n_iter = n_iter

    def _fit(self, X, y):
        super()._fit(X, y)
        self.mel_basis_ = np.array(
            mel_filter_bank(
                sr=self.sr,
                n_fft=self.n_fft,
                n_mels=self.n_mels,
                fmin=self.fmin,
                fmax=self.fmax,
                htk=self.htk,
                norm=self.norm,
            )
        )

    def _transform(self, X):
        kw = self._stft_kwargs()
        # cheap (one pass over n_mels rows); not cached on self so transform leaves it unchanged
        bank = _BandedBank(self.mel_basis_)
        workers = _workers(self.n_jobs)
        return apply_in_batches(
            lambda Xb: _banked_spectrogram(Xb, bank, power=self.power, stft_kw=kw, workers=workers),
            X,
            batch_size=self.batch_size,
        )

    def inverse_transform(self, X):
        """Waveforms from mel spectrograms: NNLS back to an STFT magnitude, then Griffin-Lim.

        Parameters
        ----------
        X : np.ndarray [shape=(n, n_mels, n_frames)]
            Mel spectrograms as produced by :meth:`transform` (possibly filtered).

        Returns
        -------
        X_original : np.ndarray [shape=(n, n_times_)]
            An approximation of the clips (phase is estimated, detail above the mel
            resolution is lost).
        """
        import librosa
        from sklearn.utils.validation import check_is_fitted

        from ..utils import check_spectrograms

        check_is_fitted(self)
        M = check_spectrograms(X, ranks=(3,))
        if M.shape[1] != self.mel_basis_.shape[0]:
            raise ValueError(
                f"X has {M.shape[1]} mel bands, but this MelSpectrogram has n_mels="
                f"{self.mel_basis_.shape[0]}"
            )
        mag = librosa.util.nnls(self.mel_basis_.astype(M.dtype), np.maximum(M, 0))
        mag = np.power(mag, 1.0 / self.power)
        kw = self._stft_kwargs()
        y = _griffinlim(mag, n_iter=self.n_iter, length=self.n_times_, **kw)
        return y.astype(M.dtype, copy=False)

    @classmethod
    def _get_test_params(cls):
        return [
            {"sr": 8000, "n_fft": 16, "hop_length": 4, "n_mels": 4},
            {"sr": 8000, "n_fft": 32, "hop_length": 5, "n_mels": 6, "power": 1.0, "htk": True},
        ]

"""MFCCs (``librosa.feature.mfcc``) with optional deltas, from a batched mel spectrogram."""

from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np
import scipy.fft
import scipy.signal

from ..base import SpecskTransformer
from ..utils import apply_in_batches, check_waveforms
from ..utils._sklearn_compat import Interval, Options, StrOptions, validate_params
from ._db import _db
from ._engine import STFT_CONSTRAINTS, STFTParamsMixin, n_workers, resolve_stft
from ._filterbank import BandedBank, banded_cached, banked_spectrogram
from ._kernels import small_matmul
from ._mel import MEL_CONSTRAINTS, _mel_bank

__all__ = ["MFCC", "mfcc"]

MFCC_CONSTRAINTS = {
    **STFT_CONSTRAINTS,
    **{k: v for k, v in MEL_CONSTRAINTS.items() if k != "norm"},
    "mel_norm": MEL_CONSTRAINTS["norm"],
    "n_mfcc": [Interval(numbers.Integral, 1, None, closed="left")],
    "dct_type": [Options(numbers.Integral, {1, 2, 3})],
    "norm": [StrOptions({"ortho"}), None],
    "lifter": [Interval(numbers.Real, 0, None, closed="left")],
    "deltas": [Options(numbers.Integral, {0, 1, 2})],
    "delta_width": [Interval(numbers.Integral, 3, None, closed="left")],
}


@lru_cache(maxsize=16)
def _dct_matrix(n_mels, n_mfcc, dct_type, norm, lifter):
    """``(n_mfcc, n_mels)`` matrix equal to ``scipy.fftpack.dct(., axis=-2)[:n_mfcc]``, liftered."""
    D = scipy.fft.dct(np.eye(n_mels), type=dct_type, norm=norm, axis=0)[:n_mfcc]
    if lifter > 0:
        li = np.sin(np.pi * np.arange(1, 1 + n_mfcc, dtype=np.float64) / lifter)
        D = D * (1 + (lifter / 2) * li)[:, None]
    D.setflags(write=False)
    return D


def _check_mfcc_consistency(n_mfcc, n_mels, dct_type, norm, delta_width):
    """Checks between (already type-checked) parameters that constraints cannot express."""
    if n_mfcc > n_mels:
        raise ValueError(f"n_mfcc={n_mfcc} cannot exceed n_mels={n_mels}")
    if dct_type == 1 and norm == "ortho" and n_mels < 2:
        raise ValueError("dct_type=1 needs n_mels >= 2")
    if delta_width % 2 != 1:
        raise ValueError(f"delta_width must be an odd integer >= 3, got {delta_width!r}")


def _mfcc_from_mel(M, *, n_mfcc, dct_type, norm, lifter, deltas, delta_width):
    S_db = _db(M, ref=1.0, amin=1e-10, top_db=80.0, squared=False)
    D = _dct_matrix(M.shape[1], n_mfcc, dct_type, norm, float(lifter)).astype(M.dtype)
    C = np.empty((M.shape[0], D.shape[0], M.shape[2]), dtype=M.dtype)
    small_matmul(D, S_db, C)
    return _add_deltas(C, deltas, delta_width)


def _add_deltas(C, deltas, delta_width):
    if deltas == 0:
        return C
    n_frames = C.shape[-1]
    if delta_width > n_frames:
        raise ValueError(
            f"delta_width={delta_width} exceeds the number of frames ({n_frames}); use a "
            "smaller delta_width or longer clips"
        )
    parts = [C]
    for order in range(1, deltas + 1):
        parts.append(
            scipy.signal.savgol_filter(
                C, delta_width, polyorder=order, deriv=order, axis=-1, mode="interp"
            ).astype(C.dtype, copy=False)
        )
    return np.concatenate(parts, axis=1)


@validate_params(MFCC_CONSTRAINTS, prefer_skip_nested_validation=True)
def mfcc(
    X,
    *,
    sr=22050,
    n_mfcc=20,
    dct_type=2,
    norm="ortho",
    lifter=0,
    deltas=0,
    delta_width=9,
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
    mel_norm="slaney",
    n_jobs=None,
):
    """Mel-frequency cepstral coefficients of a batch (``librosa.feature.mfcc`` per clip).

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times)]
        Mono clips of equal length (short clips are zero-padded with a warning).
    sr : float > 0
        Sample rate in Hz.
    n_mfcc : int > 0
        Number of coefficients (<= ``n_mels``).
    dct_type : {1, 2, 3}
        DCT type.
    norm : {"ortho", None}
        DCT normalisation.
    lifter : float >= 0
        Cepstral liftering coefficient (0: none).
    deltas : {0, 1, 2}
        Also compute first (and second) order deltas (``librosa.feature.delta``) and stack
        them after the coefficients along the bins axis.
    delta_width : odd int >= 3
        Savitzky-Golay window of the deltas, in frames.
    n_fft, hop_length, win_length, window, center, pad_mode, power, n_mels, fmin, fmax, htk
        Mel spectrogram parameters (:func:`mel_spectrogram`).
    mel_norm : {"slaney"}, number or None
        ``norm`` of the mel filter bank (renamed because ``norm`` is the DCT's, as in librosa
        where the mel norm cannot be passed through ``mfcc``).
    n_jobs : int or None
        Threads (joblib convention).

    Returns
    -------
    C : np.ndarray [shape=(n, n_mfcc * (1 + deltas), n_frames)]
        Rows ``[0, n_mfcc)`` are the coefficients, then the first-order deltas, then the
        second-order deltas.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import mfcc
    >>> X = np.random.default_rng(0).standard_normal((2, 22050)).astype(np.float32)
    >>> mfcc(X, sr=22050, n_mfcc=13, deltas=2).shape
    (2, 39, 44)
    """
    _check_mfcc_consistency(n_mfcc, n_mels, dct_type, norm, delta_width)
    kw = resolve_stft(n_fft, hop_length, win_length, window, center, pad_mode)
    fb = _mel_bank(sr, kw["n_fft"], n_mels, fmin, fmax, htk, mel_norm)
    return _mfcc_batch(
        check_waveforms(X),
        banded_cached(fb),
        power=power,
        stft_kw=kw,
        workers=n_workers(n_jobs),
        n_mfcc=n_mfcc,
        dct_type=dct_type,
        norm=norm,
        lifter=lifter,
        deltas=deltas,
        delta_width=delta_width,
    )


def _mfcc_batch(X, bank, *, power, stft_kw, workers, deltas, delta_width, **dct_kw):
    """Mel, dB and DCT per block (while the block is in cache), deltas on the whole batch."""

    def post(M):
        return _mfcc_from_mel(M, deltas=0, delta_width=delta_width, **dct_kw)

    C = banked_spectrogram(X, bank, power=power, stft_kw=stft_kw, workers=workers, post=post)
    return _add_deltas(C, deltas, delta_width)


class MFCC(STFTParamsMixin, SpecskTransformer):
    """Mel-frequency cepstral coefficients (``librosa.feature.mfcc``), optionally with deltas.

    Parameters
    ----------
    sr : float or None, default=None
        Sample rate of the input in Hz. ``None`` takes the sample rate the input carries
        (from :class:`~specsk.audio.AudioLoader`, :class:`~specsk.audio.Resample` or
        :class:`~specsk.audio.FixedLength`; see :class:`~specsk.utils.SignalArray`), else
        22050. A value that disagrees with the input's is an error.
    n_mfcc : int, default=20
        Number of coefficients.
    dct_type : {1, 2, 3}, default=2
        DCT type.
    norm : {"ortho", None}, default="ortho"
        DCT normalisation.
    lifter : float, default=0
        Cepstral liftering (0: none).
    deltas : {0, 1, 2}, default=0
        Append delta (1) and delta-delta (2) rows. They are stacked along the bins axis after
        the coefficients, so the output stays 3-D: ``(n, n_mfcc * (1 + deltas), n_frames)``.
    delta_width : int, default=9
        Odd window length of the deltas (``librosa.feature.delta``'s ``width``).
    n_fft, hop_length, win_length, window, center, pad_mode, power, n_mels, fmin, fmax, htk
        Mel spectrogram parameters, as in :class:`MelSpectrogram`.
        (``hop_length=None`` is ``win_length // 4``: 512 for the default ``n_fft``).
    mel_norm : {"slaney"}, float or None, default="slaney"
        Mel filter normalisation.
    batch_size : int or None, default=None
        Clips per batch, to bound memory.
    n_jobs : int or None, default=None
        Threads (joblib convention).

    Attributes
    ----------
    mel_basis_ : np.ndarray [shape=(n_mels, 1 + n_fft // 2)]
        Mel filter bank built in ``fit``.
    dct_basis_ : np.ndarray [shape=(n_mfcc, n_mels)]
        DCT (and lifter) matrix built in ``fit``.
    frequencies_ : None
        ``None``: the rows are cepstral coefficients, not frequency bins.
    sr_ : float
        Sample rate used: ``sr``, else the input's, else 22050.
    times_ : np.ndarray [shape=(n_frames,)]
        Time (s) of every frame of a clip of the length seen in ``fit`` (frame centres).

    Notes
    -----
    As in librosa, the coefficients are the DCT of ``power_to_db`` of the mel power
    spectrogram (ref 1, amin 1e-10, top_db 80 applied per clip).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import MFCC
    >>> X = np.random.default_rng(0).standard_normal((4, 22050)).astype(np.float32)
    >>> MFCC(sr=22050, n_mfcc=13, deltas=1).fit_transform(X).shape
    (4, 26, 44)
    """

    # _input, _output, _kind, _stateless, _learns_from_data: FrameCoordsMixin
    _parameter_constraints = {**MFCC_CONSTRAINTS, "sr": [*MFCC_CONSTRAINTS["sr"], None]}

    def __init__(
        self,
        *,
        sr=None,
        n_mfcc=20,
        dct_type=2,
        norm="ortho",
        lifter=0,
        deltas=0,
        delta_width=9,
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
        mel_norm="slaney",
        batch_size=None,
        n_jobs=None,
    ):
        self.sr = sr
        self.n_mfcc = n_mfcc
        self.dct_type = dct_type
        self.norm = norm
        self.lifter = lifter
        self.deltas = deltas
        self.delta_width = delta_width
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
        self.mel_norm = mel_norm
        self.batch_size = batch_size
        self.n_jobs = n_jobs

    def _fit(self, X, y):
        super()._fit(X, y)
        _check_mfcc_consistency(
            self.n_mfcc, self.n_mels, self.dct_type, self.norm, self.delta_width
        )
        self.mel_basis_ = np.array(
            _mel_bank(
                self.sr_, self.n_fft, self.n_mels, self.fmin, self.fmax, self.htk, self.mel_norm
            )
        )
        self.frequencies_ = None  # rows are cepstral coefficients, not frequency bins
        self.dct_basis_ = np.array(
            _dct_matrix(self.n_mels, self.n_mfcc, self.dct_type, self.norm, float(self.lifter))
        )

    def _transform(self, X):
        kw = self._stft_kwargs()
        bank = BandedBank(self.mel_basis_)
        workers = n_workers(self.n_jobs)

        def one_batch(Xb):
            return _mfcc_batch(
                Xb,
                bank,
                power=self.power,
                stft_kw=kw,
                workers=workers,
                n_mfcc=self.n_mfcc,
                dct_type=self.dct_type,
                norm=self.norm,
                lifter=self.lifter,
                deltas=self.deltas,
                delta_width=self.delta_width,
            )

        return apply_in_batches(one_batch, X, batch_size=self.batch_size)

    @classmethod
    def _get_test_params(cls):
        return [
            {"sr": 8000, "n_fft": 16, "hop_length": 4, "n_mels": 8, "n_mfcc": 4},
            {
                "sr": 8000,
                "n_fft": 32,
                "hop_length": 4,
                "n_mels": 10,
                "n_mfcc": 5,
                "lifter": 2,
                "dct_type": 3,
            },
        ]

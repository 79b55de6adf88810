"""Chromagram from a batched power STFT (``librosa.feature.chroma_stft``, fixed tuning)."""

from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np

from ..base import SpecskTransformer
from ..utils import apply_in_batches, check_waveforms
from ..utils._sklearn_compat import Interval, Options, validate_params
from ._engine import STFT_CONSTRAINTS, STFTParamsMixin, n_workers, resolve_stft
from ._filterbank import BandedBank, banded_cached, banked_spectrogram

__all__ = ["Chroma", "chroma", "chroma_filter_bank"]

_BANK_CONSTRAINTS = {
    "sr": [Interval(numbers.Real, 0, None, closed="neither")],
    "n_fft": STFT_CONSTRAINTS["n_fft"],
    "n_chroma": [Interval(numbers.Integral, 1, None, closed="left")],
    "tuning": [Interval(numbers.Real, -0.5, 0.5, closed="left")],
}

CHROMA_CONSTRAINTS = {
    **STFT_CONSTRAINTS,
    **_BANK_CONSTRAINTS,
    "norm": [
        Interval(numbers.Real, None, None, closed="neither"),
        Options(numbers.Real, {np.inf, -np.inf}),
        None,
    ],
}


@lru_cache(maxsize=16)
def _chroma_bank_cached(sr, n_fft, n_chroma, tuning):
    import librosa

    fb = librosa.filters.chroma(sr=sr, n_fft=n_fft, n_chroma=n_chroma, tuning=tuning)
    fb.setflags(write=False)
    return fb


@validate_params(_BANK_CONSTRAINTS, prefer_skip_nested_validation=True)
def chroma_filter_bank(*, sr, n_fft, n_chroma=12, tuning=0.0):
    """The ``(n_chroma, 1 + n_fft // 2)`` float32 chroma bank (``librosa.filters.chroma``).

    Examples
    --------
    >>> from specsk.spectrogram import chroma_filter_bank
    >>> chroma_filter_bank(sr=22050, n_fft=2048).shape
    (12, 1025)
    """
    return _chroma_bank_cached(float(sr), int(n_fft), int(n_chroma), float(tuning))


def _normalize(C, norm):
    if norm is None or not np.isfinite(C).all():
        # an overflowed power (float32 audio near 1e30) is left to the base class, which
        # recomputes in float64 (specsk.utils._finite); librosa would refuse it unclearly
        return C
    import librosa

    return librosa.util.normalize(C, norm=norm, axis=-2)


@validate_params(CHROMA_CONSTRAINTS, prefer_skip_nested_validation=True)
def chroma(
    X,
    *,
    sr=22050,
    n_chroma=12,
    tuning=0.0,
    norm=np.inf,
    n_fft=2048,
    hop_length=None,
    win_length=None,
    window="hann",
    center=True,
    pad_mode="constant",
    n_jobs=None,
):
    """Chromagram of a batch (``librosa.feature.chroma_stft`` per clip, given ``tuning``).

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times)]
        Mono clips of equal length (short clips are zero-padded with a warning).
    sr : float > 0
        Sample rate in Hz.
    n_chroma : int > 0
        Chroma bins per octave.
    tuning : float in [-0.5, 0.5)
        Tuning deviation from A440 in fractions of a chroma bin (not estimated: a fixed
        parameter keeps the transform deterministic and batch-independent).
    norm : float or None
        Norm of each frame's chroma vector (``np.inf``: max = 1; None: none).
    n_fft, hop_length, win_length, window, center, pad_mode
        STFT parameters.
    n_jobs : int or None
        Threads (joblib convention).

    Returns
    -------
    C : np.ndarray [shape=(n, n_chroma, n_frames)]

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import chroma
    >>> t = np.arange(22050) / 22050
    >>> X = np.sin(2 * np.pi * 440 * t)[None].astype(np.float32)
    >>> int(chroma(X, sr=22050)[0].mean(axis=1).argmax())  # A is chroma bin 9 (C = 0)
    9
    """
    kw = resolve_stft(n_fft, hop_length, win_length, window, center, pad_mode)
    fb = _chroma_bank_cached(float(sr), kw["n_fft"], int(n_chroma), float(tuning))
    C = banked_spectrogram(
        check_waveforms(X), banded_cached(fb), power=2.0, stft_kw=kw, workers=n_workers(n_jobs)
    )
    return _normalize(C, norm)


class Chroma(STFTParamsMixin, SpecskTransformer):
    """Chromagram from the power STFT (``librosa.feature.chroma_stft`` with fixed tuning).

    Parameters
    ----------
    sr : float or None, default=None
        Sample rate of the input in Hz. ``None`` takes the sample rate the input carries
        (from :class:`~specsk.audio.AudioLoader`, :class:`~specsk.audio.Resample` or
        :class:`~specsk.audio.FixedLength`; see :class:`~specsk.utils.SignalArray`), else
        22050. A value that disagrees with the input's is an error.
    n_chroma : int, default=12
        Chroma bins per octave.
    tuning : float, default=0.0
        Tuning deviation in fractions of a bin (fixed, never estimated from the data).
    n_fft, hop_length, win_length, window, center, pad_mode
        STFT parameters, as in :class:`STFTSpectrogram`.
        (``hop_length=None`` is ``win_length // 4``: 512 for the default ``n_fft``).
    norm : float or None, default=np.inf
        Per-frame normalisation of the chroma vector.
    batch_size : int or None, default=None
        Clips per batch, to bound memory.
    n_jobs : int or None, default=None
        Threads (joblib convention).

    Attributes
    ----------
    chroma_basis_ : np.ndarray [shape=(n_chroma, 1 + n_fft // 2)]
        Chroma filter bank built in ``fit``.
    frequencies_ : None
        ``None``: the rows are pitch classes (C first), not frequency bins.
    sr_ : float
        Sample rate used: ``sr``, else the input's, else 22050.
    times_ : np.ndarray [shape=(n_frames,)]
        Time (s) of every frame of a clip of the length seen in ``fit`` (frame centres).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import Chroma
    >>> X = np.random.default_rng(0).standard_normal((3, 22050)).astype(np.float32)
    >>> Chroma(sr=22050).fit_transform(X).shape
    (3, 12, 44)
    """

    # _input, _output, _kind, _stateless, _learns_from_data: FrameCoordsMixin
    _parameter_constraints = {**CHROMA_CONSTRAINTS, "sr": [*CHROMA_CONSTRAINTS["sr"], None]}

    def __init__(
        self,
        *,
        sr=None,
        n_chroma=12,
        tuning=0.0,
        n_fft=2048,
        hop_length=None,
        win_length=None,
        window="hann",
        center=True,
        pad_mode="constant",
        norm=np.inf,
        batch_size=None,
        n_jobs=None,
    ):
        self.sr = sr
        self.n_chroma = n_chroma
        self.tuning = tuning
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.win_length = win_length
        self.window = window
        self.center = center
        self.pad_mode = pad_mode
        self.norm = norm
        self.batch_size = batch_size
        self.n_jobs = n_jobs

    def _fit(self, X, y):
        super()._fit(X, y)
        self.frequencies_ = None  # rows are pitch classes, not frequency bins
        self.chroma_basis_ = np.array(
            _chroma_bank_cached(self.sr_, int(self.n_fft), int(self.n_chroma), float(self.tuning))
        )

    def _transform(self, X):
        kw = self._stft_kwargs()
        bank = BandedBank(self.chroma_basis_)
        workers = n_workers(self.n_jobs)

        def one_batch(Xb):
            C = banked_spectrogram(Xb, bank, power=2.0, stft_kw=kw, workers=workers)
            return _normalize(C, self.norm)

        return apply_in_batches(one_batch, X, batch_size=self.batch_size)

    @classmethod
    def _get_test_params(cls):
        return [
            {"sr": 8000, "n_fft": 16, "hop_length": 4},
            {"sr": 8000, "n_fft": 64, "hop_length": 7, "n_chroma": 24, "norm": 2.0},
        ]

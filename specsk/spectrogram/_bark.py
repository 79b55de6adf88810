"""Bark-scale spectrograms (``BarkSpectrogram``): triangular filters equally spaced in Bark.

The STFT power spectrogram of the whole batch is computed once and the Bark filter bank is
applied as one matrix product over all frames of all clips.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ..base import SpecskTransformer
from ..exceptions import SpecskWarning
from ..utils import apply_in_batches, check_waveforms
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._engine import (
    POWER_CONSTRAINT,
    STFT_CONSTRAINTS,
    STFTParamsMixin,
    abs_pow,
    n_workers,
    pad_for_stft,
    resolve_stft,
    stft_frames,
)
from ._filterbank import apply_dense

__all__ = ["BarkSpectrogram", "bark_filter_bank", "bark_spectrogram", "bark_to_hz", "hz_to_bark"]

_FORMULAS = ("traunmuller", "zwicker")
_FORMULA_CONSTRAINT = {"formula": [StrOptions(set(_FORMULAS))]}

_BANK_CONSTRAINTS = {
    "sr": [Interval(numbers.Real, 0, None, closed="neither")],
    "n_fft": STFT_CONSTRAINTS["n_fft"],
    "n_bands": [Interval(numbers.Integral, 1, None, closed="left")],
    "fmin": [Interval(numbers.Real, 0, None, closed="left")],
    "fmax": [Interval(numbers.Real, 0, None, closed="neither"), None],
    **_FORMULA_CONSTRAINT,
}

BARK_CONSTRAINTS = {**STFT_CONSTRAINTS, **_BANK_CONSTRAINTS, "power": POWER_CONSTRAINT}


def _zwicker(f):
    return 13.0 * np.arctan(0.00076 * f) + 3.5 * np.arctan((f / 7500.0) ** 2)


@validate_params(_FORMULA_CONSTRAINT, prefer_skip_nested_validation=True)
def hz_to_bark(frequencies, *, formula="traunmuller"):
    """Convert Hz to Bark.

    ``"traunmuller"`` (Traunmüller 1990): ``z = 26.81 f / (1960 + f) - 0.53``, then
    ``z + 0.15 (2 - z)`` below 2 Bark and ``z + 0.22 (z - 20.1)`` above 20.1 Bark.
    ``"zwicker"`` (Zwicker & Terhardt 1980): ``13 atan(0.00076 f) + 3.5 atan((f / 7500)^2)``.

    Parameters
    ----------
    frequencies : float or np.ndarray
        Frequencies in Hz (>= 0).
    formula : {"traunmuller", "zwicker"}

    Returns
    -------
    bark : float or np.ndarray

    Examples
    --------
    >>> from specsk.spectrogram import hz_to_bark
    >>> round(float(hz_to_bark(1000.0)), 4)
    8.5274
    """
    return _hz_to_bark(frequencies, formula)


def _hz_to_bark(frequencies, formula):
    f = np.asarray(frequencies, dtype=float)
    if formula == "zwicker":
        return _zwicker(f)
    z = 26.81 * f / (1960.0 + f) - 0.53
    z = np.where(z < 2.0, z + 0.15 * (2.0 - z), z)
    return np.where(z > 20.1, z + 0.22 * (z - 20.1), z)


@validate_params(_FORMULA_CONSTRAINT, prefer_skip_nested_validation=True)
def bark_to_hz(bark, *, formula="traunmuller"):
    """Convert Bark to Hz (inverse of :func:`hz_to_bark`).

    Traunmüller's formula is inverted in closed form; Zwicker's has none and is inverted by
    bisection to machine precision (it is strictly increasing).

    Examples
    --------
    >>> from specsk.spectrogram import bark_to_hz, hz_to_bark
    >>> round(float(bark_to_hz(hz_to_bark(440.0, formula="zwicker"), formula="zwicker")), 6)
    440.0
    """
    return _bark_to_hz(bark, formula)


def _bark_to_hz(bark, formula):
    z = np.asarray(bark, dtype=float)
    if formula == "traunmuller":
        z = np.where(z < 2.0, (z - 0.3) / 0.85, z)
        z = np.where(z > 20.1, (z + 4.422) / 1.22, z)
        return 1960.0 * (z + 0.53) / (26.28 - z)
    lo = np.zeros_like(z)
    hi = np.full_like(z, 1e6)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        below = _zwicker(mid) < z
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def _band_edges(fmin, fmax, n_bands, formula):
    """``n_bands + 2`` edges equally spaced in Bark, in Hz; band k peaks at edge k + 1."""
    edges_bark = np.linspace(_hz_to_bark(fmin, formula), _hz_to_bark(fmax, formula), n_bands + 2)
    edges = _bark_to_hz(edges_bark, formula)
    edges[0], edges[-1] = fmin, fmax  # exact ends despite the round trip
    return edges


@validate_params(_BANK_CONSTRAINTS, prefer_skip_nested_validation=True)
def bark_filter_bank(*, sr, n_fft, n_bands=24, fmin=0.0, fmax=None, formula="traunmuller"):
    """Triangular filters with vertices equally spaced in Bark, on the rFFT bin frequencies.

    Filter ``k`` rises linearly (in Hz) from vertex ``k`` to 1 at vertex ``k + 1`` and falls
    to 0 at vertex ``k + 2``, the ``n_bands + 2`` vertices being equally spaced in Bark
    from ``fmin`` to ``fmax`` (as librosa's mel bank, with peak 1 and no area normalisation).

    Returns
    -------
    W : np.ndarray [shape=(n_bands, 1 + n_fft // 2)]
        Non-negative weights.

    Examples
    --------
    >>> from specsk.spectrogram import bark_filter_bank
    >>> bark_filter_bank(sr=16000, n_fft=512, n_bands=20).shape
    (20, 257)
    """
    return _bark_bank(sr, n_fft, n_bands, fmin, fmax, formula)


def _bark_bank(sr, n_fft, n_bands, fmin, fmax, formula):
    """:func:`bark_filter_bank` of checked parameters (``fmin``/``fmax`` against ``sr`` here)."""
    nyquist = sr / 2.0
    fmax = nyquist if fmax is None else fmax
    if fmax > nyquist:
        raise ValueError(
            f"fmax={fmax:g} Hz is above the Nyquist frequency {nyquist:g} Hz of sr={sr:g}; "
            "lower fmax or pass the true sample rate as sr"
        )
    if not fmin < fmax:
        raise ValueError(f"fmin must be in [0, fmax={fmax:g}), got {fmin!r}")
    edges = _band_edges(fmin, fmax, n_bands, formula)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs - lo) / (mid - lo)
    down = (hi - freqs) / (hi - mid)
    return np.maximum(0.0, np.minimum(up, down))


def _bark_apply(X, W, *, power, stft_kw, workers):
    Xp = pad_for_stft(X, stft_kw["n_fft"], stft_kw["center"], stft_kw["pad_mode"])
    D = stft_frames(
        Xp,
        stft_kw["n_fft"],
        stft_kw["hop_length"],
        stft_kw["win_length"],
        stft_kw["window"],
        workers,
    )
    return np.ascontiguousarray(apply_dense(abs_pow(D, power, workers), W))


@validate_params(BARK_CONSTRAINTS, prefer_skip_nested_validation=True)
def bark_spectrogram(
    X,
    *,
    sr=22050,
    n_bands=24,
    n_fft=2048,
    hop_length=None,
    win_length=None,
    window="hann",
    center=True,
    pad_mode="constant",
    fmin=0.0,
    fmax=None,
    formula="traunmuller",
    power=2.0,
    batch_size=None,
    n_jobs=None,
):
    """Bark-band spectrogram of a batch of clips: ``W @ |stft(X)| ** power``.

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times)]
        Mono clips, float32 or float64 (short clips are zero-padded to ``n_fft`` with a
        ``ShortClipWarning``).
    sr : float
        Sample rate in Hz.
    n_bands : int
        Number of Bark bands.
    n_fft, hop_length, win_length, window, center, pad_mode
        STFT parameters, as in :func:`stft`.
    fmin, fmax : float
        Frequency range in Hz (``fmax=None`` is ``sr / 2``).
    formula : {"traunmuller", "zwicker"}
        Hz-to-Bark formula.
    power : float
        Exponent on the STFT magnitude before the filter bank.
    batch_size, n_jobs
        Clips per batch; threads (joblib convention).

    Returns
    -------
    B : np.ndarray [shape=(n, n_bands, n_frames)]

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import bark_spectrogram
    >>> X = np.random.default_rng(0).standard_normal((2, 16000)).astype(np.float32)
    >>> bark_spectrogram(X, sr=16000, n_fft=512).shape
    (2, 24, 126)
    """
    kw = resolve_stft(n_fft, hop_length, win_length, window, center, pad_mode)
    W = _bark_bank(sr, kw["n_fft"], n_bands, fmin, fmax, formula)
    X = check_waveforms(X)
    workers = n_workers(n_jobs)
    return apply_in_batches(
        lambda Xb: _bark_apply(Xb, W, power=power, stft_kw=kw, workers=workers),
        X,
        batch_size=batch_size,
    )


class BarkSpectrogram(STFTParamsMixin, SpecskTransformer):
    """Bark-scale spectrogram: triangular Bark-spaced filters on the STFT power spectrogram.

    Parameters
    ----------
    sr : float or None, default=None
        Sample rate of the input in Hz. ``None`` takes the sample rate the input carries
        (from :class:`~specsk.audio.AudioLoader`, :class:`~specsk.audio.Resample` or
        :class:`~specsk.audio.FixedLength`; see :class:`~specsk.utils.SignalArray`), else
        22050. A value that disagrees with the input's is an error.
    n_bands : int, default=24
        Number of bands.
    n_fft : int, default=2048
        FFT length.
    hop_length : int or None, default=None
        Samples between frames (``win_length // 4`` if None).
    win_length : int or None, default=None
        Window length (``n_fft`` if None).
    window : str or tuple, default="hann"
        STFT window.
    center : bool, default=True
        Centre frames on ``t * hop_length``.
    pad_mode : str, default="constant"
        Centring pad mode.
    fmin : float, default=0.0
        Lowest band edge in Hz.
    fmax : float or None, default=None
        Highest band edge in Hz (``sr / 2`` if None).
    formula : {"traunmuller", "zwicker"}, default="traunmuller"
        Hz-to-Bark formula.
    power : float, default=2.0
        Exponent on the STFT magnitude.
    batch_size : int or None, default=None
        Clips per batch.
    n_jobs : int or None, default=None
        Threads.

    Attributes
    ----------
    filter_bank_ : np.ndarray [shape=(n_bands, 1 + n_fft // 2)]
        The Bark filter bank.
    frequencies_ : np.ndarray [shape=(n_bands,)]
        Centre (peak) frequency of each band in Hz.
    sr_ : float
        Sample rate used: ``sr``, else the input's, else 22050.
    times_ : np.ndarray [shape=(n_frames,)]
        Time (s) of every frame of a clip of the length seen in ``fit`` (frame centres).
    n_features_in_ : int
        Samples per clip seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import BarkSpectrogram
    >>> X = np.random.default_rng(0).standard_normal((2, 16000)).astype(np.float32)
    >>> BarkSpectrogram(sr=16000, n_fft=512).fit_transform(X).shape
    (2, 24, 126)
    """

    # _input, _output, _kind, _stateless, _learns_from_data: FrameCoordsMixin
    _parameter_constraints = {**BARK_CONSTRAINTS, "sr": [*BARK_CONSTRAINTS["sr"], None]}

    def __init__(
        self,
        *,
        sr=None,
        n_bands=24,
        n_fft=2048,
        hop_length=None,
        win_length=None,
        window="hann",
        center=True,
        pad_mode="constant",
        fmin=0.0,
        fmax=None,
        formula="traunmuller",
        power=2.0,
        batch_size=None,
        n_jobs=None,
    ):
        self.sr = sr
        self.n_bands = n_bands
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.win_length = win_length
        self.window = window
        self.center = center
        self.pad_mode = pad_mode
        self.fmin = fmin
        self.fmax = fmax
        self.formula = formula
        self.power = power
        self.batch_size = batch_size
        self.n_jobs = n_jobs

    def _fit(self, X, y):
        super()._fit(X, y)  # STFT parameters checked; sr_, n_times_, times_
        sr = self.sr_
        self.filter_bank_ = _bark_bank(
            sr, self.n_fft, self.n_bands, self.fmin, self.fmax, self.formula
        )
        empty = int(np.count_nonzero(self.filter_bank_.max(axis=1) == 0))
        if empty:
            warnings.warn(
                f"BarkSpectrogram: {empty} of n_bands={self.n_bands} bands hold no FFT bin "
                f"(n_fft={self.n_fft} at sr={sr:g} is too coarse): their rows are always zero; "
                "raise n_fft or lower n_bands",
                SpecskWarning,
                stacklevel=4,
            )
        fmax = sr / 2 if self.fmax is None else self.fmax
        self.frequencies_ = _band_edges(self.fmin, fmax, self.n_bands, self.formula)[1:-1]

    def _transform(self, X):
        kw = self._stft_kwargs()
        workers = n_workers(self.n_jobs)
        return apply_in_batches(
            lambda Xb: _bark_apply(
                Xb, self.filter_bank_, power=self.power, stft_kw=kw, workers=workers
            ),
            X,
            batch_size=self.batch_size,
        )

    @classmethod
    def _get_test_params(cls):
        return [
            {"sr": 8000, "n_bands": 8, "n_fft": 64, "hop_length": 16},
            {
                "sr": 8000,
                "n_bands": 6,
                "n_fft": 32,
                "hop_length": 8,
                "formula": "zwicker",
                "power": 1.0,
            },
        ]

"""Bark-scale spectrograms (``BarkSpectrogram``): triangular filters equally spaced in Bark.

The STFT power spectrogram of the whole batch is computed once and the Bark filter bank is
applied as one matrix product over all frames of all clips.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import SpecskTransformer
from ..utils import apply_in_batches, check_sr, check_waveforms
from ._stft import (
    STFT_CONSTRAINTS,
    _abs_pow,
    _check_power,
    _check_stft_params,
    _prepare,
    _stft_frames,
    _STFTParamsMixin,
    _workers,
)

__all__ = ["BarkSpectrogram", "bark_filter_bank", "bark_spectrogram", "bark_to_hz", "hz_to_bark"]

_FORMULAS = ("traunmuller", "zwicker")


def _check_formula(formula):
    if formula not in _FORMULAS:
        raise ValueError(f"formula must be one of {_FORMULAS}, got {formula!r}")


def _zwicker(f):
    return 13.0 * np.arctan(0.00076 * f) + 3.5 * np.arctan((f / 7500.0) ** 2)


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
    _check_formula(formula)
    f = np.asarray(frequencies, dtype=float)
    if formula == "zwicker":
        return _zwicker(f)
    z = 26.81 * f / (1960.0 + f) - 0.53
    z = np.where(z < 2.0, z + 0.15 * (2.0 - z), z)
    return np.where(z > 20.1, z + 0.22 * (z - 20.1), z)


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
    _check_formula(formula)
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
    edges_bark = np.linspace(
        hz_to_bark(fmin, formula=formula), hz_to_bark(fmax, formula=formula), n_bands + 2
    )
    edges = bark_to_hz(edges_bark, formula=formula)
    edges[0], edges[-1] = fmin, fmax  # exact ends despite the round trip
    return edges


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
    _check_formula(formula)
    sr = check_sr(sr)
    nyquist = sr / 2.0
    fmax = nyquist if fmax is None else fmax
    if fmax > nyquist:
        raise ValueError(
            f"fmax={fmax:g} Hz is above the Nyquist frequency {nyquist:g} Hz of sr={sr:g}; "
            "lower fmax or pass the true sample rate as sr"
        )
    if not 0 <= fmin < fmax:
        raise ValueError(f"fmin must be in [0, fmax={fmax:g}), got {fmin!r}")
    if isinstance(n_bands, bool) or not isinstance(n_bands, numbers.Integral) or n_bands < 1:
        raise ValueError(f"n_bands must be a positive integer, got {n_bands!r}")
    edges = _band_edges(fmin, fmax, n_bands, formula)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs - lo) / (mid - lo)
    down = (hi - freqs) / (hi - mid)
    return np.maximum(0.0, np.minimum(up, down))


def _bark_apply(X, W, *, power, stft_kw, workers):
    Xp = _prepare(X, stft_kw["n_fft"], stft_kw["center"], stft_kw["pad_mode"])
    D = _stft_frames(
        Xp,
        stft_kw["n_fft"],
        stft_kw["hop_length"],
        stft_kw["win_length"],
        stft_kw["window"],
        workers,
    )
    n, T, F = D.shape
    P = _abs_pow(D, power, workers).reshape(n * T, F)
    S = (P @ W.T.astype(P.dtype)).reshape(n, T, W.shape[0])
    return np.ascontiguousarray(S.transpose(0, 2, 1))


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
    _check_power(power)
    n_fft, hop_length, win_length = _check_stft_params(n_fft, hop_length, win_length, pad_mode)
    W = bark_filter_bank(sr=sr, n_fft=n_fft, n_bands=n_bands, fmin=fmin, fmax=fmax, formula=formula)
    X = check_waveforms(X)
    kw = {
        "n_fft": n_fft,
        "hop_length": hop_length,
        "win_length": win_length,
        "window": window,
        "center": center,
        "pad_mode": pad_mode,
    }
    workers = _workers(n_jobs)
    return apply_in_batches(
        lambda Xb: _bark_apply(Xb, W, power=power, stft_kw=kw, workers=workers),
        X,
        batch_size=batch_size,
    )


class BarkSpectrogram(_STFTParamsMixin, SpecskTransformer):
    """Bark-scale spectrogram: triangular Bark-spaced filters on the STFT power spectrogram.

    Parameters
    ----------
    sr : float, default=22050
        Sample rate in Hz.
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

    _input = "waveform"
    _output = "spectrogram"
    _kind = "spectrogram"
    _stateless = False

    _parameter_constraints = {
        **STFT_CONSTRAINTS,
        "sr": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_bands": [Interval(numbers.Integral, 1, None, closed="left")],
        "fmin": [Interval(numbers.Real, 0, None, closed="left")],
        "fmax": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "formula": [StrOptions(set(_FORMULAS))],
        "power": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    # fit computes only what the parameters and the input shape fix: see specsk.base
    _learns_from_data = False

    def __init__(
        self,
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
        self._stft_kwargs()
        self.filter_bank_ = bark_filter_bank(
            sr=self.sr,
            n_fft=self.n_fft,
            n_bands=self.n_bands,
            fmin=self.fmin,
            fmax=self.fmax,
            formula=self.formula,
        )
        fmax = self.sr / 2 if self.fmax is None else self.fmax
        self.frequencies_ = _band_edges(self.fmin, fmax, self.n_bands, self.formula)[1:-1]

    def _transform(self, X):
        kw = self._stft_kwargs()
        workers = _workers(self.n_jobs)
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

"""Mel spectrogram: the batched STFT engine, then the mel filter bank fused with ``|z| ** power``.

The bank is applied by the banded kernel of :mod:`._filterbank` (which also serves chroma and
MFCC), writing ``(n, n_mels, n_frames)`` directly. Values equal
``librosa.feature.melspectrogram`` per clip within float32 rounding.
"""

from __future__ import annotations

import numbers
from functools import lru_cache

import numpy as np

from ..base import SpecskTransformer
from ..utils import apply_in_batches, check_waveforms
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._engine import (
    POWER_CONSTRAINT,
    STFT_CONSTRAINTS,
    STFTParamsMixin,
    griffinlim,
    n_workers,
    resolve_stft,
)
from ._filterbank import BandedBank, banded_cached, banked_spectrogram

__all__ = ["MelSpectrogram", "mel_filter_bank", "mel_spectrogram"]

MEL_CONSTRAINTS = {
    "sr": [Interval(numbers.Real, 0, None, closed="neither")],
    "power": POWER_CONSTRAINT,
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


def _mel_bank(sr, n_fft, n_mels, fmin, fmax, htk, norm, dtype=np.float32):
    """The cached, read-only mel bank of checked parameters (``fmax`` against ``sr`` here)."""
    if fmax is not None and fmax > sr / 2:
        raise ValueError(f"fmax must be at most the Nyquist frequency sr/2={sr / 2}, got {fmax}")
    if fmax is not None and fmax <= fmin:
        raise ValueError(f"fmax must be greater than fmin={fmin}, got {fmax}")
    if fmax is None and fmin >= sr / 2:
        raise ValueError(
            f"fmin={fmin} is at or above the Nyquist frequency sr/2={sr / 2}: the mel bands "
            "would be empty; lower fmin or raise sr"
        )
    return _mel_bank_cached(
        float(sr),
        int(n_fft),
        int(n_mels),
        float(fmin),
        None if fmax is None else float(fmax),
        bool(htk),
        norm,
        np.dtype(dtype).str,
    )


@validate_params(
    {"n_fft": STFT_CONSTRAINTS["n_fft"], **MEL_CONSTRAINTS}, prefer_skip_nested_validation=True
)
def mel_filter_bank(
    *, sr, n_fft, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney", dtype=np.float32
):
    """The ``(n_mels, 1 + n_fft // 2)`` mel filter bank (``librosa.filters.mel``).

    Examples
    --------
    >>> from specsk.spectrogram import mel_filter_bank
    >>> mel_filter_bank(sr=22050, n_fft=2048, n_mels=64).shape
    (64, 1025)
    """
    return _mel_bank(sr, n_fft, n_mels, fmin, fmax, htk, norm, dtype)


@validate_params({**STFT_CONSTRAINTS, **MEL_CONSTRAINTS}, prefer_skip_nested_validation=True)
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
    kw = resolve_stft(n_fft, hop_length, win_length, window, center, pad_mode)
    fb = _mel_bank(sr, kw["n_fft"], n_mels, fmin, fmax, htk, norm)
    return banked_spectrogram(
        check_waveforms(X), banded_cached(fb), power=power, stft_kw=kw, workers=n_workers(n_jobs)
    )


class MelSpectrogram(STFTParamsMixin, SpecskTransformer):
    """Mel spectrogram of waveforms, as an image batch.

    Parameters
    ----------
    sr : float or None, default=None
        Sample rate of the input in Hz. ``None`` takes the sample rate the input carries
        (from :class:`~specsk.audio.AudioLoader`, :class:`~specsk.audio.Resample` or
        :class:`~specsk.audio.FixedLength`; see :class:`~specsk.utils.SignalArray`), else
        22050. A value that disagrees with the input's is an error.
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
    frequencies_ : np.ndarray [shape=(n_mels,)]
        Centre frequency of every mel band in Hz, low first.
    sr_ : float
        Sample rate used: ``sr``, else the input's, else 22050.
    times_ : np.ndarray [shape=(n_frames,)]
        Time (s) of every frame of a clip of the length seen in ``fit`` (frame centres).

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

    # _input, _output, _kind, _stateless, _learns_from_data: FrameCoordsMixin
    _parameter_constraints = {
        **STFT_CONSTRAINTS,
        **MEL_CONSTRAINTS,
        "sr": [*MEL_CONSTRAINTS["sr"], None],
        "n_iter": [Interval(numbers.Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        sr=None,
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
        super()._fit(X, y)  # sr_, n_times_, times_
        self.mel_basis_ = np.array(
            _mel_bank(self.sr_, self.n_fft, self.n_mels, self.fmin, self.fmax, self.htk, self.norm)
        )
        self.frequencies_ = self._band_centres(self.sr_)

    def _transform(self, X):
        kw = self._stft_kwargs()
        # cheap (one pass over n_mels rows); not cached on self so transform leaves it unchanged
        bank = BandedBank(self.mel_basis_)
        workers = n_workers(self.n_jobs)
        return apply_in_batches(
            lambda Xb: banked_spectrogram(Xb, bank, power=self.power, stft_kw=kw, workers=workers),
            X,
            batch_size=self.batch_size,
        )

    def _band_centres(self, sr):
        import librosa

        fmax = sr / 2 if self.fmax is None else self.fmax
        return librosa.mel_frequencies(self.n_mels + 2, fmin=self.fmin, fmax=fmax, htk=self.htk)[
            1:-1
        ]

    def inverse_transform(self, X):
        """Waveforms from mel spectrograms: NNLS back to an STFT magnitude, then Griffin-Lim.

        Parameters
        ----------
        X : np.ndarray [shape=(n, n_mels, n_frames)]
            Mel spectrograms as produced by :meth:`transform` (possibly filtered).

        Returns
        -------
        X_original : np.ndarray
            Clips of shape ``(n, n_times_)``: an approximation of the clips (phase is
            estimated, detail above the mel resolution is lost).
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
        y = griffinlim(mag, n_iter=self.n_iter, length=self.n_times_, **kw)
        return y.astype(M.dtype, copy=False)

    @classmethod
    def _get_test_params(cls):
        return [
            {"sr": 8000, "n_fft": 16, "hop_length": 4, "n_mels": 4},
            {"sr": 8000, "n_fft": 32, "hop_length": 5, "n_mels": 6, "power": 1.0, "htk": True},
        ]

"""Batched short-time Fourier transform: ``stft``, ``power_spectrogram`` and ``STFTSpectrogram``.

The batched STFT itself (padding, framing, the blocked FFT, ``|z| ** power``) is the shared
engine in :mod:`._engine`; this module is its thin public face.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import SpecskTransformer
from ..utils import apply_in_batches, check_spectrograms, check_waveforms
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._engine import (
    POWER_CONSTRAINT,
    STFT_CONSTRAINTS,
    STFTParamsMixin,
    griffinlim,
    istft,
    n_workers,
    pad_for_stft,
    power_frames,
    resolve_stft,
    stft_frames,
)

__all__ = ["STFTSpectrogram", "power_spectrogram", "stft"]


@validate_params(STFT_CONSTRAINTS, prefer_skip_nested_validation=True)
def stft(
    X,
    *,
    n_fft=2048,
    hop_length=None,
    win_length=None,
    window="hann",
    center=True,
    pad_mode="constant",
    n_jobs=None,
):
    """Short-time Fourier transform of a batch of clips (``librosa.stft`` per clip).

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times)]
        Mono clips of equal length, float32 or float64 (other numbers become float32).
        Clips shorter than ``n_fft`` are zero-padded at the end to ``n_fft`` samples, with a
        :class:`~specsk.exceptions.ShortClipWarning`.
    n_fft : int > 0
        FFT length; ``1 + n_fft // 2`` frequency bins.
    hop_length : int > 0 or None
        Samples between frames; ``win_length // 4`` if None.
    win_length : int <= n_fft or None
        Window length; the window is zero-padded (centred) to ``n_fft``. ``n_fft`` if None.
    window : str or tuple
        Any window ``scipy.signal.get_window`` knows (periodic), e.g. ``"hann"``.
    center : bool
        Pad ``n_fft // 2`` samples on both sides so that frame ``t`` is centred on sample
        ``t * hop_length``.
    pad_mode : str
        ``np.pad`` mode for centring.
    n_jobs : int or None
        Threads for the FFT (joblib convention: None is 1, -1 all cores).

    Returns
    -------
    D : np.ndarray [shape=(n, 1 + n_fft // 2, n_frames)]
        complex64 for float32 input, complex128 for float64. The array is a transposed view of
        frame-major memory (frequency is the fastest axis), like librosa's Fortran-ordered
        output.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import stft
    >>> X = np.random.default_rng(0).standard_normal((3, 8000)).astype(np.float32)
    >>> stft(X, n_fft=512).shape
    (3, 257, 63)
    """
    kw = resolve_stft(n_fft, hop_length, win_length, window, center, pad_mode)
    Xp = pad_for_stft(check_waveforms(X), kw["n_fft"], center, pad_mode)
    D = stft_frames(Xp, kw["n_fft"], kw["hop_length"], kw["win_length"], window, n_workers(n_jobs))
    return D.transpose(0, 2, 1)


@validate_params(
    {**STFT_CONSTRAINTS, "power": POWER_CONSTRAINT}, prefer_skip_nested_validation=True
)
def power_spectrogram(
    X,
    *,
    power=2.0,
    n_fft=2048,
    hop_length=None,
    win_length=None,
    window="hann",
    center=True,
    pad_mode="constant",
    n_jobs=None,
):
    """``|stft(X)| ** power`` of a batch of clips, real and in the input precision.

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times)]
        Mono clips (see :func:`stft`; short clips are zero-padded with a warning).
    power : float > 0
        1 for magnitude, 2 for power.
    n_fft, hop_length, win_length, window, center, pad_mode, n_jobs
        As in :func:`stft`.

    Returns
    -------
    S : np.ndarray [shape=(n, 1 + n_fft // 2, n_frames)]
        float32 or float64; a transposed view of frame-major memory.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import power_spectrogram
    >>> X = np.zeros((2, 4096), dtype=np.float32)
    >>> power_spectrogram(X, n_fft=256, hop_length=128).shape
    (2, 129, 33)
    """
    kw = resolve_stft(n_fft, hop_length, win_length, window, center, pad_mode)
    Xp = pad_for_stft(check_waveforms(X), kw["n_fft"], center, pad_mode)
    return power_frames(Xp, power, kw, n_workers(n_jobs)).transpose(0, 2, 1)


class STFTSpectrogram(STFTParamsMixin, SpecskTransformer):
    """Short-time Fourier transform of waveforms as an image batch.

    Parameters
    ----------
    n_fft : int, default=2048
        FFT length; the output has ``1 + n_fft // 2`` frequency bins.
    hop_length : int or None, default=None
        Samples between frames (``win_length // 4`` if None).
    win_length : int or None, default=None
        Window length <= ``n_fft`` (``n_fft`` if None).
    window : str or tuple, default="hann"
        Window name as in ``scipy.signal.get_window``.
    center : bool, default=True
        Centre frames on ``t * hop_length`` by padding ``n_fft // 2`` on both sides.
    pad_mode : str, default="constant"
        ``np.pad`` mode used for centring.
    output : {"magnitude", "power", "real_imag", "mag_phase"}, default="magnitude"
        ``"magnitude"`` ``|D|`` and ``"power"`` ``|D|**2`` are 3-D ``(n, n_bins, n_frames)``;
        ``"real_imag"`` (real, imaginary) and ``"mag_phase"`` (magnitude, phase in radians)
        are 4-D ``(n, 2, n_bins, n_frames)`` with the two parts as channels.
    n_iter : int, default=32
        Griffin-Lim iterations used by :meth:`inverse_transform` for magnitude/power output.
    batch_size : int or None, default=None
        Clips per batch, to bound memory (all at once if None).
    n_jobs : int or None, default=None
        FFT threads (joblib convention).

    Attributes
    ----------
    n_times_ : int
        Clip length seen in ``fit``; :meth:`inverse_transform` returns clips of this length.
    n_features_in_ : int
        Same as ``n_times_`` (scikit-learn's name).
    sr_ : float or None
        Sample rate of the input seen in ``fit`` when it carried one (see
        :class:`~specsk.utils.SignalArray`), else ``None``.
    frequencies_ : np.ndarray [shape=(1 + n_fft // 2,)] or None
        Frequency of every bin in Hz (``None`` when ``sr_`` is unknown).
    times_ : np.ndarray [shape=(n_frames,)] or None
        Time (s) of every frame of a clip of ``n_times_`` samples (``None`` without ``sr_``).

    Notes
    -----
    Clips shorter than ``n_fft`` are zero-padded at the end to ``n_fft`` samples, with a
    :class:`~specsk.exceptions.ShortClipWarning`. The transform learns nothing (``fit`` only
    records the clip length for the inverse).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import STFTSpectrogram
    >>> X = np.random.default_rng(0).standard_normal((4, 8000)).astype(np.float32)
    >>> est = STFTSpectrogram(n_fft=512, output="real_imag").fit(X)
    >>> D = est.transform(X)
    >>> D.shape
    (4, 2, 257, 63)
    >>> bool(np.allclose(est.inverse_transform(D), X, atol=1e-4))
    True
    """

    _input = "waveform"
    _output = "spectrogram"
    _kind = "spectrogram"
    _stateless = True

    _parameter_constraints = {
        **STFT_CONSTRAINTS,
        "output": [StrOptions({"magnitude", "power", "real_imag", "mag_phase"})],
        "n_iter": [Interval(numbers.Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        n_fft=2048,
        hop_length=None,
        win_length=None,
        window="hann",
        center=True,
        pad_mode="constant",
        output="magnitude",
        n_iter=32,
        batch_size=None,
        n_jobs=None,
    ):
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.win_length = win_length
        self.window = window
        self.center = center
        self.pad_mode = pad_mode
        self.output = output
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.n_jobs = n_jobs

    def _transform(self, X):
        kw = self._stft_kwargs()
        workers = n_workers(self.n_jobs)
        output = self.output

        def one_batch(Xb):
            Xp = pad_for_stft(Xb, kw["n_fft"], kw["center"], kw["pad_mode"])
            if output in ("magnitude", "power"):
                P = power_frames(Xp, 1.0 if output == "magnitude" else 2.0, kw, workers)
                # C-ordered (n, n_bins, n_frames) images for the image filters downstream
                return np.ascontiguousarray(P.transpose(0, 2, 1))
            D = stft_frames(
                Xp, kw["n_fft"], kw["hop_length"], kw["win_length"], kw["window"], workers
            )
            Dt = D.transpose(0, 2, 1)
            out = np.empty((D.shape[0], 2, D.shape[2], D.shape[1]), dtype=Xp.dtype)
            if output == "real_imag":
                out[:, 0] = Dt.real
                out[:, 1] = Dt.imag
            else:
                out[:, 0] = np.abs(Dt)
                out[:, 1] = np.angle(Dt)
            return out

        return apply_in_batches(one_batch, X, batch_size=self.batch_size)

    def _fit(self, X, y):
        super()._fit(X, y)
        self.frequencies_ = self._bin_frequencies(self.sr_)

    def _bin_frequencies(self, sr):
        # stateless: the frequencies follow the sample rate of the input at hand
        return None if sr is None else np.fft.rfftfreq(self._stft_kwargs()["n_fft"], 1.0 / sr)

    def inverse_transform(self, X):
        """Waveforms from STFT images.

        Exact (inverse STFT) for ``output="real_imag"`` and ``"mag_phase"``; Griffin-Lim phase
        reconstruction with ``n_iter`` iterations for ``"magnitude"`` and ``"power"``, so that
        the effect of an image filter can be listened to.

        Parameters
        ----------
        X : np.ndarray [shape=(n, n_bins, n_frames) or (n, 2, n_bins, n_frames)]
            Output of :meth:`transform` (possibly filtered).

        Returns
        -------
        X_original : np.ndarray [shape=(n, n_times)]
            Clips of length ``n_times_`` (as seen in ``fit``), or of the length implied by
            the number of frames if the estimator was not fitted.
        """
        self._validate_params()
        kw = self._stft_kwargs()
        complex_out = self.output in ("real_imag", "mag_phase")
        S = check_spectrograms(X, ranks=(4,) if complex_out else (3,))
        if S.shape[-2] != 1 + kw["n_fft"] // 2:
            raise ValueError(
                f"X has {S.shape[-2]} frequency bins but n_fft={kw['n_fft']} gives "
                f"{1 + kw['n_fft'] // 2}"
            )
        length = self._inverse_length()
        if complex_out:
            if S.shape[1] != 2:
                raise ValueError(f"X must have 2 channels for output={self.output!r}")
            if self.output == "real_imag":
                D = S[:, 0] + 1j * S[:, 1]
            else:
                D = S[:, 0] * np.exp(1j * S[:, 1])
            D = D.astype(np.complex64 if S.dtype == np.float32 else np.complex128)
            kw.pop("pad_mode")
            return istft(D, length=length, **kw).astype(S.dtype, copy=False)
        mag = np.sqrt(np.maximum(S, 0)) if self.output == "power" else S
        y = griffinlim(mag, n_iter=self.n_iter, length=length, **kw)
        return y.astype(S.dtype, copy=False)

    @classmethod
    def _get_test_params(cls):
        return [
            {"n_fft": 16, "hop_length": 4},
            {"n_fft": 16, "hop_length": 4, "output": "real_imag", "window": "hamming"},
        ]

"""Batched short-time Fourier transform and the ``STFTSpectrogram`` estimator.

The whole batch is padded once, framed with one strided view, windowed and transformed with
one ``scipy.fft.rfft`` call (``stft``); there is no loop over clips. Steps that reduce the
STFT right away (``|z| ** power``, filter banks) run the same code on blocks of clips of a
few MB, so that each block is still in cache when it is reduced, and hand blocks to threads.
Results equal ``librosa.stft`` applied to each clip (librosa pads and frames the same way; it
computes in float64 and casts, specsk stays in the input precision).
"""

from __future__ import annotations

import numbers
import types
from functools import lru_cache

import numba
import numpy as np
import scipy.fft
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import SpecskTransformer
from ..utils import apply_in_batches, check_waveforms, pad_short_clips
from ..utils._parallel import effective_n_threads, numba_threads

__all__ = ["STFTSpectrogram", "power_spectrogram", "stft"]

PAD_MODES = (
    "constant",
    "edge",
    "linear_ramp",
    "maximum",
    "mean",
    "median",
    "minimum",
    "reflect",
    "symmetric",
)

# parameter constraints shared by every STFT-based step
STFT_CONSTRAINTS = {
    "n_fft": [Interval(numbers.Integral, 1, None, closed="left")],
    "hop_length": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "win_length": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "window": [str, tuple],
    "center": ["boolean"],
    "pad_mode": [StrOptions(set(PAD_MODES))],
    "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "n_jobs": [numbers.Integral, None],
}


def _check_stft_params(n_fft, hop_length, win_length, pad_mode):
    """Resolve librosa's defaults and reject bad values with the parameter's name."""
    if isinstance(n_fft, bool) or not isinstance(n_fft, numbers.Integral) or n_fft < 1:
        raise ValueError(f"n_fft must be a positive integer, got {n_fft!r}")
    win_length = n_fft if win_length is None else win_length
    if isinstance(win_length, bool) or not isinstance(win_length, numbers.Integral):
        raise ValueError(f"win_length must be a positive integer or None, got {win_length!r}")
    if not 1 <= win_length <= n_fft:
        raise ValueError(f"win_length must be in [1, n_fft={n_fft}], got {win_length}")
    hop_length = win_length // 4 if hop_length is None else hop_length
    if isinstance(hop_length, bool) or not isinstance(hop_length, numbers.Integral):
        raise ValueError(f"hop_length must be a positive integer or None, got {hop_length!r}")
    if hop_length < 1:
        raise ValueError(
            f"hop_length must be a positive integer, got {hop_length}"
            + (" (the default win_length // 4 is 0: set hop_length)" if win_length < 4 else "")
        )
    if pad_mode not in PAD_MODES:
        raise ValueError(f"pad_mode must be one of {PAD_MODES}, got {pad_mode!r}")
    return int(n_fft), int(hop_length), int(win_length)


def _workers(n_jobs) -> int:
    """Thread count for scipy.fft and numba: the package-wide policy (``effective_n_threads``)."""
    return effective_n_threads(n_jobs)


@lru_cache(maxsize=32)
def _fft_window(window, win_length: int, n_fft: int, dtype_str: str) -> np.ndarray:
    """librosa's window: periodic, of ``win_length`` samples, centred in ``n_fft``."""
    import librosa

    w = librosa.filters.get_window(window, win_length, fftbins=True)
    w = librosa.util.pad_center(w, size=n_fft).astype(dtype_str)
    w.setflags(write=False)
    return w


def _prepare(X, n_fft, center, pad_mode):
    """Validate waveforms, zero-pad clips shorter than ``n_fft`` and apply centre padding."""
    X = check_waveforms(X)
    X = pad_short_clips(X, n_fft)
    if center:
        X = np.pad(X, [(0, 0), (n_fft // 2, n_fft // 2)], mode=pad_mode)
    return X


def _stft_frames(X, n_fft, hop_length, win_length, window, workers):
    """STFT of already padded clips, laid out frame-major: (n, n_frames, n_bins), C-order.

    Frame-major is the natural output of an rfft over the contiguous last axis, and lets a
    filter bank read each frame's bins contiguously.
    """
    w = _fft_window(window, win_length, n_fft, X.dtype.str)
    frames = np.lib.stride_tricks.sliding_window_view(X, n_fft, axis=-1)[:, ::hop_length]
    # one pass: strided read of the overlapping frames, contiguous windowed copy
    windowed = np.multiply(frames, w)
    return scipy.fft.rfft(windowed, axis=-1, workers=workers, overwrite_x=True)


# complex bytes of STFT computed per block: big enough for efficient FFT calls, small enough
# that the block is still in cache when the next step (|z|, a filter bank) reads it back
_BLOCK_BYTES = 2 * 2**20


def _n_frames(n_padded: int, n_fft: int, hop_length: int) -> int:
    return 1 + (n_padded - n_fft) // hop_length


def _blocked_stft(Xp, stft_kw, workers, consume):
    """Run ``consume(D, sl, w)`` on the frame-major STFT ``D`` of consecutive clip blocks.

    ``Xp`` is already padded. With several workers, whole blocks go to threads (the FFT and
    the numba kernels release the GIL): coarser and cheaper to synchronise than splitting
    each FFT; when there are too few blocks the FFT itself is split instead.
    """
    from concurrent.futures import ThreadPoolExecutor

    n_fft, hop = stft_kw["n_fft"], stft_kw["hop_length"]
    n = Xp.shape[0]
    per_clip = _n_frames(Xp.shape[-1], n_fft, hop) * (1 + n_fft // 2) * 2 * Xp.dtype.itemsize
    step = max(1, _BLOCK_BYTES // per_clip)
    slices = [slice(s, min(n, s + step)) for s in range(0, n, step)]

    def block(sl, w):
        D = _stft_frames(Xp[sl], n_fft, hop, stft_kw["win_length"], stft_kw["window"], w)
        consume(D, sl, w)

    if workers > 1 and len(slices) >= 2 * workers:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda sl: block(sl, 1), slices))
    else:
        for sl in slices:
            block(sl, workers)


# -- |z| ** power without an extra pass over the complex array ------------------------------------
@numba.njit(inline="always", nogil=True, cache=True)
def _row_abs_pow(z, out, mode, half):
    """``out[j] = |z[j]| ** power`` for one row; ``mode`` 2, 1 or 0 picks power 2, 1 or other.

    The case is chosen by the caller once, outside its loops, so each loop here stays simple
    and vectorises. sqrt of the sum vectorises where np.abs (hypot) does not, and hypot's
    overflow guard is for magnitudes audio cannot reach. Inlined into the STFT and mel
    kernels; numba's on-disk cache does not notice edits here from those callers' files, so
    clear ``__pycache__`` after changing it.
    """
    if mode == 2:
        for j in range(z.shape[0]):
            re = z[j].real
            im = z[j].imag
            out[j] = re * re + im * im
    elif mode == 1:
        for j in range(z.shape[0]):
            re = z[j].real
            im = z[j].imag
            out[j] = np.sqrt(re * re + im * im)
    else:
        for j in range(z.shape[0]):
            re = z[j].real
            im = z[j].imag
            out[j] = (re * re + im * im) ** half


def _abs_pow_kernel(z, out, power):
    mode = 2 if power == 2.0 else (1 if power == 1.0 else 0)
    half = power * 0.5
    for i in numba.prange(z.shape[0]):
        _row_abs_pow(z[i], out[i], mode, half)


def _jit_pair(func):
    """(parallel, serial) numba compilations of ``func``, cached on disk separately.

    numba's cache index is keyed by the function's qualified name and bytecode, not by the
    ``parallel`` flag, so the parallel twin is compiled from a renamed copy; otherwise each
    could load the other's machine code from the cache.
    """
    twin = types.FunctionType(
        func.__code__,
        func.__globals__,
        func.__name__ + "_parallel",
        func.__defaults__,
        func.__closure__,
    )
    twin.__qualname__ = func.__qualname__ + "_parallel"
    twin.__module__ = func.__module__
    par = numba.njit(parallel=True, cache=True, nogil=True)(twin)
    ser = numba.njit(cache=True, nogil=True)(func)
    return par, ser


_abs_pow_par, _abs_pow_ser = _jit_pair(_abs_pow_kernel)


def _abs_pow(z: np.ndarray, power: float, workers: int, out=None) -> np.ndarray:
    """``|z| ** power`` of a C-contiguous complex array, in its real precision."""
    rdtype = np.float32 if z.dtype == np.complex64 else np.float64
    if out is None:
        out = np.empty(z.shape, dtype=rdtype)
    z2 = z.reshape(-1, z.shape[-1])
    o2 = out.reshape(-1, z.shape[-1])
    p = rdtype(power)
    if workers > 1:
        with numba_threads(workers):
            _abs_pow_par(z2, o2, p)
    else:
        _abs_pow_ser(z2, o2, p)
    return out


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
    n_fft, hop_length, win_length = _check_stft_params(n_fft, hop_length, win_length, pad_mode)
    Xp = _prepare(X, n_fft, center, pad_mode)
    D = _stft_frames(Xp, n_fft, hop_length, win_length, window, _workers(n_jobs))
    return D.transpose(0, 2, 1)


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
    _check_power(power)
    n_fft, hop_length, win_length = _check_stft_params(n_fft, hop_length, win_length, pad_mode)
    workers = _workers(n_jobs)
    Xp = _prepare(X, n_fft, center, pad_mode)
    kw = {"n_fft": n_fft, "hop_length": hop_length, "win_length": win_length, "window": window}
    return _power_frames(Xp, power, kw, workers).transpose(0, 2, 1)


def _power_frames(Xp, power, stft_kw, workers):
    """Frame-major ``|stft| ** power`` (n, n_frames, n_bins) of padded clips, block by block."""
    n_frames = _n_frames(Xp.shape[-1], stft_kw["n_fft"], stft_kw["hop_length"])
    out = np.empty((Xp.shape[0], n_frames, 1 + stft_kw["n_fft"] // 2), dtype=Xp.dtype)

    def consume(D, sl, w):
        _abs_pow(D, power, w, out=out[sl])

    _blocked_stft(Xp, stft_kw, workers, consume)
    return out


def _check_power(power):
    if isinstance(power, bool) or not isinstance(power, numbers.Real) or not power > 0:
        raise ValueError(f"power must be a positive number (1 magnitude, 2 power), got {power!r}")


def _istft(D, *, n_fft, hop_length, win_length, window, center, length):
    import librosa

    return librosa.istft(
        D,
        hop_length=hop_length,
        win_length=win_length,
        n_fft=n_fft,
        window=window,
        center=center,
        length=length,
    )


def _griffinlim(S, *, n_iter, n_fft, hop_length, win_length, window, center, pad_mode, length):
    """Batched Griffin-Lim (librosa's handles leading batch axes); seeded, so deterministic."""
    import librosa

    return librosa.griffinlim(
        S,
        n_iter=n_iter,
        hop_length=hop_length,
        win_length=win_length,
        n_fft=n_fft,
        window=window,
        center=center,
        length=length,
        pad_mode=pad_mode,
        random_state=0,
    )


class _STFTParamsMixin:
    """Resolved STFT parameters of an estimator that has librosa's STFT arguments."""

    def _stft_kwargs(self):
        n_fft, hop, win = _check_stft_params(
            self.n_fft, self.hop_length, self.win_length, self.pad_mode
        )
        return {
            "n_fft": n_fft,
            "hop_length": hop,
            "win_length": win,
            "window": self.window,
            "center": self.center,
            "pad_mode": self.pad_mode,
        }

    def _inverse_length(self):
        return getattr(self, "n_times_", None)

    def _fit(self, X, y):
        self._stft_kwargs()
        self.n_times_ = X.shape[-1]


class STFTSpectrogram(_STFTParamsMixin, SpecskTransformer):
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
        ``"magnitude"`` |D| and ``"power"`` |D|**2 are 3-D ``(n, n_bins, n_frames)``;
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
        workers = _workers(self.n_jobs)
        output = self.output

        def one_batch(Xb):
            Xp = _prepare(Xb, kw["n_fft"], kw["center"], kw["pad_mode"])
            if output in ("magnitude", "power"):
                P = _power_frames(Xp, 1.0 if output == "magnitude" else 2.0, kw, workers)
                # C-ordered (n, n_bins, n_frames) images for the image filters downstream
                return np.ascontiguousarray(P.transpose(0, 2, 1))
            D = _stft_frames(
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
        from ..utils import check_spectrograms

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
            return _istft(D, length=length, **kw).astype(S.dtype, copy=False)
        mag = np.sqrt(np.maximum(S, 0)) if self.output == "power" else S
        y = _griffinlim(mag, n_iter=self.n_iter, length=length, **kw)
        return y.astype(S.dtype, copy=False)

    @classmethod
    def _get_test_params(cls):
        return [
            {"n_fft": 16, "hop_length": 4},
            {"n_fft": 16, "hop_length": 4, "output": "real_imag", "window": "hamming"},
        ]

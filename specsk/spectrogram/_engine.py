"""The STFT engine shared by every STFT-based step of :mod:`specsk.spectrogram`.

One place for what ``_stft.py``, ``_mel.py``, ``_mfcc.py``, ``_chroma.py``, ``_bark.py`` and
``_gammatone.py`` have in common: the STFT parameters (their constraints, librosa's defaults
and cross-parameter checks, and the estimator mixin), centre padding, framing, the FFT, and
``|z| ** power``. Filter banks applied to the STFT are in :mod:`._filterbank`; the numba
kernels behind both in :mod:`._kernels`.

The whole batch is padded once, framed with one strided view, windowed and transformed with
one ``scipy.fft.rfft`` call (``stft_frames``); there is no loop over clips. Steps that reduce
the STFT right away (``|z| ** power``, filter banks) run the same code on blocks of clips of a
few MB (``blocked_stft``), so that each block is still in cache when it is reduced, and hand
blocks to threads. Results equal ``librosa.stft`` applied to each clip (librosa pads and
frames the same way; it computes in float64 and casts, specsk stays in the input precision).

Everything here receives checked values only: parameter types and ranges are checked once by
the constraint dicts below (``_validate_params`` for an estimator, ``validate_params`` for a
function twin) and input arrays once by ``check_waveforms``.
"""

from __future__ import annotations

import numbers
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import scipy.fft

from ..exceptions import SpecskWarning
from ..utils import pad_short_clips
from ..utils._parallel import effective_n_threads, numba_threads
from ..utils._sklearn_compat import Interval, StrOptions
from ._kernels import abs_pow_par, abs_pow_ser

__all__ = [
    "DEFAULT_SR",
    "PAD_MODES",
    "POWER_CONSTRAINT",
    "STFT_CONSTRAINTS",
    "FrameCoordsMixin",
    "STFTParamsMixin",
    "abs_pow",
    "blocked_stft",
    "count_frames",
    "fft_window",
    "frame_metadata",
    "griffinlim",
    "istft",
    "n_workers",
    "pad_for_stft",
    "power_frames",
    "resolve_stft",
    "stft_frames",
]

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

# parameter constraints shared by every STFT-based estimator and its function twin
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

# the exponent of |z| (1 magnitude, 2 power)
POWER_CONSTRAINT = [Interval(numbers.Real, 0, None, closed="neither")]


def resolve_stft(n_fft, hop_length, win_length, window, center, pad_mode) -> dict:
    """librosa's defaults and the checks that involve several (already type-checked) values.

    Returns the keyword arguments every engine function takes (``stft_kw``).
    """
    win_length = n_fft if win_length is None else win_length
    if not win_length <= n_fft:
        raise ValueError(f"win_length must be in [1, n_fft={n_fft}], got {win_length}")
    hop_length = win_length // 4 if hop_length is None else hop_length
    if hop_length < 1:  # only the default can be 0: the constraints reject an explicit 0
        raise ValueError(
            "hop_length must be a positive integer, got 0 (the default win_length // 4 is 0: "
            "set hop_length)"
        )
    return {
        "n_fft": int(n_fft),
        "hop_length": int(hop_length),
        "win_length": int(win_length),
        "window": window,
        "center": bool(center),
        "pad_mode": pad_mode,
    }


#: Sample rate a step with ``sr=None`` assumes when its input carries none (librosa's).
DEFAULT_SR = 22050.0


class FrameCoordsMixin:
    """Frame times and sample rate of a time-frequency step, resolved in ``fit``.

    ``fit`` calls :meth:`_fit_sr` then :meth:`_fit_times`. ``sr_`` is the step's ``sr``, else
    the sample rate its input carries, else :data:`DEFAULT_SR` (``None`` for a step without
    ``sr``); ``times_`` are the frame times (s) of a clip of the length seen in ``fit``.
    Subclasses give ``_n_frames(n_times)`` and ``_frame_offset()`` (frame ``t`` is centred on
    sample ``t * hop_length + offset``).

    It also declares, once for all of them, what these steps are (see :mod:`specsk.base`):
    waveforms in, spectrogram images out, a fitted state (filter banks, plans) that only
    the parameters and the clip length fix, so :func:`specsk.evaluate` may compute them once
    for all folds.
    """

    _input = "waveform"
    _output = "spectrogram"
    _kind = "spectrogram"
    _stateless = False
    _learns_from_data = False

    def _fit_sr(self):
        # a step without an sr parameter (STFTSpectrogram) assumes none: sr_ may be None
        default = DEFAULT_SR if "sr" in self._parameter_constraints else None
        sr = self._meta_value("sr", default)
        self.sr_ = None if sr is None else float(sr)
        return self.sr_

    def _fit_times(self, n_times: int):
        self.n_times_ = int(n_times)
        self.times_ = None
        if self.sr_ is not None:
            n_frames = self._n_frames(int(n_times))
            self.times_ = (np.arange(n_frames) * self._hop() + self._frame_offset()) / self.sr_

    def _hop(self) -> int:
        return int(self.hop_length)

    def _frame_offset(self) -> int:
        return 0

    def _output_metadata(self, meta, Xt):
        """``sr``, ``hop_length``, bin ``frequencies`` and frame ``times`` of the images."""
        return frame_metadata(
            self._effective_sr(meta),
            self._hop(),
            Xt.shape[-1],
            self._bin_frequencies(self._effective_sr(meta)),
            self._frame_offset(),
        )

    def _bin_frequencies(self, sr):
        """Frequency (Hz) of every output bin at sample rate ``sr``; ``None`` when unknown."""
        return getattr(self, "frequencies_", None)


class STFTParamsMixin(FrameCoordsMixin):
    """Resolved STFT parameters of an estimator that has librosa's STFT arguments.

    The estimator declares ``STFT_CONSTRAINTS`` in its ``_parameter_constraints``; this mixin
    adds the cross-parameter checks (:func:`resolve_stft`), records the clip length, the
    sample rate and the frame times (:class:`FrameCoordsMixin`). Frame ``t`` is centred on
    sample ``t * hop_length`` (``center=True``), else on ``t * hop_length + n_fft // 2``.
    """

    def _stft_kwargs(self):
        return resolve_stft(
            self.n_fft, self.hop_length, self.win_length, self.window, self.center, self.pad_mode
        )

    def _inverse_length(self):
        return getattr(self, "n_times_", None)

    def _fit(self, X, y):
        kw = self._stft_kwargs()
        if kw["hop_length"] > kw["win_length"]:
            warnings.warn(
                f"{type(self).__name__}: hop_length={kw['hop_length']} is larger than the "
                f"window (win_length={kw['win_length']}), so the samples between frames are "
                "never analysed; use hop_length <= win_length unless that is intended",
                SpecskWarning,
                stacklevel=4,
            )
        self._fit_sr()
        self._fit_times(X.shape[-1])

    def _hop(self) -> int:
        return self._stft_kwargs()["hop_length"]

    def _frame_offset(self) -> int:
        kw = self._stft_kwargs()
        return 0 if kw["center"] else kw["n_fft"] // 2

    def _n_frames(self, n_times: int) -> int:
        kw = self._stft_kwargs()
        n_fft, hop = kw["n_fft"], kw["hop_length"]
        # short clips are zero-padded to n_fft (see pad_short_clips)
        n_padded = n_times + 2 * (n_fft // 2) if kw["center"] else n_times
        return count_frames(max(n_padded, n_fft), n_fft, hop)


def frame_metadata(sr, hop_length, n_frames, frequencies=None, offset=0) -> dict:
    """Metadata of a batch of time-frequency images whose frame ``t`` is centred on sample
    ``t * hop_length + offset``: ``hop_length``, and with a known ``sr`` also ``sr``, frame
    ``times`` (s) and the bin ``frequencies`` (Hz, low first; omitted when ``None``)."""
    out = {"hop_length": int(hop_length)}
    if sr is None:
        return out
    out["sr"] = sr
    out["times"] = (np.arange(n_frames) * hop_length + offset) / sr
    if frequencies is not None:
        out["frequencies"] = np.asarray(frequencies, dtype=np.float64)
    return out


def n_workers(n_jobs) -> int:
    """Thread count for scipy.fft and numba: the package-wide policy (``effective_n_threads``)."""
    return effective_n_threads(n_jobs)


@lru_cache(maxsize=32)
def fft_window(window, win_length: int, n_fft: int, dtype_str: str) -> np.ndarray:
    """librosa's window: periodic, of ``win_length`` samples, centred in ``n_fft``."""
    import librosa

    w = librosa.filters.get_window(window, win_length, fftbins=True)
    w = librosa.util.pad_center(w, size=n_fft).astype(dtype_str)
    w.setflags(write=False)
    return w


def pad_for_stft(X, n_fft, center, pad_mode):
    """Zero-pad checked clips shorter than ``n_fft`` (with a warning), then centre-pad."""
    X = pad_short_clips(X, n_fft)
    if center:
        X = np.pad(X, [(0, 0), (n_fft // 2, n_fft // 2)], mode=pad_mode)
    return X


def stft_frames(X, n_fft, hop_length, win_length, window, workers):
    """STFT of already padded clips, laid out frame-major: (n, n_frames, n_bins), C-order.

    Frame-major is the natural output of an rfft over the contiguous last axis, and lets a
    filter bank read each frame's bins contiguously.
    """
    w = fft_window(window, win_length, n_fft, X.dtype.str)
    frames = np.lib.stride_tricks.sliding_window_view(X, n_fft, axis=-1)[:, ::hop_length]
    # one pass: strided read of the overlapping frames, contiguous windowed copy
    windowed = np.multiply(frames, w)
    return scipy.fft.rfft(windowed, axis=-1, workers=workers, overwrite_x=True)


# complex bytes of STFT computed per block: big enough for efficient FFT calls, small enough
# that the block is still in cache when the next step (|z|, a filter bank) reads it back
_BLOCK_BYTES = 2 * 2**20


def count_frames(n_padded: int, n_fft: int, hop_length: int) -> int:
    return 1 + (n_padded - n_fft) // hop_length


def blocked_stft(Xp, stft_kw, workers, consume):
    """Run ``consume(D, sl, w)`` on the frame-major STFT ``D`` of consecutive clip blocks.

    ``Xp`` is already padded. With several workers, whole blocks go to threads (the FFT and
    the numba kernels release the GIL): coarser and cheaper to synchronise than splitting
    each FFT; when there are too few blocks the FFT itself is split instead.
    """
    n_fft, hop = stft_kw["n_fft"], stft_kw["hop_length"]
    n = Xp.shape[0]
    per_clip = count_frames(Xp.shape[-1], n_fft, hop) * (1 + n_fft // 2) * 2 * Xp.dtype.itemsize
    step = max(1, _BLOCK_BYTES // per_clip)
    slices = [slice(s, min(n, s + step)) for s in range(0, n, step)]

    def block(sl, w):
        D = stft_frames(Xp[sl], n_fft, hop, stft_kw["win_length"], stft_kw["window"], w)
        consume(D, sl, w)

    if workers > 1 and len(slices) >= 2 * workers:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda sl: block(sl, 1), slices))
    else:
        for sl in slices:
            block(sl, workers)


def abs_pow(z: np.ndarray, power: float, workers: int, out=None) -> np.ndarray:
    """``|z| ** power`` of a C-contiguous complex array, in its real precision."""
    rdtype = np.float32 if z.dtype == np.complex64 else np.float64
    if out is None:
        out = np.empty(z.shape, dtype=rdtype)
    z2 = z.reshape(-1, z.shape[-1])
    o2 = out.reshape(-1, z.shape[-1])
    p = rdtype(power)
    if workers > 1:
        with numba_threads(workers):
            abs_pow_par(z2, o2, p)
    else:
        abs_pow_ser(z2, o2, p)
    return out


def power_frames(Xp, power, stft_kw, workers):
    """Frame-major ``|stft| ** power`` (n, n_frames, n_bins) of padded clips, block by block."""
    T = count_frames(Xp.shape[-1], stft_kw["n_fft"], stft_kw["hop_length"])
    out = np.empty((Xp.shape[0], T, 1 + stft_kw["n_fft"] // 2), dtype=Xp.dtype)

    def consume(D, sl, w):
        abs_pow(D, power, w, out=out[sl])

    blocked_stft(Xp, stft_kw, workers, consume)
    return out


def istft(D, **stft_kw):
    """``librosa.istft`` (keyword arguments as in ``stft_kw``, plus ``length``)."""
    import librosa

    return librosa.istft(D, **stft_kw)


def griffinlim(S, **kw):
    """Batched Griffin-Lim (librosa's handles leading batch axes); seeded, so deterministic."""
    import librosa

    return librosa.griffinlim(S, random_state=0, **kw)

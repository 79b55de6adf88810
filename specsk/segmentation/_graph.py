"""Graph-based (Felzenszwalb) and watershed segmentation with a foreground rule."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy import ndimage
from skimage.filters import sobel
from skimage.segmentation import felzenszwalb, watershed

from ..base import SpecskTransformer
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._common import check_images, label_batch, map_images
from ._threshold import _auto_threshold

__all__ = ["GraphSegmenter", "graph_segment"]

GRAPH_METHODS = ("felzenszwalb", "watershed")
FOREGROUND_RULES = ("otsu", "li", "yen", "triangle", "mean")
# one declaration, shared by graph_segment (decorator) and GraphSegmenter
_GRAPH_PARAMS: dict = {
    "method": [StrOptions(set(GRAPH_METHODS))],
    "scale": [Interval(Real, 0, None, closed="neither")],
    "sigma": [Interval(Real, 0, None, closed="left")],
    "min_size": [Interval(Integral, 0, None, closed="left")],
    "foreground": [StrOptions(set(FOREGROUND_RULES))],
    "compactness": [Interval(Real, 0, None, closed="left")],
    "n_jobs": [Integral, None],
}


def _foreground_threshold(img: np.ndarray, rule: str) -> float:
    return float(img.mean()) if rule == "mean" else _auto_threshold(img, rule)


def _normalise(img: np.ndarray) -> np.ndarray:
    lo, hi = float(img.min()), float(img.max())
    return (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img, dtype=np.float64)


def _felzenszwalb_one(img, *, scale, sigma, min_size, foreground):
    if img.max() == img.min():
        return np.zeros(img.shape, dtype=bool)
    segs = felzenszwalb(
        _normalise(img.astype(np.float64)),
        scale=scale,
        sigma=sigma,
        min_size=min_size,
        channel_axis=None,
    )
    index = np.arange(segs.max() + 1)
    means = ndimage.mean(img.astype(np.float64), labels=segs, index=index)
    return (means > _foreground_threshold(img, foreground))[segs]


def _watershed_one(img, *, sigma, compactness, foreground):
    if img.max() == img.min():
        return np.zeros(img.shape, dtype=bool)
    x = img.astype(np.float64)
    if sigma > 0:
        x = ndimage.gaussian_filter(x, sigma, mode="nearest")
    thr = _foreground_threshold(x, foreground)
    hi, lo = x > thr, x <= thr
    if not hi.any() or not lo.any():
        return hi
    # markers well inside each class: halfway between the threshold and each class mean; the
    # watershed of the gradient decides the bins in between
    mu_hi, mu_lo = x[hi].mean(), x[lo].mean()
    markers = np.zeros(img.shape, dtype=np.int32)
    markers[x <= 0.5 * (thr + mu_lo)] = 1
    markers[x >= 0.5 * (thr + mu_hi)] = 2
    if not (markers == 2).any():
        return np.zeros(img.shape, dtype=bool)
    ws = watershed(sobel(_normalise(x)), markers, compactness=compactness)
    return ws == 2


@validate_params(_GRAPH_PARAMS, prefer_skip_nested_validation=True)
def graph_segment(
    S,
    *,
    method="felzenszwalb",
    scale=100.0,
    sigma=0.5,
    min_size=20,
    foreground="otsu",
    compactness=0.0,
    n_jobs=None,
):
    """Graph-based or watershed segmentation, with background segments set to 0.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
        Spectrograms (dB recommended; any scale works: each image is rescaled to [0, 1]
        before segmentation, so ``scale`` does not depend on the units).
    method : {"felzenszwalb", "watershed"}
        ``"felzenszwalb"``: ``skimage.segmentation.felzenszwalb`` over-segments each image;
        a segment is foreground when its mean value exceeds the image's ``foreground``
        threshold. ``"watershed"``: ``skimage.segmentation.watershed`` of the Sobel gradient
        of the (Gaussian-smoothed, ``sigma``) image, with foreground / background markers at the
        bins beyond halfway between the ``foreground`` threshold of the smoothed image and the
        mean of each class.
    scale, sigma, min_size : float, float, int
        Felzenszwalb's parameters (higher ``scale``: larger segments; ``sigma``: Gaussian
        pre-smoothing; ``min_size``: minimum segment size in bins). ``sigma`` also smooths
        before the watershed.
    foreground : {"otsu", "li", "yen", "triangle", "mean"}
        Threshold of each image that decides which segments are foreground.
    compactness : float >= 0
        Watershed compactness.
    n_jobs : int or None
        joblib threads over images.

    Returns
    -------
    labels : np.ndarray [shape=(n, n_bins, n_frames), dtype=int32]
        8-connected components of the foreground of each image (adjacent foreground segments
        merge), 0 = background.

    Notes
    -----
    Runs one image at a time (scikit-image has no batch form of either algorithm).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.zeros((1, 20, 30))
    >>> S[0, 5:10, 4:20] = 40.0
    >>> (graph_segment(S, method="watershed") > 0).sum()
    np.int64(80)
    """
    S = check_images(S)
    return _graph_segment(S, method, scale, sigma, min_size, foreground, compactness, n_jobs)


def _graph_segment(S, method, scale, sigma, min_size, foreground, compactness, n_jobs):
    if method == "felzenszwalb":

        def one(img):
            return _felzenszwalb_one(
                img, scale=float(scale), sigma=float(sigma), min_size=int(min_size),
                foreground=foreground,
            )  # fmt: skip
    else:

        def one(img):
            return _watershed_one(
                img, sigma=float(sigma), compactness=float(compactness), foreground=foreground
            )

    return label_batch(map_images(one, S, n_jobs))


class GraphSegmenter(SpecskTransformer):
    """Felzenszwalb graph segmentation or watershed, with a foreground rule.

    See :func:`graph_segment`. Input: spectrograms (dB recommended); output: int32 label
    images of the input's shape (0 = background). Runs one image at a time; ``n_jobs``
    spreads images over joblib threads.

    Parameters
    ----------
    method : {"felzenszwalb", "watershed"}, default="felzenszwalb"
    scale : float, default=100
        Felzenszwalb's scale (on images rescaled to [0, 1]).
    sigma : float, default=0.5
        Gaussian pre-smoothing (both methods).
    min_size : int, default=20
        Felzenszwalb's minimum segment size (bins).
    foreground : {"otsu", "li", "yen", "triangle", "mean"}, default="otsu"
        Image threshold that segment means (Felzenszwalb) or foreground markers (watershed)
        must exceed.
    compactness : float, default=0.0
        Watershed compactness.
    n_jobs : int or None, default=None

    Examples
    --------
    >>> import numpy as np
    >>> S = np.zeros((2, 20, 30), dtype=np.float32)
    >>> S[:, 5:10, 4:20] = 40.0
    >>> GraphSegmenter().fit_transform(S).max(axis=(1, 2))
    array([1, 1], dtype=int32)
    """

    _input = "spectrogram"
    _output = "labels"
    _output_dtype = "int32"
    _kind = "segmentation"
    _stateless = True
    _spectrogram_ranks = (3,)

    _parameter_constraints: dict = _GRAPH_PARAMS

    def __init__(
        self,
        *,
        method="felzenszwalb",
        scale=100.0,
        sigma=0.5,
        min_size=20,
        foreground="otsu",
        compactness=0.0,
        n_jobs=None,
    ):
        self.method = method
        self.scale = scale
        self.sigma = sigma
        self.min_size = min_size
        self.foreground = foreground
        self.compactness = compactness
        self.n_jobs = n_jobs

    def _transform(self, X):
        return _graph_segment(
            X,
            self.method,
            self.scale,
            self.sigma,
            self.min_size,
            self.foreground,
            self.compactness,
            self.n_jobs,
        )

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{"min_size": 5}, {"method": "watershed"}]

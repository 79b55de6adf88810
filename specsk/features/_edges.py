"""Edge density and edge-magnitude statistics of spectrogram images, per frequency band."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy import ndimage as ndi
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ..utils._validation import Names, as_names
from ._image_kernels import (
    band_edges,
    channel_names,
    check_image_shape,
    image_shape_info,
    per_channel,
)

__all__ = ["EdgeFeatures", "edge_features", "edge_magnitude"]

EDGE_METHODS = ("sobel", "prewitt", "canny", "log")
_SMOOTH = {"sobel": np.array([1.0, 2.0, 1.0]) / 4, "prewitt": np.full(3, 1 / 3)}
_EDGE = np.array([1.0, 0.0, -1.0])
_SIGMA = [Interval(Real, 0, None, closed="neither")]
# one declaration, shared by edge_features (decorator) and EdgeFeatures
_EDGE_PARAMS: dict = {
    "methods": [Names(EDGE_METHODS)],
    "sigma": _SIGMA,
    "n_bands": [Interval(Integral, 1, None, closed="left")],
    "threshold": [Interval(Real, 0, 1, closed="right"), None],
}


@validate_params(
    {"method": [StrOptions({"sobel", "prewitt", "log"})], "sigma": _SIGMA},
    prefer_skip_nested_validation=True,
)
def edge_magnitude(S, method="sobel", *, sigma=1.0) -> np.ndarray:
    """Edge-strength map of every image of a batch.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
    method : {"sobel", "prewitt", "log"}
        ``"sobel"``/``"prewitt"``: ``skimage.filters.sobel``/``prewitt`` (gradient
        magnitude ``sqrt((g_f**2 + g_t**2) / 2)`` with scikit-image's kernels normalised to
        unit smoothing weight and ``mode='reflect'``), computed for the whole batch with one
        ``scipy.ndimage.convolve`` per axis (kernel size 1 on the batch axis).
        ``"log"``: ``|scipy.ndimage.gaussian_laplace(S[k], sigma)|`` per image, computed for
        the batch as the sum of two second-derivative Gaussian filters (sigma 0 on the
        batch axis).
    sigma : float
        Gaussian scale of ``"log"`` in pixels.

    Returns
    -------
    M : np.ndarray [shape=S.shape], dtype of ``S`` (float32 or float64)

    Examples
    --------
    >>> import numpy as np
    >>> S = np.zeros((1, 6, 6)); S[0, :, 3:] = 1.0
    >>> edge_magnitude(S, "sobel")[0, 0].round(3).tolist()
    [0.0, 0.0, 0.707, 0.707, 0.0, 0.0]
    """
    S = np.asarray(S)
    if S.dtype not in (np.float32, np.float64):
        S = S.astype(np.float32)
    return _edge_magnitude(S, method, sigma)


def _edge_magnitude(S, method, sigma):
    if method == "log":
        # ndi.gaussian_laplace(S, sigma=(0, s, s)) would be wrong on a batch: it adds the
        # order-2 "derivative" along the batch axis, which for sigma 0 is the identity (the
        # input itself). Sum the two image-axis second derivatives, as per image it does.
        sig = (0.0, sigma, sigma)
        lap = ndi.gaussian_filter(S, sig, order=(0, 2, 0), mode="reflect")
        lap += ndi.gaussian_filter(S, sig, order=(0, 0, 2), mode="reflect")
        return np.abs(lap)
    smooth = _SMOOTH[method]
    out = np.zeros_like(S)
    # same kernels, order of operations and final scaling as skimage's _generic_edge_filter
    for kernel in (_EDGE[:, None] * smooth[None, :], smooth[:, None] * _EDGE[None, :]):
        g = ndi.convolve(S, kernel[None], mode="reflect")
        g *= g
        out += g
    return np.sqrt(out) / np.sqrt(2, dtype=out.dtype)


def _threshold(M: np.ndarray, threshold) -> np.ndarray:
    """Per-image threshold: Otsu (None) or a fraction of the image's maximum magnitude."""
    if threshold is None:
        from skimage.filters import threshold_otsu

        return np.array(
            [threshold_otsu(m) if np.ptp(m) > 0 else np.inf for m in M], dtype=np.float64
        )
    return float(threshold) * M.reshape(len(M), -1).max(axis=1).astype(np.float64)


def _canny_edges(S: np.ndarray, sigma: float) -> np.ndarray:
    from skimage.feature import canny

    out = np.empty(S.shape, dtype=bool)
    for k, s in enumerate(S):
        lo, hi = s.min(), s.max()
        # min-max scaling makes skimage's default hysteresis thresholds (0.1, 0.2) mean the
        # same on power, amplitude and dB spectrograms
        s01 = (s - lo) / (hi - lo) if hi > lo else np.zeros_like(s)
        out[k] = canny(s01, sigma=sigma)
    return out


@validate_params(_EDGE_PARAMS, prefer_skip_nested_validation=True)
def edge_features(
    S, *, methods=("sobel", "prewitt", "canny", "log"), sigma=1.0, n_bands=1, threshold=None
) -> np.ndarray:
    """Edge density and magnitude statistics per method and frequency band.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
    methods : tuple of str
        ``"sobel"``, ``"prewitt"``, ``"log"`` (see :func:`edge_magnitude`) give four
        features per band: edge density (fraction of pixels whose magnitude exceeds the
        threshold), and mean, std and max of the magnitude. ``"canny"``
        (``skimage.feature.canny`` per image on the min-max scaled image, default
        hysteresis thresholds, Gaussian ``sigma``) gives the density of Canny edge pixels.
    sigma : float
        Gaussian scale of ``"canny"`` and ``"log"``.
    n_bands : int
        Contiguous frequency bands (low first).
    threshold : float in (0, 1] or None
        Edge threshold as a fraction of each image's maximum magnitude; None: Otsu's
        threshold of each image's magnitude.

    Returns
    -------
    F : np.ndarray [shape=(n, n_features)], float64
        Method-major, then band, then statistic (see ``EdgeFeatures.get_feature_names_out``).
    """
    S = np.asarray(S)
    if S.ndim != 3:
        raise ValueError(f"S must be 3-D (n, n_bins, n_frames), got shape {S.shape}")
    if n_bands > S.shape[1]:
        raise ValueError(f"n_bands must be in [1, {S.shape[1]}] (frequency bins), got {n_bands}")
    return _edge_features(S, methods, sigma, n_bands, threshold)


def _edge_features(S, methods, sigma, n_bands, threshold):
    methods = as_names(methods)
    edges = band_edges(S.shape[1], n_bands)
    cols = []
    for m in methods:
        if m == "canny":
            E = _canny_edges(S, sigma)
            for b in range(n_bands):
                cols.append(E[:, edges[b] : edges[b + 1]].mean(axis=(1, 2)))
            continue
        if S.dtype not in (np.float32, np.float64):
            S = S.astype(np.float32)
        M = _edge_magnitude(S, m, sigma).astype(np.float64)
        E = M > _threshold(M, threshold)[:, None, None]
        for b in range(n_bands):
            Mb = M[:, edges[b] : edges[b + 1]]
            cols += [
                E[:, edges[b] : edges[b + 1]].mean(axis=(1, 2)),
                Mb.mean(axis=(1, 2)),
                Mb.std(axis=(1, 2)),
                Mb.max(axis=(1, 2)),
            ]
    return np.stack(cols, axis=1)


def _edge_names(methods, n_bands) -> list[str]:
    names = []
    for m in methods:
        stats = ("density",) if m == "canny" else ("density", "mean", "std", "max")
        names += [f"edge_{m}_band{b}_{s}" for b in range(n_bands) for s in stats]
    return names


class EdgeFeatures(FeatureExtractorMixin, SpecskTransformer):
    """Edge density and edge-strength statistics, per detector and frequency band.

    Onsets, offsets and frequency sweeps are edges of the spectrogram image; how many there
    are and how strong, per frequency band, separates e.g. percussive from tonal sounds.
    Sobel and Prewitt match ``skimage.filters.sobel``/``prewitt`` per image and run on the
    whole batch at once (``scipy.ndimage`` with size 1 on the batch axis), as does the
    Laplacian of Gaussian; Canny uses ``skimage.feature.canny`` per image. See
    :func:`edge_features`.

    Parameters
    ----------
    methods : tuple of str, default=("sobel", "prewitt", "canny", "log")
    sigma : float, default=1.0
        Gaussian scale of Canny and LoG, in pixels.
    n_bands : int, default=1
        Contiguous frequency bands, low first.
    threshold : float in (0, 1] or None, default=None
        Edge threshold for density, as a fraction of each image's maximum magnitude; None
        uses Otsu's threshold per image.

    Attributes
    ----------
    image_shape_ : tuple of int
    n_channels_ : int or None

    Examples
    --------
    >>> import numpy as np
    >>> S = np.random.default_rng(0).random((3, 32, 24)).astype(np.float32)
    >>> ef = EdgeFeatures(methods=("sobel", "canny"), n_bands=2).fit(S)
    >>> ef.transform(S).shape
    (3, 10)
    >>> ef.get_feature_names_out()[:2].tolist()
    ['edge_sobel_band0_density', 'edge_sobel_band0_mean']
    """

    _input = "spectrogram"
    _kind = "feature"

    _parameter_constraints: dict = _EDGE_PARAMS

    # fit computes only what the parameters and the input shape fix: see specsk.base
    _learns_from_data = False

    def __init__(
        self, *, methods=("sobel", "prewitt", "canny", "log"), sigma=1.0, n_bands=1, threshold=None
    ):
        self.methods = methods
        self.sigma = sigma
        self.n_bands = n_bands
        self.threshold = threshold

    def _fit(self, X, y):
        self.image_shape_, self.n_channels_ = image_shape_info(X)
        if self.n_bands > self.image_shape_[0]:
            raise ValueError(
                f"n_bands={self.n_bands} exceeds the {self.image_shape_[0]} frequency bins: X "
                f"has {self.image_shape_[0]} feature(s) (bins), fewer than one per band"
            )
        return self

    def _transform(self, X):
        check_image_shape(self, X)
        F = per_channel(
            lambda S: _edge_features(S, self.methods, self.sigma, self.n_bands, self.threshold),
            X,
        )
        return F.astype(X.dtype, copy=False)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        methods = as_names(self.methods)
        return channel_names(_edge_names(methods, self.n_bands), self.n_channels_)

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{}, {"methods": ("sobel", "log"), "n_bands": 2, "threshold": 0.3}]

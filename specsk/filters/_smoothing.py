"""Linear and rank smoothing of spectrogram batches: Gaussian, median and Wiener filters."""

from __future__ import annotations

from numbers import Integral, Real

import numba
import numpy as np
from scipy import ndimage

from ..utils._parallel import effective_n_threads, numba_threads, run_chunked
from ..utils._sklearn_compat import Interval, validate_params
from ..utils._validation import Pair, as_pair
from ._common import MODE_CONSTRAINT, PAD_MODES, ImageFilter, as_planes, check_batch

__all__ = [
    "GaussianFilter",
    "MedianFilter",
    "WienerFilter",
    "gaussian_filter",
    "median_filter",
    "wiener_filter",
]

_AXES = (-2, -1)

# one declaration per technique, shared by the function (decorator) and the estimator
_SIZE = Pair(Integral, 1, None, closed="left")
_N_JOBS = [Integral, None]
_GAUSSIAN_PARAMS = {
    "sigma": [Pair(Real, 0, None, closed="left")],
    "mode": [MODE_CONSTRAINT],
    "truncate": [Interval(Real, 0, None, closed="neither")],
}
_MEDIAN_PARAMS = {"size": [_SIZE], "mode": [MODE_CONSTRAINT], "n_jobs": _N_JOBS}
_WIENER_PARAMS = {
    "size": [_SIZE],
    "noise": [Interval(Real, 0, None, closed="left"), None],
    "n_jobs": _N_JOBS,
}


def _gaussian_filter(S, sigma, mode, truncate):
    # sigma 0 on the batch/channel axes: scipy filters only the two image axes, in one call
    sigma = as_pair(sigma, integer=False)
    return ndimage.gaussian_filter(S, sigma=sigma, mode=mode, truncate=float(truncate), axes=_AXES)


@validate_params(_GAUSSIAN_PARAMS, prefer_skip_nested_validation=True)
def gaussian_filter(S, *, sigma=(1.0, 1.0), mode="reflect", truncate=4.0):
    """Gaussian smoothing of every image of a batch.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Spectrogram batch.
    sigma : float or (float, float), default=(1.0, 1.0)
        Standard deviation in bins (frequency) and frames (time); a scalar means both. 0 leaves
        that axis unfiltered.
    mode : {"reflect", "constant", "nearest", "mirror", "wrap"}, default="reflect"
        Boundary extension, as in :func:`scipy.ndimage.gaussian_filter` (``"constant"`` pads
        with 0).
    truncate : float, default=4.0
        Kernel half-width in standard deviations.

    Returns
    -------
    S_filtered : np.ndarray, same shape and dtype as ``S``
        Equal to :func:`scipy.ndimage.gaussian_filter` applied to each 2-D image alone.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import gaussian_filter
    >>> S = np.random.default_rng(0).random((4, 32, 20), dtype=np.float32)
    >>> gaussian_filter(S, sigma=(2.0, 1.0)).shape
    (4, 32, 20)
    """
    return _gaussian_filter(check_batch(S), sigma, mode, truncate)


# windows up to this many pixels use the compiled selection loop; larger ones scipy's
# rank filter (the loop sorts each window, so its cost grows with the square of the area)
_MEDIAN_NUMBA_MAX_AREA = 49


@numba.njit(inline="always")
def _med3(a, b, c):  # pragma: no cover - compiled
    return max(min(a, b), min(max(a, b), c))


@numba.njit(parallel=True, cache=True)
def _median3x3_kernel(padded, out):  # pragma: no cover - compiled
    # median of 9 = median of (max of column minima, median of column medians, min of column
    # maxima) once each column of 3 is sorted; a column is sorted once and reused by the
    # three windows that contain it. Branch-free min/max throughout.
    n, rows, cols = out.shape
    for task in numba.prange(n * rows):
        i = task // rows
        r = task % rows
        lo0 = md0 = hi0 = lo1 = md1 = hi1 = padded[i, r, 0]
        for c in range(cols + 2):
            a = padded[i, r, c]
            b = padded[i, r + 1, c]
            d = padded[i, r + 2, c]
            lo = min(min(a, b), d)
            hi = max(max(a, b), d)
            md = _med3(a, b, d)
            if c >= 2:
                out[i, r, c - 2] = _med3(
                    max(max(lo0, lo1), lo), _med3(md0, md1, md), min(min(hi0, hi1), hi)
                )
            lo0, md0, hi0 = lo1, md1, hi1
            lo1, md1, hi1 = lo, md, hi


@numba.njit(parallel=True, cache=True)
def _median_kernel(padded, kh, kw, out):  # pragma: no cover - compiled
    n, rows, cols = out.shape
    area = kh * kw
    mid = area // 2
    for task in numba.prange(n * rows):
        i = task // rows
        r = task % rows
        buf = np.empty(area, dtype=padded.dtype)
        for c in range(cols):
            k = 0
            for a in range(kh):
                for b in range(kw):
                    # insertion by compare-exchange: branch-free min/max, which beats a
                    # branching sort on noisy data by avoiding mispredictions
                    v = padded[i, r + a, c + b]
                    for j in range(k):
                        low = min(buf[j], v)
                        v = max(buf[j], v)
                        buf[j] = low
                    buf[k] = v
                    k += 1
            # scipy's median_filter is a rank filter of rank area // 2 (upper median)
            out[i, r, c] = buf[mid]


def _median_filter(S, size, mode, n_jobs=None):
    n_threads = effective_n_threads(n_jobs)
    size = as_pair(size, integer=True)
    kh, kw = size
    if kh * kw > _MEDIAN_NUMBA_MAX_AREA or kh > S.shape[-2] or kw > S.shape[-1]:
        return ndimage.median_filter(S, size=size, mode=mode, axes=_AXES)
    planes = as_planes(S)
    # scipy's window for size k and origin 0 spans k // 2 before and k - 1 - k // 2 after
    pad = ((0, 0), (kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2))
    padded = np.pad(planes, pad, mode=PAD_MODES[mode])
    out = np.empty_like(planes)
    with numba_threads(n_threads):
        if size == (3, 3):
            _median3x3_kernel(padded, out)
        else:
            _median_kernel(padded, kh, kw, out)
    return out.reshape(S.shape)


@validate_params(_MEDIAN_PARAMS, prefer_skip_nested_validation=True)
def median_filter(S, *, size=(3, 3), mode="reflect", n_jobs=None):
    """Median filter of every image of a batch (salt-and-pepper and click removal).

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Spectrogram batch.
    size : int or (int, int), default=(3, 3)
        Window in bins and frames; a scalar means both. A window larger than the image is
        allowed: the image is extended by ``mode``, as scipy does.
    mode : {"reflect", "constant", "nearest", "mirror", "wrap"}, default="reflect"
        Boundary extension, as in :func:`scipy.ndimage.median_filter`.
    n_jobs : int or None, default=None
        Threads of the compiled loop: None means 1 unless in a
        ``joblib.parallel_config(n_jobs=...)`` context, -1 means all cores (see
        :func:`specsk.utils.effective_n_threads`). The result does not depend on it.

    Returns
    -------
    S_filtered : np.ndarray, same shape and dtype as ``S``
        Equal to :func:`scipy.ndimage.median_filter` applied to each 2-D image alone (an
        even-sized window gives the upper median, as there). Windows of up to 49 pixels run in
        a compiled loop parallel over images and rows (``n_jobs`` threads); larger ones use
        SciPy on the batch (one thread).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import median_filter
    >>> S = np.random.default_rng(0).random((4, 32, 20), dtype=np.float32)
    >>> median_filter(S, size=(3, 5)).dtype
    dtype('float32')
    """
    return _median_filter(check_batch(S), size, mode, n_jobs)


def _wiener_filter(S, size, noise, n_jobs=None):
    # every plane is filtered on its own (noise included), so blocks of planes can go to
    # threads; NumPy's passes release the GIL (SciPy's uniform filter does not)
    size = as_pair(size, integer=True)
    noise = None if noise is None else float(noise)
    out = run_chunked(_wiener_planes, as_planes(S), n_jobs, size, noise, S.dtype)
    return out.reshape(S.shape)


def _wiener_planes(planes, size, noise, dtype):
    planes = planes.astype(np.float64)
    # scipy.signal.wiener correlates with a box of ones in "same" mode, i.e. zero padding; the
    # box of uniform_filter with mode="constant" has the same alignment for odd and even sizes.
    # float64 because the local variance is a difference of two close numbers.
    mean = ndimage.uniform_filter(planes, size=size, mode="constant", axes=_AXES)
    var = ndimage.uniform_filter(planes * planes, size=size, mode="constant", axes=_AXES)
    var -= mean * mean
    if noise is None:
        noise = var.mean(axis=_AXES, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = (planes - mean) * (1.0 - noise / var) + mean
    # "<=" rather than scipy's "<": identical where var == noise (the gain is 0 there) but a
    # flat image (var == noise == 0) gives its mean instead of NaN
    out = np.where(var <= noise, mean, res)
    return out.astype(dtype, copy=False)


@validate_params(_WIENER_PARAMS, prefer_skip_nested_validation=True)
def wiener_filter(S, *, size=(5, 5), noise=None, n_jobs=None):
    """Adaptive (Wiener) noise reduction of every image of a batch.

    Each pixel is pulled towards its local mean by ``1 - noise / local_variance`` (and set to
    the local mean where the local variance is below the noise power), as
    :func:`scipy.signal.wiener` does, but for the whole batch at once with
    :func:`scipy.ndimage.uniform_filter`.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Spectrogram batch.
    size : int or (int, int), default=(5, 5)
        Window for the local mean and variance (bins, frames). Outside the image the values
        are taken as 0, as in SciPy.
    noise : float or None, default=None
        Noise power. None estimates it per image (per 2-D plane of a 4-D batch) as the mean
        local variance, exactly like SciPy does for one image.
    n_jobs : int or None, default=None
        Threads over blocks of images: None means 1 unless in a
        ``joblib.parallel_config(n_jobs=...)`` context, -1 means all cores (see
        :func:`specsk.utils.effective_n_threads`). The result does not depend on it.

    Returns
    -------
    S_filtered : np.ndarray, same shape and dtype as ``S``
        Equal to ``scipy.signal.wiener(image, size, noise)`` for each 2-D image (computed in
        float64, returned in the input dtype). A flat image is returned unchanged where SciPy
        returns NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import wiener_filter
    >>> S = np.random.default_rng(0).random((4, 32, 20), dtype=np.float32)
    >>> wiener_filter(S, size=3).shape
    (4, 32, 20)
    """
    return _wiener_filter(check_batch(S), size, noise, n_jobs)


class GaussianFilter(ImageFilter):
    """Gaussian smoothing of spectrogram images (batched :func:`scipy.ndimage.gaussian_filter`).

    Parameters
    ----------
    sigma : float or (float, float), default=(1.0, 1.0)
        Standard deviation in bins (frequency) and frames (time); a scalar means both.
    mode : {"reflect", "constant", "nearest", "mirror", "wrap"}, default="reflect"
        Boundary extension.
    truncate : float, default=4.0
        Kernel half-width in standard deviations.

    Attributes
    ----------
    n_features_in_ : int
        Size of axis 1 of the batch seen in ``fit``.

    See Also
    --------
    gaussian_filter : the function this estimator calls.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import GaussianFilter
    >>> S = np.random.default_rng(0).random((4, 32, 20), dtype=np.float32)
    >>> GaussianFilter(sigma=(2.0, 1.0)).fit_transform(S).shape
    (4, 32, 20)
    """

    _parameter_constraints = _GAUSSIAN_PARAMS

    def __init__(self, *, sigma=(1.0, 1.0), mode="reflect", truncate=4.0):
        self.sigma = sigma
        self.mode = mode
        self.truncate = truncate

    def _transform(self, X):
        return _gaussian_filter(X, self.sigma, self.mode, self.truncate)

    @classmethod
    def _get_test_params(cls):
        return [{}, {"sigma": (2.0, 0.5), "mode": "nearest", "truncate": 2.0}]


class MedianFilter(ImageFilter):
    """Median filter of spectrogram images (batched :func:`scipy.ndimage.median_filter`).

    Parameters
    ----------
    size : int or (int, int), default=(3, 3)
        Window in bins and frames; a scalar means both.
    mode : {"reflect", "constant", "nearest", "mirror", "wrap"}, default="reflect"
        Boundary extension.
    n_jobs : int or None, default=None
        Threads of the compiled loop: None means 1 unless in a
        ``joblib.parallel_config(n_jobs=...)`` context, -1 means all cores (see
        :func:`specsk.utils.effective_n_threads`). The result does not depend on it.

    Attributes
    ----------
    n_features_in_ : int
        Size of axis 1 of the batch seen in ``fit``.

    See Also
    --------
    median_filter : the function this estimator calls.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import MedianFilter
    >>> S = np.random.default_rng(0).random((4, 32, 20), dtype=np.float32)
    >>> MedianFilter(size=(3, 5)).fit_transform(S).shape
    (4, 32, 20)
    """

    _parameter_constraints = _MEDIAN_PARAMS

    def __init__(self, *, size=(3, 3), mode="reflect", n_jobs=None):
        self.size = size
        self.mode = mode
        self.n_jobs = n_jobs

    def _transform(self, X):
        return _median_filter(X, self.size, self.mode, self.n_jobs)

    @classmethod
    def _get_test_params(cls):
        return [{}, {"size": (5, 1), "mode": "wrap", "n_jobs": 2}]


class WienerFilter(ImageFilter):
    """Adaptive Wiener noise reduction of spectrogram images (batched ``scipy.signal.wiener``).

    Parameters
    ----------
    size : int or (int, int), default=(5, 5)
        Window for the local mean and variance (bins, frames).
    noise : float or None, default=None
        Noise power; None estimates it per image as the mean local variance.
    n_jobs : int or None, default=None
        Threads over blocks of images: None means 1 unless in a
        ``joblib.parallel_config(n_jobs=...)`` context, -1 means all cores (see
        :func:`specsk.utils.effective_n_threads`). The result does not depend on it.

    Attributes
    ----------
    n_features_in_ : int
        Size of axis 1 of the batch seen in ``fit``.

    See Also
    --------
    wiener_filter : the function this estimator calls.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import WienerFilter
    >>> S = np.random.default_rng(0).random((4, 32, 20), dtype=np.float32)
    >>> WienerFilter(size=3).fit_transform(S).shape
    (4, 32, 20)
    """

    _parameter_constraints = _WIENER_PARAMS

    def __init__(self, *, size=(5, 5), noise=None, n_jobs=None):
        self.size = size
        self.noise = noise
        self.n_jobs = n_jobs

    def _transform(self, X):
        return _wiener_filter(X, self.size, self.noise, self.n_jobs)

    @classmethod
    def _get_test_params(cls):
        return [{}, {"size": (3, 4), "noise": 0.5, "n_jobs": 2}]

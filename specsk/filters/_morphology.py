"""Grey-level mathematical morphology on spectrogram batches (scipy.ndimage)."""

from __future__ import annotations

from numbers import Integral

import numba
import numpy as np
from scipy import ndimage

from ..utils._parallel import effective_n_threads, numba_threads
from ..utils._sklearn_compat import StrOptions, validate_params
from ..utils._validation import Pair, as_pair
from ._common import ImageFilter, as_planes, check_batch

__all__ = ["Morphology", "morphology"]

OPERATIONS = ("erosion", "dilation", "opening", "closing", "white_tophat", "black_tophat")
# one declaration, shared by morphology (decorator) and Morphology
_MORPHOLOGY_PARAMS = {
    "operation": [StrOptions(set(OPERATIONS))],
    "size": [Pair(Integral, 1, None, closed="left")],
    "footprint": ["array-like", None],
    "n_jobs": [Integral, None],
}


# rectangles up to this side use the compiled running min/max; longer ones scipy's
_NUMBA_MAX_SIDE = 15


@numba.njit(parallel=True, cache=True)
def _rect_minmax_kernel(padded, kh, kw, take_max, out):  # pragma: no cover - compiled
    # separable: min/max over kw along time, then over kh along frequency; branch-free min/max
    n, rows, cols = out.shape
    prow = padded.shape[1]
    for i in numba.prange(n):
        tmp = np.empty((prow, cols), dtype=padded.dtype)
        for r in range(prow):
            for c in range(cols):
                v = padded[i, r, c]
                for b in range(1, kw):
                    w = padded[i, r, c + b]
                    v = max(v, w) if take_max else min(v, w)
                tmp[r, c] = v
        for r in range(rows):
            for c in range(cols):
                v = tmp[r, c]
                for a in range(1, kh):
                    w = tmp[r + a, c]
                    v = max(v, w) if take_max else min(v, w)
                out[i, r, c] = v


def _rect_filter(x, size, origin, take_max):
    (kh, kw), (rows, cols) = size, x.shape[-2:]
    if max(kh, kw) > _NUMBA_MAX_SIDE or kh > rows or kw > cols:
        f = ndimage.maximum_filter if take_max else ndimage.minimum_filter
        return f(x, size=size, mode="reflect", origin=origin, axes=(-2, -1))
    # scipy's window for size k and origin o starts k // 2 + o samples before the pixel
    pad = [(0, 0)] + [(k // 2 + o, k - 1 - k // 2 - o) for k, o in zip(size, origin, strict=True)]
    out = np.empty_like(x)
    _rect_minmax_kernel(np.pad(x, pad, mode="symmetric"), kh, kw, take_max, out)
    return out


def _rect_ops(size):
    # scikit-image centres an even-sized footprint one pixel later than scipy does (it pads
    # the footprint at the start); origin -1 on even axes reproduces that for the single
    # operations, and the second operation of an opening/closing undoes the shift (origin 0)
    shifted = tuple(-(1 - s % 2) for s in size)

    def ero(x, second=False):
        return _rect_filter(x, size, (0, 0) if second else shifted, take_max=False)

    def dil(x, second=False):
        return _rect_filter(x, size, (0, 0) if second else shifted, take_max=True)

    return ero, dil


def _footprint_ops(fp):
    # the rules of skimage.morphology: the footprint is padded at the start to odd sizes, and
    # dilation mirrors it before scipy (which mirrors it again)
    pad = [(1, 0) if s % 2 == 0 else (0, 0) for s in fp.shape]
    fp = np.pad(fp, pad)
    mirrored = fp[::-1, ::-1]
    fp3, mir3 = fp[None], mirrored[None]

    def ero(x, second=False):
        return ndimage.grey_erosion(x, footprint=mir3 if second else fp3, mode="reflect")

    def dil(x, second=False):
        return ndimage.grey_dilation(x, footprint=fp3 if second else mir3, mode="reflect")

    return ero, dil


def _check_footprint(footprint):
    # what a constraint cannot say: the footprint's rank and content
    fp = np.asarray(footprint)
    if fp.ndim != 2 or 0 in fp.shape or fp.dtype.kind not in "biuf":
        raise ValueError(
            "footprint must be a non-empty 2-D array of booleans or 0/1 (frequency, time), got "
            f"{'shape ' + str(fp.shape) if fp.dtype.kind in 'biuf' else 'dtype ' + str(fp.dtype)}"
        )
    fp = fp.astype(bool)
    if not fp.any():
        raise ValueError("footprint must contain at least one True element")
    return fp


def _morphology(S, operation, size, footprint, n_jobs=None):
    size = as_pair(size, integer=True)
    if footprint is not None:
        footprint = _check_footprint(footprint)
    with numba_threads(effective_n_threads(n_jobs)):
        return _morphology_planes(S, operation, size, footprint)


def _morphology_planes(S, operation, size, footprint):
    planes = as_planes(S)
    if footprint is None or np.all(footprint):
        if footprint is not None:
            size = footprint.shape
        ero, dil = _rect_ops(size)  # separable running min/max: fast
    else:
        ero, dil = _footprint_ops(footprint)
    if operation == "erosion":
        out = ero(planes)
    elif operation == "dilation":
        out = dil(planes)
    elif operation in ("opening", "white_tophat"):
        out = dil(ero(planes), second=True)
        if operation == "white_tophat":
            out = planes - out
    else:  # closing, black_tophat
        out = ero(dil(planes), second=True)
        if operation == "black_tophat":
            out = out - planes
    return out.reshape(S.shape)


@validate_params(_MORPHOLOGY_PARAMS, prefer_skip_nested_validation=True)
def morphology(S, *, operation="opening", size=(3, 3), footprint=None, n_jobs=None):
    """Grey-level morphology of every image of a batch.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Spectrogram batch.
    operation : {"erosion", "dilation", "opening", "closing", "white_tophat", \
"black_tophat"}, default="opening"
        Opening removes bright specks smaller than the footprint; closing fills dark gaps;
        the white top-hat keeps only bright details smaller than the footprint (e.g. short
        calls above a slowly varying background).
    size : int or (int, int), default=(3, 3)
        Rectangular footprint in bins and frames; a scalar means both. A footprint larger than
        the image is allowed: the image is extended by reflection.
    footprint : array-like of bool [shape=(h, w)] or None, default=None
        Any other footprint (frequency, time); overrides ``size``.
    n_jobs : int or None, default=None
        Threads of the compiled loop that rectangular footprints up to 15 pixels a side run
        in (other footprints use SciPy, one thread): None means 1 unless in a
        ``joblib.parallel_config(n_jobs=...)`` context, -1 means all cores (see
        :func:`specsk.utils.effective_n_threads`). The result does not depend on it.

    Returns
    -------
    S_out : np.ndarray, same shape and dtype as ``S``
        Equal to the ``skimage.morphology`` function of the same name applied to each image with
        the same footprint (``mode="reflect"``, scikit-image's default), even-sized footprints
        included.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import morphology
    >>> S = np.zeros((1, 9, 9)); S[0, 4, 4] = 1.0          # an isolated bright pixel
    >>> float(morphology(S, operation="opening").max())      # is removed by an opening
    0.0
    """
    return _morphology(check_batch(S), operation, size, footprint, n_jobs)


class Morphology(ImageFilter):
    """Grey-level morphology (erosion, dilation, opening, closing, top-hats) of spectrograms.

    Batched :mod:`scipy.ndimage` grey morphology, equal per image to ``skimage.morphology``;
    see :func:`morphology`.

    Parameters
    ----------
    operation : {"erosion", "dilation", "opening", "closing", "white_tophat", \
"black_tophat"}, default="opening"
        The operation.
    size : int or (int, int), default=(3, 3)
        Rectangular footprint (bins, frames).
    footprint : array-like of bool or None, default=None
        Any other footprint; overrides ``size``. Pass it as a tuple of tuples to keep the
        estimator's parameters hashable (for ``Pipeline(memory=...)``).
    n_jobs : int or None, default=None
        Threads of the compiled loop (rectangular footprints): None means 1 unless in a
        ``joblib.parallel_config(n_jobs=...)`` context, -1 means all cores (see
        :func:`specsk.utils.effective_n_threads`). The result does not depend on it.

    Attributes
    ----------
    n_features_in_ : int
        Size of axis 1 of the batch seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import Morphology
    >>> S = np.random.default_rng(0).random((4, 32, 20), dtype=np.float32)
    >>> Morphology(operation="white_tophat", size=(1, 9)).fit_transform(S).shape
    (4, 32, 20)
    """

    _parameter_constraints = _MORPHOLOGY_PARAMS

    def __init__(self, *, operation="opening", size=(3, 3), footprint=None, n_jobs=None):
        self.operation = operation
        self.size = size
        self.footprint = footprint
        self.n_jobs = n_jobs

    def _transform(self, X):
        return _morphology(X, self.operation, self.size, self.footprint, self.n_jobs)

    @classmethod
    def _get_test_params(cls):
        return [
            {},
            {"operation": "white_tophat", "size": (2, 5), "n_jobs": 2},
            {"operation": "dilation", "footprint": ((0, 1, 0), (1, 1, 1), (0, 1, 0))},
        ]

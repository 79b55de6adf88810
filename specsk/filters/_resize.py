"""Resize spectrogram batches to a fixed image size (separable resampling matrices)."""

from __future__ import annotations

import functools
from numbers import Integral

import numpy as np

from ..utils._sklearn_compat import Interval, validate_params
from ..utils._validation import Pair, as_pair
from ._common import ImageFilter, as_planes, check_batch

__all__ = ["Resize", "resize"]


@functools.lru_cache(maxsize=64)
def _resize_matrix(n_in: int, n_out: int, order: int, anti_aliasing: bool) -> np.ndarray:
    """The (n_out, n_in) matrix of skimage's 1-D resize (anti-aliasing + spline zoom).

    Every step of ``skimage.transform.resize`` before its final clipping (Gaussian
    anti-aliasing, spline prefilter, interpolation, boundary extension) is linear and acts on
    each axis separately, so resizing an image is ``A_f @ image @ A_t.T``. The matrix is read
    off by resizing the identity along one axis only (factor 1 on the other axis leaves it
    untouched); a whole batch then costs two large matrix products.
    """
    from skimage.transform import resize as sk_resize

    return sk_resize(
        np.eye(n_in),
        (n_out, n_in),
        order=order,
        mode="reflect",
        anti_aliasing=anti_aliasing,
        clip=False,
        preserve_range=True,
    )


# one declaration, shared by resize (decorator) and Resize
_RESIZE_PARAMS = {
    "shape": [Pair(Integral, 1, None, closed="left")],
    "order": [Interval(Integral, 0, 5, closed="both")],
    "anti_aliasing": ["boolean"],
}


def _resize(S, shape, order, anti_aliasing):
    order, anti_aliasing = int(order), bool(anti_aliasing)
    planes = as_planes(S)
    m, n_b, n_t = planes.shape
    o_b, o_t = as_pair(shape, integer=True)
    out = planes
    # each axis as ONE large matrix product over the whole batch (a stack of small products
    # pays BLAS call and threading overhead per image)
    if o_t != n_t:
        a_t = _resize_matrix(n_t, o_t, order, anti_aliasing).astype(S.dtype)
        out = (out.reshape(m * n_b, n_t) @ a_t.T).reshape(m, n_b, o_t)
    if o_b != n_b:
        a_f = _resize_matrix(n_b, o_b, order, anti_aliasing).astype(S.dtype)
        out = np.tensordot(a_f, out, axes=(1, 1)).transpose(1, 0, 2)  # (o_b, m, .) -> (m, o_b, .)
        out = np.ascontiguousarray(out)
    if out is planes:
        return S.copy()
    if order > 1:
        # skimage clips to the input range (spline overshoot); order 0/1 never leave it
        lo = planes.min(axis=(1, 2), keepdims=True)
        hi = planes.max(axis=(1, 2), keepdims=True)
        np.clip(out, lo, hi, out=out)
    return out.reshape((*S.shape[:-2], o_b, o_t))


@validate_params(_RESIZE_PARAMS, prefer_skip_nested_validation=True)
def resize(S, *, shape=(128, 128), order=1, anti_aliasing=True):
    """Resize every image of a batch to ``shape`` (e.g. a fixed input size for a CNN).

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Spectrogram batch.
    shape : int or (int, int), default=(128, 128)
        Output ``(n_bins, n_frames)``; a scalar means both.
    order : int in [0, 5], default=1
        Spline interpolation order (0 nearest, 1 bilinear, 3 bicubic).
    anti_aliasing : bool, default=True
        Gaussian smoothing before down-sampling (sigma ``(factor - 1) / 2`` per axis), as in
        scikit-image.

    Returns
    -------
    S_resized : np.ndarray [shape=(n, o_bins, o_frames) or (n, n_channels, o_bins, o_frames)]
        Same dtype as ``S``; equal to ``skimage.transform.resize(image, shape, order=order,
        anti_aliasing=anti_aliasing)`` for each 2-D image (mode ``"reflect"``; the output is
        clipped to each image's input range, as scikit-image does).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import resize
    >>> S = np.random.default_rng(0).random((4, 2, 40, 100), dtype=np.float32)
    >>> resize(S, shape=(32, 64)).shape
    (4, 2, 32, 64)
    """
    return _resize(check_batch(S), shape, order, anti_aliasing)


class Resize(ImageFilter):
    """Resize spectrogram images to a fixed size (batched ``skimage.transform.resize``).

    Parameters
    ----------
    shape : int or (int, int), default=(128, 128)
        Output ``(n_bins, n_frames)``.
    order : int in [0, 5], default=1
        Spline interpolation order.
    anti_aliasing : bool, default=True
        Gaussian smoothing before down-sampling.

    Attributes
    ----------
    n_features_in_ : int
        Size of axis 1 of the batch seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import Resize
    >>> S = np.random.default_rng(0).random((4, 40, 100), dtype=np.float32)
    >>> Resize(shape=(32, 32)).fit_transform(S).shape
    (4, 32, 32)
    """

    _parameter_constraints = _RESIZE_PARAMS

    def __init__(self, *, shape=(128, 128), order=1, anti_aliasing=True):
        self.shape = shape
        self.order = order
        self.anti_aliasing = anti_aliasing

    def _transform(self, X):
        return _resize(X, self.shape, self.order, self.anti_aliasing)

    @classmethod
    def _get_test_params(cls):
        return [{"shape": (16, 16)}, {"shape": (40, 12), "order": 3, "anti_aliasing": False}]

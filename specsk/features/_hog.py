"""Histogram of oriented gradients (HOG) of spectrogram images."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ..utils._validation import Pair, as_pair
from ._image_kernels import channel_names, check_image_shape, image_shape_info, per_channel

__all__ = ["HOGFeatures", "hog_features"]

_BLOCK_NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")


_CELLS = Pair(Integral, 1, None, closed="left", scalar=False)
# one declaration, shared by hog_features (decorator) and HOGFeatures
_HOG_PARAMS: dict = {
    "orientations": [Interval(Integral, 1, None, closed="left")],
    "pixels_per_cell": [_CELLS],
    "cells_per_block": [_CELLS],
    "block_norm": [StrOptions(set(_BLOCK_NORMS))],
}


def _hog_grid(shape, pixels_per_cell, cells_per_block) -> tuple[int, int]:
    """Blocks along (frequency, time); raises if the image holds no full block."""
    cr, cc = shape[0] // pixels_per_cell[0], shape[1] // pixels_per_cell[1]
    br, bc = cr - cells_per_block[0] + 1, cc - cells_per_block[1] + 1
    if br < 1 or bc < 1:
        raise ValueError(
            f"X has {shape[0]} feature(s) (frequency bins): images of shape {tuple(shape)} "
            f"(n_bins, n_frames) hold {cr} x {cc} cells of "
            f"pixels_per_cell={tuple(pixels_per_cell)}, fewer than one block of "
            f"cells_per_block={tuple(cells_per_block)}; use smaller cells or blocks"
        )
    return br, bc


@validate_params(_HOG_PARAMS, prefer_skip_nested_validation=True)
def hog_features(
    S, *, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2), block_norm="L2-Hys"
) -> np.ndarray:
    """HOG descriptors of a batch of images (``skimage.feature.hog`` per image).

    scikit-image's HOG has no batched form, so this loops over images in Python; each call
    is compiled code and the descriptor is small, so the loop costs little next to the
    gradients themselves.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
    orientations : int
        Orientation bins (unsigned gradients, 0-180 degrees).
    pixels_per_cell, cells_per_block : (int, int)
        ``(frequency, time)`` sizes.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}

    Returns
    -------
    H : np.ndarray [shape=(n, n_blocks_f * n_blocks_t * cells_f * cells_t * orientations)]
        Ordered as ``skimage.feature.hog(..., feature_vector=True)``; float64.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.random.default_rng(0).random((2, 32, 24))
    >>> hog_features(S, pixels_per_cell=(8, 8), cells_per_block=(2, 2)).shape
    (2, 216)
    """
    S = np.asarray(S)
    if S.ndim != 3:
        raise ValueError(f"S must be 3-D (n, n_bins, n_frames), got shape {S.shape}")
    return _hog_features(S, orientations, pixels_per_cell, cells_per_block, block_norm)


def _hog_features(S, orientations, pixels_per_cell, cells_per_block, block_norm):
    from skimage.feature import hog

    ppc = as_pair(pixels_per_cell, integer=True)
    cpb = as_pair(cells_per_block, integer=True)
    _hog_grid(S.shape[1:], ppc, cpb)
    return np.stack(
        [
            hog(
                s,
                orientations=orientations,
                pixels_per_cell=ppc,
                cells_per_block=cpb,
                block_norm=block_norm,
                feature_vector=True,
            )
            for s in S
        ]
    ).astype(np.float64, copy=False)


class HOGFeatures(FeatureExtractorMixin, SpecskTransformer):
    """Histogram of oriented gradients of each spectrogram.

    Equal to ``skimage.feature.hog(S[k], ..., feature_vector=True)`` per image. There is no
    batched route in scikit-image, so the images are processed one call each (see
    :func:`hog_features`). Cells and blocks are given as ``(frequency, time)`` sizes: HOG on
    a spectrogram describes where in time and frequency rising/falling or sweeping energy
    sits (chirps give oblique gradients, onsets horizontal ones).

    Parameters
    ----------
    orientations : int, default=9
        Orientation bins.
    pixels_per_cell : (int, int), default=(8, 8)
        Cell size ``(bins, frames)``.
    cells_per_block : (int, int), default=(2, 2)
        Block size in cells, for the normalisation.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}, default="L2-Hys"

    Attributes
    ----------
    image_shape_ : tuple of int
    n_channels_ : int or None
    n_blocks_ : (int, int)
        Blocks along frequency and time.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.random.default_rng(0).random((3, 32, 24)).astype(np.float32)
    >>> hogf = HOGFeatures(pixels_per_cell=(8, 8), cells_per_block=(2, 2)).fit(S)
    >>> hogf.transform(S).shape
    (3, 216)
    >>> hogf.get_feature_names_out()[0]
    'hog_bf0_bt0_cf0_ct0_o0'
    """

    _input = "spectrogram"
    _kind = "feature"

    _parameter_constraints: dict = _HOG_PARAMS

    # fit computes only what the parameters and the input shape fix: see specsk.base
    _learns_from_data = False

    def __init__(
        self, *, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2), block_norm="L2-Hys"
    ):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm

    def _fit(self, X, y):
        ppc = as_pair(self.pixels_per_cell, integer=True)
        cpb = as_pair(self.cells_per_block, integer=True)
        self.image_shape_, self.n_channels_ = image_shape_info(X)
        self.n_blocks_ = _hog_grid(self.image_shape_, ppc, cpb)
        return self

    def _transform(self, X):
        check_image_shape(self, X)
        F = per_channel(
            lambda S: _hog_features(
                S, self.orientations, self.pixels_per_cell, self.cells_per_block, self.block_norm
            ),
            X,
        )
        return F.astype(X.dtype, copy=False)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        cpb = as_pair(self.cells_per_block, integer=True)
        names = [
            f"hog_bf{i}_bt{j}_cf{a}_ct{b}_o{o}"
            for i in range(self.n_blocks_[0])
            for j in range(self.n_blocks_[1])
            for a in range(cpb[0])
            for b in range(cpb[1])
            for o in range(self.orientations)
        ]
        return channel_names(names, self.n_channels_)

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{"pixels_per_cell": (8, 8), "cells_per_block": (2, 2), "orientations": 6}]

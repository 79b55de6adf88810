"""Helpers shared by the image filters: input check, boundary modes and the plane view of a batch.

Parameters are declared once per technique (a constraints dict that the estimator and its
function twin share) and checked by scikit-learn's validation; see ``specsk.utils.validation``.
"""

from __future__ import annotations

import numpy as np

from ..base import SpecskTransformer
from ..utils._sklearn_compat import StrOptions
from ..utils._validation import check_spectrograms

# scipy.ndimage boundary modes that make sense for spectrograms (cval is always 0)
NDIMAGE_MODES = ("reflect", "constant", "nearest", "mirror", "wrap")
# the same extensions under their numpy.pad names
PAD_MODES = {
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
    "constant": "constant",
}
MODE_CONSTRAINT = StrOptions(set(NDIMAGE_MODES))


def check_batch(S, name: str = "S") -> np.ndarray:
    """Validate a 3-D/4-D spectrogram batch (float32/float64 kept)."""
    return check_spectrograms(S, name=name)


def as_planes(S: np.ndarray) -> np.ndarray:
    """View ``S`` as a stack of 2-D images ``(n * n_channels, n_bins, n_frames)``.

    Every filter treats each (clip, channel) plane as one image: channels of a 4-D batch may be
    different representations (mel, CQT, ...) and must not be mixed either.
    """
    return S.reshape((-1, *S.shape[-2:]))


class ImageFilter(SpecskTransformer):
    """Base of the image filters: a batch of spectrogram images in, the same shape out.

    Declares the family once (see :mod:`specsk.base`); input and output kinds and
    statelessness are the base class's defaults, and a filter that learns something (a noise
    floor, normalisation statistics) sets ``_stateless = False``.
    """

    _kind = "filter"

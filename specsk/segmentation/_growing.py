"""Region growing from local maxima (seeded flood fill with a level tolerance)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from skimage.feature import peak_local_max
from skimage.segmentation import flood

from ..base import SpecskTransformer
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._common import check_images, label_batch, map_images

__all__ = ["RegionGrowing", "region_growing"]

SCALES = ("db", "power", "magnitude")
# one declaration, shared by region_growing (decorator) and RegionGrowing
_GROWING_PARAMS: dict = {
    "seed_threshold": [Real, None],
    "seed_percentile": [Interval(Real, 0, 100, closed="both")],
    "tolerance": [Interval(Real, 0, None, closed="left")],
    "min_distance": [Interval(Integral, 1, None, closed="left")],
    "scale": [StrOptions(set(SCALES))],
    "n_jobs": [Integral, None],
}


def _to_db(img: np.ndarray, scale: str) -> np.ndarray:
    if scale == "db":
        return img.astype(np.float64)
    # the floors of librosa's power_to_db / amplitude_to_db
    if scale == "power":
        return 10.0 * np.log10(np.maximum(img.astype(np.float64), 1e-10))
    return 20.0 * np.log10(np.maximum(img.astype(np.float64), 1e-5))


def _grow_one(img, *, seed_threshold, seed_percentile, tolerance, min_distance, scale):
    D = _to_db(img, scale)
    thr = np.percentile(img, seed_percentile) if seed_threshold is None else seed_threshold
    # peak_local_max keeps values strictly above threshold_abs; seeds may equal it (plateaus)
    seeds = peak_local_max(
        img,
        min_distance=min_distance,
        threshold_abs=np.nextafter(img.dtype.type(thr), img.dtype.type(-np.inf)),
        exclude_border=False,
    )
    mask = np.zeros(img.shape, dtype=bool)
    if len(seeds) == 0:
        return mask
    # strongest seeds first, so that a weaker seed inside a grown region is not grown again
    order = np.argsort(-D[seeds[:, 0], seeds[:, 1]], kind="stable")
    for r, c in seeds[order]:
        if mask[r, c]:
            continue
        v = D[r, c]
        # flood on the image clipped at the seed level = the connected pixels >= v - tolerance
        mask |= flood(np.minimum(D, v), (int(r), int(c)), tolerance=tolerance)
    return mask


@validate_params(_GROWING_PARAMS, prefer_skip_nested_validation=True)
def region_growing(
    S,
    *,
    seed_threshold=None,
    seed_percentile=95.0,
    tolerance=6.0,
    min_distance=3,
    scale="db",
    n_jobs=None,
):
    """Grow regions from the local maxima of each spectrogram.

    Seeds are the local maxima (``skimage.feature.peak_local_max``, at least
    ``min_distance`` bins apart) above ``seed_threshold``. Each seed grows, by flood fill
    (``skimage.segmentation.flood``), over the connected bins whose level is at most
    ``tolerance`` dB below the seed's level. The union of the grown regions is then labelled
    in 8-connected components.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
        Spectrograms in the scale ``scale`` says (dB by default).
    seed_threshold : float or None
        Minimum value (in the units of ``S``, inclusive) of a seed; ``None`` uses the
        ``seed_percentile``-th percentile of each image.
    seed_percentile : float in [0, 100]
        Used when ``seed_threshold`` is None.
    tolerance : float >= 0
        How far below its seed (in dB) a bin may be and still join the seed's region.
    min_distance : int >= 1
        Minimum distance (bins/frames) between seeds.
    scale : {"db", "power", "magnitude"}
        Scale of ``S``: power and magnitude are converted to dB (``10 log10`` with a 1e-10
        floor, ``20 log10`` with a 1e-5 floor) before the tolerance applies.
    n_jobs : int or None
        joblib threads over images.

    Returns
    -------
    labels : np.ndarray [shape=(n, n_bins, n_frames), dtype=int32]
        0 = background, 1..k regions of each image.

    Notes
    -----
    Runs one image at a time (``peak_local_max`` and ``flood`` have no batch form).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.full((1, 16, 16), -60.0)
    >>> S[0, 3:6, 2:8] = -10.0
    >>> region_growing(S, tolerance=6.0).sum()
    np.int64(18)
    """
    S = check_images(S)
    return _region_growing(
        S, seed_threshold, seed_percentile, tolerance, min_distance, scale, n_jobs
    )


def _region_growing(S, seed_threshold, seed_percentile, tolerance, min_distance, scale, n_jobs):
    def one(img):
        return _grow_one(
            img,
            seed_threshold=seed_threshold,
            seed_percentile=seed_percentile,
            tolerance=float(tolerance),
            min_distance=int(min_distance),
            scale=scale,
        )

    return label_batch(map_images(one, S, n_jobs))


class RegionGrowing(SpecskTransformer):
    """Segment spectrograms by growing regions from their local maxima.

    See :func:`region_growing`. Input: dB spectrograms by default (``scale`` says otherwise);
    output: int32 label images of the input's shape (0 = background). Runs one image at a
    time; ``n_jobs`` spreads images over joblib threads.

    Parameters
    ----------
    seed_threshold : float or None, default=None
        Minimum seed value; ``None``: the ``seed_percentile``-th percentile of each image.
    seed_percentile : float, default=95.0
    tolerance : float, default=6.0
        dB below the seed level that a bin may be and still join the region.
    min_distance : int, default=3
        Minimum seed spacing in bins.
    scale : {"db", "power", "magnitude"}, default="db"
    n_jobs : int or None, default=None

    Examples
    --------
    >>> import numpy as np
    >>> S = np.full((2, 16, 16), -60.0, dtype=np.float32)
    >>> S[:, 3:6, 2:8] = -10.0
    >>> RegionGrowing().fit_transform(S).max(axis=(1, 2))
    array([1, 1], dtype=int32)
    """

    _input = "spectrogram"
    _output = "labels"
    _output_dtype = "int32"
    _kind = "segmentation"
    _stateless = True
    _spectrogram_ranks = (3,)

    _parameter_constraints: dict = _GROWING_PARAMS

    def __init__(
        self,
        *,
        seed_threshold=None,
        seed_percentile=95.0,
        tolerance=6.0,
        min_distance=3,
        scale="db",
        n_jobs=None,
    ):
        self.seed_threshold = seed_threshold
        self.seed_percentile = seed_percentile
        self.tolerance = tolerance
        self.min_distance = min_distance
        self.scale = scale
        self.n_jobs = n_jobs

    def _transform(self, X):
        return _region_growing(
            X,
            self.seed_threshold,
            self.seed_percentile,
            self.tolerance,
            self.min_distance,
            self.scale,
            self.n_jobs,
        )

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{"scale": "power"}, {"min_distance": 2, "tolerance": 3.0}]

"""Local binary pattern (LBP) histograms of spectrogram images, per frequency band."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._sklearn_compat import Interval, StrOptions
from ._image_kernels import (
    as_number_tuple,
    band_edges,
    channel_names,
    check_image_shape,
    image_shape_info,
    run_chunked,
)
from ._texture_kernels import LBP_METHODS, lbp_codes, lbp_histograms

__all__ = ["LBPHistogram", "lbp_histogram", "local_binary_patterns"]


def lbp_offsets(P: int, R: float) -> tuple[np.ndarray, np.ndarray]:
    """Sampling offsets of the LBP circle exactly as skimage (rounded to 5 decimals)."""
    rr = -R * np.sin(2 * np.pi * np.arange(P, dtype=np.double) / P)
    cc = R * np.cos(2 * np.pi * np.arange(P, dtype=np.double) / P)
    return np.round(rr, 5), np.round(cc, 5)


def _lbp_args(P, R, method):
    """Checked ``P``, ``R``, ``method`` as the kernels' ``(row offsets, col offsets, code)``."""
    if not (isinstance(P, Integral) and 1 <= P <= 30):
        raise ValueError(f"P must be an integer in [1, 30], got {P!r}")
    if not (isinstance(R, Real) and R > 0):
        raise ValueError(f"R must be a positive radius, got {R!r}")
    if method not in LBP_METHODS:
        raise ValueError(f"method must be one of {tuple(LBP_METHODS)}, got {method!r}")
    rp, cp = lbp_offsets(int(P), float(R))
    return rp, cp, LBP_METHODS[method]


def _float_images(S) -> np.ndarray:
    """``S`` as a C-contiguous float32/float64 batch (the kernels widen float32 exactly)."""
    S = np.asarray(S)
    if S.ndim != 3:
        raise ValueError(f"S must be 3-D (n, n_bins, n_frames), got shape {S.shape}")
    if S.dtype not in (np.float32, np.float64):
        S = S.astype(np.float64)
    return np.ascontiguousarray(S)


def _n_codes(P: int, method: str) -> int:
    """Number of distinct codes a pattern method produces."""
    if method == "uniform":
        return P + 2
    if method == "nri_uniform":
        return P * (P - 1) + 3
    return 2**P


def local_binary_patterns(S, *, P=8, R=1.0, method="uniform", n_jobs=None) -> np.ndarray:
    """LBP codes of every pixel of a batch of images.

    Identical, image by image, to ``skimage.feature.local_binary_pattern(S[k], P, R,
    method)``: same sampling circle (offsets rounded to 5 decimals), same bilinear
    interpolation with zeros outside the image, same ``>= centre`` threshold and code
    layouts. Runs in a compiled loop over the images, in ``n_jobs`` threads.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
    P : int >= 1
        Number of circle samples (at most 30; pattern methods run fastest for ``P <= 16``).
    R : float > 0
        Circle radius in pixels.
    method : {"default", "ror", "uniform", "nri_uniform", "var"}
        As in scikit-image. ``"var"`` is the variance of the ``P`` samples (rotation
        invariant contrast), equal to scikit-image's to about 1e-13 relative (NaN where
        all samples are equal, as in scikit-image).
    n_jobs : int or None
        Threads over blocks of images (joblib's convention; -1: all cores).

    Returns
    -------
    codes : np.ndarray [shape=(n, n_bins, n_frames)], float64

    Examples
    --------
    >>> import numpy as np
    >>> S = np.zeros((1, 5, 5)); S[0, 2, 2] = 1.0
    >>> local_binary_patterns(S, P=8, R=1, method="uniform")[0, 2, 2]
    np.float64(0.0)
    """
    X = _float_images(S)
    rp, cp, code = _lbp_args(P, R, method)
    return run_chunked(lbp_codes, X, n_jobs, rp, cp, code)


def lbp_histogram(
    S,
    *,
    P=8,
    R=1.0,
    method="uniform",
    n_bins=None,
    n_bands=1,
    density=True,
    bin_edges=None,
    n_jobs=None,
) -> np.ndarray:
    """Histograms of LBP codes per frequency band.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
    P, R, method :
        See :func:`local_binary_patterns`.
    n_bins : int or None
        Histogram bins. None: one per code (``P + 2`` for uniform, ``P (P - 1) + 3`` for
        nri_uniform, ``2**P`` for default/ror). Fewer bins merge neighbouring codes
        (``code * n_bins // n_codes``). Required with ``bin_edges`` for ``"var"``.
    n_bands : int
        Contiguous frequency bands (rows), low band first; one histogram per band, since the
        position of a pattern in frequency matters on a spectrogram.
    density : bool
        Normalise each histogram to sum to 1.
    bin_edges : np.ndarray [shape=(n_bins - 1,)], optional
        Inner bin edges for ``"var"`` (learned by :class:`LBPHistogram`).
    n_jobs : int or None
        Threads for the codes (see :func:`local_binary_patterns`).

    Returns
    -------
    H : np.ndarray [shape=(n, n_bands, n_bins)], float64
    """
    X = _float_images(S)
    rows = X.shape[1]
    if not 1 <= n_bands <= rows:
        raise ValueError(f"n_bands must be in [1, n_bins of the images = {rows}], got {n_bands}")
    rp, cp, code = _lbp_args(P, R, method)
    if method == "var":
        if bin_edges is None:
            raise ValueError("method='var' needs bin_edges (learned by LBPHistogram.fit)")
        # flat circles (NaN in skimage's convention) have zero variance: lowest bin
        var_edges = np.ascontiguousarray(bin_edges, dtype=np.float64).reshape(-1)
        n_codes, n_out = 1, len(var_edges) + 1
    else:
        n_codes = _n_codes(P, method)
        n_out = n_codes if n_bins is None else int(n_bins)
        if not 1 <= n_out <= n_codes:
            raise ValueError(f"n_bins must be in [1, {n_codes}] for P={P}, got {n_bins!r}")
        var_edges = np.zeros(0)
    # codes are binned as they are made, image by image: no full-size code image, and the
    # output is small, so the batch needs no blocking to bound memory
    H = run_chunked(
        lbp_histograms,
        X,
        n_jobs,
        rp,
        cp,
        code,
        n_codes,
        n_out,
        band_edges(rows, n_bands),
        var_edges,
    )
    if density:
        H /= np.maximum(H.sum(axis=-1, keepdims=True), 1.0)
    return H


class LBPHistogram(FeatureExtractorMixin, SpecskTransformer):
    """Histograms of local binary patterns, per radius and frequency band.

    Codes equal ``skimage.feature.local_binary_pattern`` image by image; they are computed
    for the whole batch in one compiled loop over the images (``n_jobs`` threads). The
    histogram of each frequency band is kept apart, because on a spectrogram the position of
    a texture in frequency carries meaning (unlike in a photograph).

    Parameters
    ----------
    P : int, default=8
        Number of circle samples.
    R : float or tuple of float, default=1.0
        Circle radius; several radii, e.g. ``(1, 2)``, give one histogram set each
        (multi-resolution LBP).
    method : {"uniform", "ror", "default", "nri_uniform", "var"}, default="uniform"
        Pattern coding, as in scikit-image.
    n_bins : int or None, default=None
        Bins per histogram. None: one per code for pattern methods (``P + 2`` for
        uniform), 16 for ``"var"``, whose bin edges are quantiles of the training
        variances learned in ``fit``.
    n_bands : int, default=1
        Contiguous frequency bands (low band first), one histogram each.
    density : bool, default=True
        Normalise each histogram to sum to 1.
    n_jobs : int or None, default=None
        Threads over blocks of images (joblib's convention; -1: all cores).

    Attributes
    ----------
    image_shape_ : tuple of int
        ``(n_bins, n_frames)`` seen in ``fit``.
    n_channels_ : int or None
        Channels of 4-D input (histograms per channel), None for 3-D.
    var_edges_ : list of np.ndarray
        ``"var"`` only: inner bin edges per radius.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.random.default_rng(0).random((4, 32, 24)).astype(np.float32)
    >>> lbp = LBPHistogram(P=8, R=(1, 2), n_bands=2).fit(S)
    >>> lbp.transform(S).shape
    (4, 40)
    >>> lbp.get_feature_names_out()[0]
    'lbp_R1_band0_bin0'
    """

    _input = "spectrogram"
    _kind = "feature"

    _parameter_constraints: dict = {
        "P": [Interval(Integral, 1, 30, closed="both")],
        "R": [Interval(Real, 0, None, closed="neither"), tuple, list],
        "method": [StrOptions(set(LBP_METHODS))],
        "n_bins": [Interval(Integral, 1, None, closed="left"), None],
        "n_bands": [Interval(Integral, 1, None, closed="left")],
        "density": ["boolean"],
        "n_jobs": [Integral, None],
    }

    @property
    def _learns_from_data(self) -> bool:
        # method="var" learns its histogram bin edges from the data
        return self.method == "var"

    def __init__(
        self, *, P=8, R=1.0, method="uniform", n_bins=None, n_bands=1, density=True, n_jobs=None
    ):
        self.P = P
        self.R = R
        self.method = method
        self.n_bins = n_bins
        self.n_bands = n_bands
        self.density = density
        self.n_jobs = n_jobs

    def _radii(self) -> tuple[float, ...]:
        return as_number_tuple(self.R, "R", positive=True)

    def _n_out(self) -> int:
        if self.method == "var":
            return 16 if self.n_bins is None else int(self.n_bins)
        n_codes = _n_codes(self.P, self.method)
        if self.n_bins is not None and self.n_bins > n_codes:
            raise ValueError(
                f"n_bins={self.n_bins} exceeds the {n_codes} codes of method="
                f"{self.method!r} with P={self.P}; use n_bins=None or fewer bins"
            )
        return n_codes if self.n_bins is None else int(self.n_bins)

    def _flat(self, X):
        return X.reshape(-1, *X.shape[-2:])

    def _fit(self, X, y):
        radii = self._radii()
        n_out = self._n_out()
        self.image_shape_, self.n_channels_ = image_shape_info(X)
        if self.n_bands > self.image_shape_[0]:
            raise ValueError(
                f"n_bands={self.n_bands} exceeds the {self.image_shape_[0]} frequency bins: X "
                f"has {self.image_shape_[0]} feature(s) (bins), fewer than one per band"
            )
        if self.method == "var":
            probs = np.linspace(0.0, 1.0, n_out + 1)[1:-1]
            self.var_edges_ = [
                np.quantile(
                    np.nan_to_num(
                        local_binary_patterns(
                            self._flat(X), P=self.P, R=r, method="var", n_jobs=self.n_jobs
                        )
                    ),
                    probs,
                )
                for r in radii
            ]
        return self

    def _transform(self, X):
        check_image_shape(self, X)
        radii = self._radii()
        flat = self._flat(X)
        blocks = [
            lbp_histogram(
                flat,
                P=self.P,
                R=r,
                method=self.method,
                n_bins=self._n_out(),
                n_bands=self.n_bands,
                density=self.density,
                bin_edges=self.var_edges_[i] if self.method == "var" else None,
                n_jobs=self.n_jobs,
            ).reshape(len(flat), -1)
            for i, r in enumerate(radii)
        ]
        F = np.concatenate(blocks, axis=1)
        return F.reshape(len(X), -1).astype(X.dtype, copy=False)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        names = [
            f"lbp_R{r:g}_band{b}_bin{k}"
            for r in self._radii()
            for b in range(self.n_bands)
            for k in range(self._n_out())
        ]
        return channel_names(names, self.n_channels_)

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [
            {"P": 8, "R": 1.0},
            {"P": 4, "R": (1.0, 2.0), "method": "var", "n_bins": 4, "n_bands": 2, "n_jobs": 2},
        ]

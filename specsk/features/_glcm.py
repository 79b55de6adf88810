"""Gray-level co-occurrence (Haralick) texture features of spectrogram images."""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._sklearn_compat import Interval, StrOptions
from ..utils._validation import check_names
from ._image_kernels import (
    angle_name,
    as_number_tuple,
    channel_names,
    check_image_shape,
    image_shape_info,
    run_chunked,
)
from ._texture_kernels import (
    GLCM_PROPERTIES,
    QUANT_LEVELS,
    QUANT_QUANTILE,
    QUANT_UNIFORM,
    glcm_texture,
    quantize_levels,
)

__all__ = ["GLCMFeatures", "glcm_features", "quantize_images"]


def glcm_offsets(distances, angles) -> np.ndarray:
    """Pixel offsets ``(d_row, d_col)`` per (distance, angle), as skimage's ``_glcm_loop``.

    skimage rounds ``sin(angle) * d`` (rows) and ``cos(angle) * d`` (columns) half away from
    zero (its Cython ``round``); libm ``sin``/``cos`` through :mod:`math` give the same
    doubles as the compiled code. So angle 0 pairs pixel ``(r, c)`` with ``(r, c + d)`` and
    angle pi/2 with ``(r + d, c)``.
    """

    def _round(v: float) -> int:
        return int(v + 0.5) if v > 0 else int(v - 0.5)

    out = np.empty((len(distances), len(angles), 2), dtype=np.int64)
    for i, d in enumerate(distances):
        for j, a in enumerate(angles):
            out[i, j, 0] = _round(math.sin(a) * d)
            out[i, j, 1] = _round(math.cos(a) * d)
    return out


def _glcm_args(distances, angles, properties):
    """Checked ``(distances, angles, properties)`` and the kernel's ``(offsets, which)``."""
    distances = as_number_tuple(distances, "distances", integer=True, positive=True)
    angles = as_number_tuple(angles, "angles")
    properties = check_names(properties, "properties", GLCM_PROPERTIES)
    which = np.array([GLCM_PROPERTIES.index(p) for p in properties], dtype=np.int64)
    return (distances, angles, properties), (glcm_offsets(distances, angles), which)


def _quantizer(levels, value_range=None, bin_edges=None):
    """Kernel arguments ``(mode, lo, scale, edges)`` of one quantiser per channel.

    ``bin_edges`` ``(n_channels, levels - 1)`` (or 1-D for one channel) selects quantile
    levels; otherwise ``value_range`` ``(n_channels, 2)`` (or ``(lo, hi)``) uniform ones, with
    ``scale = levels / (hi - lo)`` computed exactly as NumPy did in ``floor((X - lo) *
    (levels / (hi - lo)))``; an empty range gives level 0 everywhere. Neither: the input
    already holds levels.
    """
    if bin_edges is not None:
        edges = np.asarray(bin_edges, dtype=np.float64)
        edges = np.ascontiguousarray(edges.reshape(-1, edges.shape[-1] if edges.ndim else 1))
        zeros = np.zeros(len(edges))
        return QUANT_QUANTILE, zeros, zeros, edges
    if value_range is None:
        return QUANT_LEVELS, np.zeros(1), np.zeros(1), np.zeros((1, 0))
    value_range = np.asarray(value_range, dtype=np.float64).reshape(-1, 2)
    nc = len(value_range)
    lo, hi = value_range[:, 0], value_range[:, 1]
    empty = hi <= lo
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(empty, 0.0, levels / np.where(empty, 1.0, hi - lo))
    lo = np.where(empty, 0.0, lo)
    return QUANT_UNIFORM, lo, scale, np.zeros((nc, 0))


def quantize_images(X, *, levels, value_range=None, bin_edges=None) -> np.ndarray:
    """Quantise a batch of images to integer gray levels ``0``, ..., ``levels - 1`` (uint8).

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_bins, n_frames)]
    levels : int in [2, 256]
    value_range : (float, float), optional
        Uniform quantisation: ``floor((x - lo) / (hi - lo) * levels)`` clipped to the levels.
    bin_edges : np.ndarray [shape=(levels - 1,)], optional
        Quantile quantisation: level = number of inner edges ``<= x``.

    Returns
    -------
    Q : np.ndarray [shape=X.shape], uint8

    Examples
    --------
    >>> import numpy as np
    >>> quantize_images(np.array([[[0.0, 0.3, 0.5, 1.0]]]), levels=4, value_range=(0, 1))
    array([[[0, 1, 2, 3]]], dtype=uint8)
    """
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if value_range is None and bin_edges is None:
        raise ValueError("quantize_images needs value_range=(lo, hi) or bin_edges")
    mode, lo, scale, edges = _quantizer(levels, value_range, bin_edges)
    # one compiled pass (float32 read as is), the same levels as the NumPy formula above
    flat = np.ascontiguousarray(X).reshape(1, 1, 1, -1)
    return quantize_levels(flat, mode, lo, scale, edges, int(levels)).reshape(X.shape)


def glcm_features(
    Q,
    *,
    levels,
    distances=(1,),
    angles=(0.0, np.pi / 2),
    properties=GLCM_PROPERTIES,
    symmetric=True,
    normed=True,
    n_jobs=None,
) -> np.ndarray:
    """Haralick properties of the co-occurrence matrices of a batch of quantised images.

    Equal, image by image and bit for bit, to ``skimage.feature.graycomatrix(Q[k],
    distances, angles, levels, symmetric, normed)`` followed by ``graycoprops`` for each
    property; the counting and the properties run in one compiled loop parallel over images.

    Parameters
    ----------
    Q : np.ndarray [shape=(n, n_bins, n_frames)], integer levels in ``[0, levels)``
    levels : int in [2, 256]
    distances : tuple of int
        Pixel-pair distances.
    angles : tuple of float
        Pixel-pair angles in radians, in scikit-image's convention for an array
        ``(n_bins, n_frames)``: a pixel ``(r, c)`` is paired with ``(r + round(d sin a),
        c + round(d cos a))``. So ``0`` pairs neighbours along **time** (next frame) and
        ``pi/2`` along **frequency** (next bin up).
    properties : tuple of str
        Any of ``"contrast", "dissimilarity", "homogeneity", "ASM", "energy",
        "correlation", "entropy"`` (entropy is graycoprops' ``-sum P log P``, natural log).
    symmetric, normed : bool
        As in ``graycomatrix``.
    n_jobs : int or None
        Threads over blocks of images (joblib's convention: None is 1 unless a
        ``joblib.parallel_config`` says otherwise, -1 all cores).

    Returns
    -------
    F : np.ndarray [shape=(n, n_distances, n_angles, n_properties)], float64

    Examples
    --------
    >>> import numpy as np
    >>> Q = np.array([[[0, 0, 1, 1], [0, 0, 1, 1], [0, 2, 2, 2], [2, 2, 3, 3]]], np.uint8)
    >>> glcm_features(Q, levels=4, distances=(1,), angles=(0,), properties=("contrast",))
    array([[[[0.58333333]]]])
    """
    Q = np.asarray(Q)
    if Q.ndim != 3:
        raise ValueError(f"Q must be 3-D (n, n_bins, n_frames), got shape {Q.shape}")
    if not 2 <= int(levels) <= 256:
        raise ValueError(f"levels must be an integer in [2, 256], got {levels!r}")
    if Q.size and (Q.min() < 0 or Q.max() >= levels):
        raise ValueError(f"Q must hold integers in [0, levels - 1] = [0, {levels - 1}]")
    _, (offsets, which) = _glcm_args(distances, angles, properties)
    Q8 = np.ascontiguousarray(Q, dtype=np.uint8)[:, None]
    F = _glcm(
        Q8,
        _quantizer(levels),  # Q holds the levels
        levels,
        offsets,
        which,
        symmetric,
        normed,
        n_jobs,
    )
    return F[:, 0]


def _glcm(X4, quantizer, levels, offsets, which, symmetric, normed, n_jobs):
    """``glcm_texture`` of a 4-D batch ``(n, n_channels, rows, cols)`` in ``n_jobs`` threads.

    One image at a time from the raw values to the properties: the only per-image
    intermediates (levels, one co-occurrence matrix) stay in the cache, so no block size is
    needed to bound memory.
    """
    mode, lo, scale, edges = quantizer
    return run_chunked(
        glcm_texture,
        X4,
        n_jobs,
        mode,
        lo,
        scale,
        edges,
        int(levels),
        offsets,
        bool(symmetric),
        which,
        bool(normed),
    )  # (n, n_channels, n_dist, n_angle, n_prop)


class GLCMFeatures(FeatureExtractorMixin, SpecskTransformer):
    """Haralick texture features from gray-level co-occurrence matrices (GLCM).

    Each spectrogram is quantised to ``levels`` gray levels with a quantiser learned in
    ``fit``, its co-occurrence matrix is counted for every distance and angle, and the chosen
    properties are computed - all in one compiled loop over the images (``n_jobs``
    threads), with values identical to ``skimage.feature.graycomatrix`` + ``graycoprops``
    per image.

    Angles on a spectrogram ``(n_bins, n_frames)``: a pixel ``(r, c)`` is paired with
    ``(r + round(d sin a), c + round(d cos a))`` (scikit-image's convention), so ``a = 0``
    compares each bin with the same bin ``d`` frames later (texture **along time**:
    stationarity, onsets) and ``a = pi/2`` compares it with the bin ``d`` rows higher in the
    same frame (texture **along frequency**: harmonics, bandwidth).

    Parameters
    ----------
    levels : int, default=32
        Number of gray levels (2 to 256).
    quantization : {"uniform", "quantile"}, default="uniform"
        ``"uniform"``: equal-width levels between the minimum and maximum of the training
        images (or ``value_range``); values outside are clipped. ``"quantile"``: level edges
        at quantiles of the training values (equal-population levels, robust to the
        heavy tails of power spectrograms).
    value_range : (float, float) or None, default=None
        Fixed ``(lo, hi)`` for uniform quantisation instead of the learned range (e.g.
        ``(-80, 0)`` for dB spectrograms). Ignored by ``"quantile"``.
    distances : tuple of int, default=(1,)
        Pixel-pair distances.
    angles : tuple of float, default=(0, pi/2)
        Pixel-pair angles in radians (see above).
    properties : tuple of str, default=all seven
        Any of ``"contrast", "dissimilarity", "homogeneity", "ASM", "energy",
        "correlation", "entropy"``.
    symmetric : bool, default=True
        Count each pair in both orders (``graycomatrix(symmetric=True)``).
    normed : bool, default=True
        Normalise the matrices (``graycomatrix(normed=True)``; graycoprops normalises
        anyway, so this only changes rounding).
    aggregate : {None, "mean_range"}, default=None
        ``None``: one column per property, distance and angle. ``"mean_range"``: the mean
        and range over angles, per property and distance (Haralick's rotation-tolerant
        summary).
    n_jobs : int or None, default=None
        Threads over blocks of images (joblib's convention; -1: all cores).

    Attributes
    ----------
    image_shape_ : tuple of int
        ``(n_bins, n_frames)`` seen in ``fit``.
    n_channels_ : int or None
        Channels of 4-D input (each quantised and described on its own), None for 3-D.
    value_range_ : np.ndarray [shape=(n_channels, 2)]
        Uniform quantisation range per channel (one row for 3-D input).
    bin_edges_ : np.ndarray [shape=(n_channels, levels - 1)]
        Quantile level edges per channel (``"quantile"`` only).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.random.default_rng(0).random((4, 32, 24)).astype(np.float32)
    >>> glcm = GLCMFeatures(levels=8, properties=("contrast", "energy")).fit(S)
    >>> glcm.transform(S).shape
    (4, 4)
    >>> glcm.get_feature_names_out()[:2].tolist()
    ['glcm_contrast_d1_a0', 'glcm_contrast_d1_a90']
    """

    _input = "spectrogram"
    _kind = "feature"

    _parameter_constraints: dict = {
        "levels": [Interval(Integral, 2, 256, closed="both")],
        "quantization": [StrOptions({"uniform", "quantile"})],
        "value_range": [tuple, list, None],
        "distances": ["array-like", Integral],
        "angles": ["array-like", Real],
        "properties": [tuple, list, str],
        "symmetric": ["boolean"],
        "normed": ["boolean"],
        "aggregate": [StrOptions({"mean_range"}), None],
        "n_jobs": [Integral, None],
    }

    @property
    def _learns_from_data(self) -> bool:
        # the quantisation range (and quantile edges) come from the data unless given
        return self.value_range is None or self.quantization == "quantile"

    def __init__(
        self,
        *,
        levels=32,
        quantization="uniform",
        value_range=None,
        distances=(1,),
        angles=(0.0, np.pi / 2),
        properties=GLCM_PROPERTIES,
        symmetric=True,
        normed=True,
        aggregate=None,
        n_jobs=None,
    ):
        self.levels = levels
        self.quantization = quantization
        self.value_range = value_range
        self.distances = distances
        self.angles = angles
        self.properties = properties
        self.symmetric = symmetric
        self.normed = normed
        self.aggregate = aggregate
        self.n_jobs = n_jobs

    def _checked(self):
        return _glcm_args(self.distances, self.angles, self.properties)[0]

    def _fit(self, X, y):
        self._checked()
        self.image_shape_, self.n_channels_ = image_shape_info(X)
        C = X if X.ndim == 4 else X[:, None]
        values = np.moveaxis(C, 1, 0).reshape(C.shape[1], -1).astype(np.float64)
        if self.value_range is not None:
            vr = as_number_tuple(self.value_range, "value_range")
            if len(vr) != 2 or not vr[0] < vr[1]:
                raise ValueError(f"value_range must be (lo, hi) with lo < hi, got {vr!r}")
            self.value_range_ = np.tile(np.asarray(vr, dtype=np.float64), (len(values), 1))
        else:
            self.value_range_ = np.stack([values.min(axis=1), values.max(axis=1)], axis=1)
        if self.quantization == "quantile":
            probs = np.linspace(0.0, 1.0, self.levels + 1)[1:-1]
            self.bin_edges_ = np.quantile(values, probs, axis=1).T
        return self

    def _quantizer(self):
        edges = self.bin_edges_ if self.quantization == "quantile" else None
        return _quantizer(self.levels, self.value_range_, edges)

    def _quantize(self, X):
        """Gray levels ``(n * n_channels, n_bins, n_frames)`` (uint8) of validated ``X``."""
        C = np.ascontiguousarray(X if X.ndim == 4 else X[:, None])
        Q = quantize_levels(C, *self._quantizer(), int(self.levels))
        return Q.reshape(-1, *C.shape[2:])

    def _transform(self, X):
        check_image_shape(self, X)
        _, (offsets, which) = _glcm_args(self.distances, self.angles, self.properties)
        # quantisation happens inside the kernel, image by image, on X as validated
        # (float32 stays float32): no full-size float64 or uint8 copy of the batch
        C = np.ascontiguousarray(X if X.ndim == 4 else X[:, None])
        F = _glcm(
            C,
            self._quantizer(),
            self.levels,
            offsets,
            which,
            self.symmetric,
            self.normed,
            self.n_jobs,
        )  # (n, n_channels, n_dist, n_angle, n_prop)
        F = F.transpose(0, 1, 4, 2, 3)  # channel, property, distance, angle
        if self.aggregate == "mean_range":
            F = np.stack([F.mean(axis=-1), np.ptp(F, axis=-1)], axis=-1)
        return F.reshape(len(X), -1).astype(X.dtype, copy=False)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        distances, angles, properties = self._checked()
        last = (
            ["mean", "range"]
            if self.aggregate == "mean_range"
            else [f"a{angle_name(a)}" for a in angles]
        )
        names = [f"glcm_{p}_d{d}_{s}" for p in properties for d in distances for s in last]
        return channel_names(names, self.n_channels_)

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [
            {"levels": 8},
            {
                "levels": 16,
                "quantization": "quantile",
                "distances": (1, 2),
                "angles": (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4),
                "properties": ("contrast", "correlation", "entropy"),
                "aggregate": "mean_range",
                "n_jobs": 2,
            },
        ]

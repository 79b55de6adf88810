"""Per-region measurements (times in s, frequencies in Hz, shape, texture) and their pooling."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import ndimage
from skimage.feature import graycomatrix, graycoprops
from skimage.morphology import convex_hull_image
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._sklearn_compat import HasMethods, Interval, validate_params
from ..utils._validation import Names, as_names, call_inner
from ._common import (
    SEGMENTER_EXPECTS,
    bin_edges,
    check_images,
    check_labels,
    frame_seconds,
    resolve_freqs,
    step_scales,
)

__all__ = ["ROIFeatures", "region_properties", "regions_table"]

BASE_PROPERTIES = (
    "onset_s",
    "offset_s",
    "duration_s",
    "low_hz",
    "high_hz",
    "peak_hz",
    "peak_s",
    "bandwidth_hz",
    "area",
    "energy",
    "mean_level",
    "max_level",
    "centroid_s",
    "centroid_hz",
    "eccentricity",
    "solidity",
)
TEXTURE_PROPERTIES = ("level_std", "glcm_contrast", "glcm_homogeneity")
ROI_STATS = ("mean", "std", "min", "max", "median", "sum")


def _solidity(crop: np.ndarray) -> float:
    area = crop.sum()
    if area <= 2 or crop.shape[0] == 1 or crop.shape[1] == 1:
        return 1.0  # a line or a dot is its own convex hull
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hull = convex_hull_image(crop).sum()
    except Exception:  # degenerate (collinear) point sets: qhull gives up
        return 1.0
    return float(area / hull) if hull > 0 else 1.0


def _glcm(patch: np.ndarray, levels: int = 8) -> tuple[float, float]:
    lo, hi = float(patch.min()), float(patch.max())
    if hi <= lo or min(patch.shape) < 2:
        return 0.0, 1.0  # flat or one-line patch: no contrast, perfectly homogeneous
    q = np.minimum(((patch - lo) / (hi - lo) * levels).astype(np.int64), levels - 1)
    P = graycomatrix(q.astype(np.uint8), [1], [0, np.pi / 2], levels=levels, symmetric=True,
                     normed=True)  # fmt: skip
    return (
        float(graycoprops(P, "contrast").mean()),
        float(graycoprops(P, "homogeneity").mean()),
    )


def region_properties(S, labels, *, freqs, frame_s, texture=True, shape=True):
    """Measure every labelled region of a batch.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
        The spectrograms the labels refer to.
    labels : np.ndarray [shape=(n, n_bins, n_frames)], int
        Label images (0 = background).
    freqs : np.ndarray [shape=(n_bins,)]
        Centre frequency (Hz) of every bin.
    frame_s : float
        Seconds per frame (``hop_length / sr``).
    texture : bool
        Also measure ``level_std``, ``glcm_contrast`` and ``glcm_homogeneity``.
    shape : bool
        Measure ``solidity`` (a convex hull per region, the slowest measure); ``False``
        leaves it out.

    Returns
    -------
    clip, label : np.ndarray [shape=(n_regions,)]
        Clip index and label of every region (ordered by clip, then label).
    props : dict of np.ndarray [shape=(n_regions,)]
        One float64 array per property; see :class:`ROIFeatures` for definitions.
    """
    S = np.asarray(S)
    L = np.asarray(labels)
    n = len(L)
    counts = L.reshape(n, -1).max(axis=1).astype(np.int64) if n else np.zeros(0, np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    total = int(counts.sum())
    clip = np.repeat(np.arange(n), counts)
    label = np.arange(1, total + 1) - offsets[clip] if total else np.zeros(0, np.int64)
    names = BASE_PROPERTIES + (TEXTURE_PROPERTIES if texture else ())
    if not shape:
        names = tuple(p for p in names if p != "solidity")
    if total == 0:
        return clip, label, {p: np.zeros(0) for p in names}

    # one global numbering over the batch: every measure is one vectorised call
    glob = np.where(L > 0, L + offsets[:, None, None], 0).ravel()
    Sd = S.astype(np.float64, copy=False)
    flat = Sd.ravel()
    floor = Sd.reshape(n, -1).min(axis=1)
    w = (Sd - floor[:, None, None]).ravel()  # level above the clip's floor: >= 0 in any scale
    rows, cols = np.indices(S.shape[1:])
    r = np.broadcast_to(rows, S.shape).ravel().astype(np.float64)
    c = np.broadcast_to(cols, S.shape).ravel().astype(np.float64)
    m = total + 1

    def bsum(weights):
        return np.bincount(glob, weights=weights, minlength=m)[1:]

    area = np.bincount(glob, minlength=m)[1:].astype(np.float64)
    boxes = ndimage.find_objects(glob.reshape(S.shape))
    r0 = np.array([b[1].start for b in boxes])
    r1 = np.array([b[1].stop for b in boxes])
    c0 = np.array([b[2].start for b in boxes])
    c1 = np.array([b[2].stop for b in boxes])
    glob3 = glob.reshape(S.shape)
    # maximum and its position per region: sort the foreground bins by (label, -level) and
    # take the first of every label (cheaper than ndimage.maximum{,_position} on the batch)
    fg = np.flatnonzero(glob)
    order = fg[np.lexsort((-flat[fg], glob[fg]))]
    first = np.ones(len(order), dtype=bool)
    first[1:] = glob[order[1:]] != glob[order[:-1]]
    top = order[first]
    max_level = flat[top]
    peak = np.stack(np.unravel_index(top, S.shape), axis=1)
    energy = bsum(w)
    mean_level = bsum(flat) / area
    # energy-weighted centroid (geometric where a region has no energy above the floor)
    safe_e = np.where(energy > 0, energy, 1.0)
    r_c = np.where(energy > 0, bsum(w * r) / safe_e, bsum(r) / area)
    c_c = np.where(energy > 0, bsum(w * c) / safe_e, bsum(c) / area)
    # eccentricity from the second central moments (skimage.measure.regionprops' definition)
    rm, cm = bsum(r) / area, bsum(c) / area
    vrr = bsum(r * r) / area - rm**2
    vcc = bsum(c * c) / area - cm**2
    vrc = bsum(r * c) / area - rm * cm
    half_tr = 0.5 * (vrr + vcc)
    disc = np.sqrt(np.maximum(0.25 * (vrr - vcc) ** 2 + vrc**2, 0.0))
    l1, l2 = half_tr + disc, np.maximum(half_tr - disc, 0.0)
    ecc = np.where(l1 > 1e-12, np.sqrt(np.clip(1.0 - l2 / np.where(l1 > 0, l1, 1.0), 0, 1)), 0.0)

    edges = bin_edges(freqs)
    props = {
        "onset_s": c0 * frame_s,
        "offset_s": c1 * frame_s,
        "duration_s": (c1 - c0) * frame_s,
        "low_hz": freqs[r0],
        "high_hz": freqs[r1 - 1],
        "peak_hz": freqs[peak[:, 1]],
        "peak_s": peak[:, 2] * frame_s,
        "bandwidth_hz": edges[r1] - edges[r0],
        "area": area,
        "energy": energy,
        "mean_level": mean_level,
        "max_level": max_level,
        "centroid_s": c_c * frame_s,
        "centroid_hz": np.interp(r_c, np.arange(len(freqs)), freqs),
        "eccentricity": ecc,
    }
    if shape:
        props["solidity"] = np.array([_solidity(glob3[b][0] == j + 1) for j, b in enumerate(boxes)])
    if texture:
        props["level_std"] = np.sqrt(np.maximum(bsum(flat * flat) / area - mean_level**2, 0.0))
        contrast = np.empty(total)
        homog = np.empty(total)
        for j, b in enumerate(boxes):
            contrast[j], homog[j] = _glcm(Sd[b][0])
        props["glcm_contrast"] = contrast
        props["glcm_homogeneity"] = homog
    return clip, label, props


def _scales(n_bins, *, sr, hop_length, n_fft, freqs):
    if sr is None:
        raise ValueError("sr is required to report times in seconds and frequencies in Hz")
    f = resolve_freqs(n_bins, freqs=freqs, sr=sr, n_fft=n_fft, what="region frequencies")
    if f is None:
        raise ValueError("pass n_fft (linear STFT bins) or freqs to report frequencies in Hz")
    return f, frame_seconds(sr, hop_length)


_SR = Interval(Real, 0, None, closed="neither")
# declared once, shared by regions_table (decorator, which also takes labels) and ROIFeatures
# (which adds its output parameters); None: ROIFeatures takes the value its input carries,
# regions_table reports it missing
_ROI_PARAMS: dict = {
    "segmenter": [HasMethods(["fit", "transform"]), None],
    "sr": [_SR, None],
    "hop_length": [Interval(Integral, 1, None, closed="left"), None],
    "n_fft": [Interval(Integral, 1, None, closed="left"), None],
    "freqs": ["array-like", None],
    "texture": ["boolean"],
}


@validate_params(
    {**_ROI_PARAMS, "labels": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def regions_table(
    S, *, segmenter=None, labels=None, sr=22050, hop_length=512, n_fft=2048, freqs=None,
    texture=True,
):  # fmt: skip
    """One row per detected region: where it is (s, Hz) and what it looks like.

    For detection rather than classification: segment ``S`` (or take given ``labels``) and
    measure every region.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
        Spectrograms (the scale the segmenter expects; levels are reported in that scale).
    segmenter : transformer or None
        Anything whose ``fit_transform(S)`` gives label images, e.g.
        ``make_pipeline(ThresholdSegmenter(), RegionRefiner(min_area=5))``. Default
        ``ThresholdSegmenter(method="otsu")``. Ignored when ``labels`` is given.
    labels : np.ndarray [shape=(n, n_bins, n_frames)] or None
        Label images (0 = background) to measure instead of segmenting.
    sr, hop_length : number, int
        A frame lasts ``hop_length / sr`` s; frame ``t`` starts at ``t * hop_length / sr``.
    n_fft : int or None
        Linear STFT bins are ``k * sr / n_fft`` Hz (``n_bins`` must be ``n_fft // 2 + 1``).
    freqs : array-like [shape=(n_bins,)] or None
        Centre frequency of every bin, overrides ``n_fft`` (mel, CQT ...).
    texture : bool
        Include the texture columns.

    Returns
    -------
    table : pandas.DataFrame or np.ndarray (structured)
        Columns ``clip``, ``label`` and the properties of :class:`ROIFeatures` (times in s,
        frequencies in Hz). A NumPy structured array when pandas is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.zeros((1, 33, 20))
    >>> S[0, 4:8, 5:10] = 1.0
    >>> t = regions_table(S, sr=8000, hop_length=256, n_fft=64)
    >>> t[["onset_s", "offset_s", "low_hz", "high_hz"]].to_numpy().tolist()
    [[0.16, 0.32, 500.0, 875.0]]
    """
    S = check_images(S)
    f, frame_s = _scales(S.shape[1], sr=sr, hop_length=hop_length, n_fft=n_fft, freqs=freqs)
    if labels is None:
        from ._threshold import ThresholdSegmenter

        seg = ThresholdSegmenter(method="otsu") if segmenter is None else clone(segmenter)
        L = check_labels(seg.fit_transform(S))
    else:
        L = check_labels(labels)
    if L.shape != S.shape:
        raise ValueError(f"labels have shape {L.shape}, S has shape {S.shape}: they must match")
    clip, label, props = region_properties(S, L, freqs=f, frame_s=frame_s, texture=texture)
    cols = {"clip": clip.astype(np.int64), "label": label.astype(np.int64), **props}
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        dtype = [(k, v.dtype) for k, v in cols.items()]
        out = np.empty(len(clip), dtype=dtype)
        for k, v in cols.items():
            out[k] = v
        return out
    return pd.DataFrame(cols)


class ROIFeatures(FeatureExtractorMixin, SpecskTransformer):
    """Segment each spectrogram and describe its regions of interest as one feature row.

    ``fit`` fits a clone of ``segmenter``; ``transform`` labels each image and measures every
    region (see :func:`regions_table`), then pools them per clip into a fixed-length row:

    * ``roi_count``: number of regions;
    * ``roi_{stat}_{property}``: each of ``stats`` over the clip's regions (0 when it has
      none; ``std`` is the population standard deviation);
    * ``roi_top{j}_{property}``: the properties of the ``top_k`` regions with the most
      ``energy`` (strongest first), zero-padded when a clip has fewer regions.

    Properties (times in s from the clip start, frequencies in Hz):
    ``onset_s`` (start of the first frame, ``t * hop_length / sr``), ``offset_s`` (end of the
    last frame), ``duration_s``, ``low_hz`` / ``high_hz`` (centres of the lowest / highest
    bins), ``peak_hz`` / ``peak_s`` (position of the maximum), ``bandwidth_hz`` (edge to edge,
    edges halfway between bin centres), ``area`` (bins), ``energy`` (sum of the levels above
    the clip's minimum, so that dB and power both rank regions sensibly), ``mean_level`` /
    ``max_level`` (in the scale of the input), ``centroid_s`` / ``centroid_hz`` (weighted by
    the level above the minimum), ``eccentricity`` (``skimage.measure.regionprops``'
    definition, from second moments), ``solidity`` (area / convex hull area); with
    ``texture``: ``level_std`` (level standard deviation inside the region) and
    ``glcm_contrast`` / ``glcm_homogeneity`` (``skimage.feature.graycomatrix`` of the
    region's bounding box quantised to 8 levels, distance 1, angles 0 and 90 degrees).

    Parameters
    ----------
    segmenter : transformer or None, default=None
        Gives label images; default ``ThresholdSegmenter(method="otsu")``. A pipeline such as
        ``make_pipeline(ThresholdSegmenter(), RegionRefiner(min_area=4))`` works.
    sr : float or None, default=None
        Sample rate; ``None`` takes the one the input carries (spectrograms made by specsk
        do, see :class:`~specsk.utils.SignalArray`), else 22050.
    hop_length : int or None, default=None
        Samples between frames; ``None`` takes the input's, else 512.
    n_fft : int or None, default=None
        Linear STFT bins ``k * sr / n_fft`` (the spectrograms must have ``n_fft // 2 + 1``
        bins). ``None`` uses the bin frequencies the input carries (mel, CQT ... made by
        specsk), else ``2 * (n_bins - 1)``; pass ``freqs`` for other plain arrays.
    freqs : array-like or None, default=None
        Centre frequency (Hz) of every bin. Values set here must agree with what the input
        carries.
    top_k : int, default=3
    stats : tuple of str, default=("mean", "std", "max")
        Any of ``"mean", "std", "min", "max", "median", "sum"``.
    texture : bool, default=True

    Attributes
    ----------
    segmenter_ : transformer
        The fitted clone of ``segmenter``.
    freqs_ : np.ndarray [shape=(n_bins,)]
        Bin frequencies (Hz) used.
    sr_ : float
        Sample rate used.
    hop_length_ : int
        Hop length used.

    Notes
    -----
    Input: the spectrograms the segmenter expects (power, magnitude or dB); levels are
    reported in that scale. Shape and texture measures loop over regions in Python; the rest
    is vectorised over the batch.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.random.default_rng(0).random((4, 33, 20)).astype(np.float32)
    >>> S[:, 4:8, 5:10] += 5.0
    >>> roi = ROIFeatures(sr=8000, hop_length=256, n_fft=64, top_k=1).fit(S)
    >>> F = roi.transform(S)
    >>> names = list(roi.get_feature_names_out())
    >>> round(float(F[0, names.index("roi_top0_onset_s")]), 4)
    0.16
    """

    _input = "spectrogram"
    _kind = "segmentation"
    _spectrogram_ranks = (3,)

    _meta_params = {"sr": "sr", "hop_length": "hop_length"}
    _parameter_constraints: dict = {
        **_ROI_PARAMS,
        "top_k": [Interval(Integral, 0, None, closed="left")],
        "stats": [Names(ROI_STATS, empty=True)],
    }

    def __init__(
        self,
        *,
        segmenter=None,
        sr=None,
        hop_length=None,
        n_fft=None,
        freqs=None,
        top_k=3,
        stats=("mean", "std", "max"),
        texture=True,
    ):
        self.segmenter = segmenter
        self.sr = sr
        self.hop_length = hop_length
        self.n_fft = n_fft
        self.freqs = freqs
        self.top_k = top_k
        self.stats = stats
        self.texture = texture

    def _stats(self) -> tuple[str, ...]:
        return as_names(self.stats)

    def _properties(self) -> tuple[str, ...]:
        return BASE_PROPERTIES + (TEXTURE_PROPERTIES if self.texture else ())

    def _fit(self, X, y):
        sr, hop, self.freqs_ = step_scales(
            self, X.shape[1], sr_default=22050.0, hop_default=512, infer_n_fft=True
        )
        self.sr_, self.hop_length_ = float(sr), hop
        self.frame_s_ = frame_seconds(sr, hop)
        if self.segmenter is None:
            from ._threshold import ThresholdSegmenter

            seg = ThresholdSegmenter(method="otsu")
        else:
            seg = clone(self.segmenter)
        self.segmenter_ = call_inner(self, "segmenter", seg, "fit", X, y, expects=SEGMENTER_EXPECTS)

    def _transform(self, X):
        L = check_labels(
            call_inner(
                self, "segmenter", self.segmenter_, "transform", X, expects=SEGMENTER_EXPECTS
            )
        )
        if L.shape != X.shape:
            raise ValueError(
                f"the segmenter returned shape {L.shape} for input {X.shape}; it must return "
                "label images of the input's shape"
            )
        clip, _, props = region_properties(
            X, L, freqs=self.freqs_, frame_s=self.frame_s_, texture=self.texture
        )
        n = len(X)
        names = self._properties()
        count = np.bincount(clip, minlength=n).astype(np.float64)
        cols = [count[:, None]]
        safe = np.maximum(count, 1.0)
        has = count > 0
        starts = np.concatenate([[0], np.cumsum(count[:-1])]).astype(np.int64)
        V = np.stack([props[p] for p in names], axis=1) if len(clip) else np.zeros((0, len(names)))
        for s in self._stats():
            if s in ("mean", "std", "sum"):
                tot = np.stack([np.bincount(clip, weights=V[:, j], minlength=n)
                                for j in range(len(names))], axis=1)  # fmt: skip
                mean = tot / safe[:, None]
                if s == "sum":
                    val = tot
                elif s == "mean":
                    val = mean
                else:
                    sq = np.stack([np.bincount(clip, weights=V[:, j] ** 2, minlength=n)
                                   for j in range(len(names))], axis=1)  # fmt: skip
                    val = np.sqrt(np.maximum(sq / safe[:, None] - mean**2, 0.0))
            else:
                val = np.zeros((n, len(names)))
                if has.any():
                    if s in ("min", "max"):
                        ufunc = np.minimum if s == "min" else np.maximum
                        val[has] = ufunc.reduceat(V, starts[has], axis=0)
                    else:
                        for i in np.flatnonzero(has):
                            val[i] = np.median(V[starts[i] : starts[i] + int(count[i])], axis=0)
            cols.append(np.where(has[:, None], val, 0.0))
        k = int(self.top_k)
        if k:
            top = np.zeros((n, k, len(names)))
            if len(clip):
                # strongest first within each clip (regions are already grouped by clip)
                order = np.lexsort((-props["energy"], clip))
                rank = np.arange(len(clip)) - starts[clip[order]]
                sel = rank < k
                top[clip[order][sel], rank[sel]] = V[order][sel]
            cols.append(top.reshape(n, -1))
        out = np.concatenate(cols, axis=1)
        return out.astype(X.dtype, copy=False)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        names = self._properties()
        out = ["roi_count"]
        out += [f"roi_{s}_{p}" for s in self._stats() for p in names]
        out += [f"roi_top{j}_{p}" for j in range(int(self.top_k)) for p in names]
        return out

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [
            {"sr": 8000, "hop_length": 64, "n_fft": 62, "top_k": 2},
            {"sr": 8000, "hop_length": 64, "freqs": tuple(np.linspace(50.0, 4000.0, 32)),
             "texture": False, "stats": ("mean", "median")},
        ]  # fmt: skip

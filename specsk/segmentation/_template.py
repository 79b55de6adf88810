"""Batched normalised cross-correlation and per-class template matching."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.fft as sfft
from scipy import ndimage
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._chunking import apply_in_batches
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions
from ..utils._validation import Pair, as_pair, call_inner
from ._common import (
    SEGMENTER_EXPECTS,
    check_images,
    check_labels,
    frame_seconds,
    step_scales,
)

__all__ = ["TemplateMatching", "match_template"]

TEMPLATE_METHODS = ("median_strongest_region", "mean")


class _Prepared:
    """FFT and integral image of a batch for one template shape (shared by templates)."""

    def __init__(self, S: np.ndarray, shape, workers=None):
        h, w = shape
        n, H, W = S.shape
        self.shape = (h, w)
        self.image_shape = (H, W)
        X = S.astype(np.float64)
        # skimage zero-pads by the template size; the correlation of the unpadded image is
        # the same numbers shifted, and needs an FFT of only H + h - 1 (no wrap-around)
        self.fft_shape = (
            sfft.next_fast_len(H + h - 1, real=True),
            sfft.next_fast_len(W + w - 1, real=True),
        )
        self.F = sfft.rfft2(X, s=self.fft_shape, axes=(1, 2), workers=workers)
        # integral images (with a zero first row / column) for the local sums
        self.I1 = np.zeros((n, H + 1, W + 1))
        self.I2 = np.zeros((n, H + 1, W + 1))
        np.cumsum(np.cumsum(X, axis=1), axis=2, out=self.I1[:, 1:, 1:])
        np.cumsum(np.cumsum(X * X, axis=1), axis=2, out=self.I2[:, 1:, 1:])
        self.workers = workers

    def _local_sums(self, integral, rows, cols):
        # sum of the image over the template window whose last row / column is rows / cols
        # (windows hanging over the edge see zeros, as skimage's padding does)
        h, w = self.shape
        H, W = self.image_shape
        a1 = np.clip(rows + 1, 0, H)[:, None]
        a0 = np.clip(rows + 1 - h, 0, H)[:, None]
        b1 = np.clip(cols + 1, 0, W)[None, :]
        b0 = np.clip(cols + 1 - w, 0, W)[None, :]
        return integral[:, a1, b1] - integral[:, a0, b1] - integral[:, a1, b0] + integral[:, a0, b0]

    def ncc(self, template: np.ndarray, *, pad_input: bool, eps: float, rows=None) -> np.ndarray:
        """skimage's match_template for every image; only output ``rows`` if given."""
        h, w = self.shape
        H, W = self.image_shape
        t = np.asarray(template, dtype=np.float64)
        T = sfft.rfft2(t[::-1, ::-1], s=self.fft_shape)
        if pad_input:
            r0, c0, nr, nc = (h - 1) // 2, (w - 1) // 2, H, W
        else:
            r0, c0, nr, nc = h - 1, w - 1, H - h + 1, W - w + 1
        G = self.F * T
        # output [i, j] is the full convolution at (r0 + i, c0 + j): the window ending there
        if rows is None:
            rows = np.arange(nr)
            full = sfft.irfft2(G, s=self.fft_shape, axes=(1, 2), workers=self.workers)
            xcorr = full[:, r0 : r0 + nr]
        else:
            # only a few rows are wanted (the frequency band of a template): invert the
            # frequency axis for those rows with a small DFT matrix, then the time axis
            rows = np.asarray(rows)
            N1 = self.fft_shape[0]
            E = np.exp(2j * np.pi * np.outer(r0 + rows, np.arange(N1)) / N1) / N1
            xcorr = sfft.irfft(E @ G, n=self.fft_shape[1], axis=2, workers=self.workers)
        xcorr = xcorr[:, :, c0 : c0 + nc]
        cols = np.arange(c0, c0 + nc)
        win = self._local_sums(self.I1, r0 + rows, cols)
        win2 = self._local_sums(self.I2, r0 + rows, cols)
        t_mean = t.mean()
        t_ssd = np.sum((t - t_mean) ** 2)
        num = xcorr - win * t_mean
        den = np.sqrt(np.maximum((win2 - win * win / t.size) * t_ssd, 0.0))
        ok = den > eps
        return np.where(ok, num / np.where(ok, den, 1.0), 0.0)


def match_template(S, template, *, pad_input=False, workers=None):
    """Normalised cross-correlation of a template with every spectrogram of a batch.

    Reproduces ``skimage.feature.match_template(image, template, pad_input=pad_input)``
    (zero padding) for each image, in one batched FFT with integral images for the local
    norms (computed in float64).

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
        Spectrograms.
    template : np.ndarray [shape=(h, w)]
        Template, no larger than the images.
    pad_input : bool
        ``True``: the output has the images' shape and ``[r, c]`` is the score of the template
        centred at ``(r, c)`` (centre ``(h - 1) // 2``); ``False``: ``[r, c]`` places the
        template's top-left corner at ``(r, c)``.
    workers : int or None
        ``scipy.fft`` workers.

    Returns
    -------
    R : np.ndarray [shape=(n, n_bins', n_frames')]
        Scores in [-1, 1], in the dtype of ``S`` (computed in float64); 0 where the image
        window is flat.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.random.default_rng(0).random((2, 20, 30))
    >>> R = match_template(S, S[0, 5:10, 8:16])
    >>> R.shape, round(float(R[0, 5, 8]), 6)
    ((2, 16, 23), 1.0)
    """
    S = check_images(S)
    t = np.asarray(template, dtype=np.float64)
    if t.ndim != 2:
        raise ValueError(f"template must be a 2-D array (bins, frames), got shape {t.shape}")
    if not np.isfinite(t).all():
        raise ValueError("template contains NaN or infinity")
    if t.shape[0] > S.shape[1] or t.shape[1] > S.shape[2]:
        raise ValueError(
            f"template of shape {t.shape} is larger than the images {S.shape[1:]}; "
            "crop it or use longer spectrograms"
        )
    eps = np.finfo(S.dtype).eps
    R = _Prepared(S, t.shape, workers).ncc(t, pad_input=pad_input, eps=eps)
    return R.astype(S.dtype, copy=False)


def _window_starts(S: np.ndarray, shape) -> tuple[np.ndarray, np.ndarray]:
    """Top-left corner of the window of ``shape`` centred on the most energetic spot.

    The spot is the maximum of the level above the image minimum, smoothed by a Gaussian of
    a quarter of the window size: a plain box sum is flat wherever the window covers a
    smaller sound entirely, which would leave its alignment to the noise.
    """
    h, w = shape
    n, H, W = S.shape
    E = S.astype(np.float64) - S.reshape(n, -1).min(axis=1)[:, None, None]
    E = ndimage.gaussian_filter(E, (0, h / 4, w / 4), mode="constant")
    r, c = np.unravel_index(E.reshape(n, -1).argmax(axis=1), (H, W))
    return np.clip(r - (h - 1) // 2, 0, H - h), np.clip(c - (w - 1) // 2, 0, W - w)


class TemplateMatching(FeatureExtractorMixin, SpecskTransformer):
    """Best normalised cross-correlation with per-class templates, and where it occurs.

    ``fit(X, y)`` learns one template per class (or takes the user's ``templates``) and the
    frequency position where it belongs; ``transform`` returns, for every template, the
    maximum of the normalised cross-correlation (:func:`match_template`) over all time
    offsets and the frequency offsets within ``freq_shift`` bins of that position, and the
    position of that maximum: columns ``tm_{class}_{k}_score``, ``tm_{class}_{k}_time``
    (seconds: centre frame of the match times ``hop_length / sr``) and ``tm_{class}_{k}_freq``
    (centre bin of the match, in Hz when ``freqs`` or ``n_fft`` is given, else a bin index).

    Learning (``templates=None``): every training image gives a window of
    ``template_shape`` (bins, frames; clipped to the image size), at native scale:

    * ``"median_strongest_region"``: centred on the level-weighted centroid of the region
      with the most energy found by ``segmenter`` (default: Otsu's threshold of the image
      smoothed by a Gaussian of one bin / frame; the ``"mean"`` window when an image has no
      region); the class template is the element-wise median of its windows;
    * ``"mean"``: the window centred on the maximum of the level above the image minimum
      smoothed by a Gaussian of a quarter of ``template_shape`` (the most energetic spot);
      the class template is the mean of its windows.

    The template's frequency position is the median centre row of its windows. For user
    templates it is the median row of their best unrestricted match over the ``fit`` images.

    Parameters
    ----------
    templates : None, dict or list, default=None
        ``None`` (learn from ``y``), ``{label: array or list of arrays}``, or a list of
        ``(label, array)`` pairs; arrays are ``(bins, frames)``.
    template_shape : (int, int), default=(16, 16)
    method : {"median_strongest_region", "mean"}, default="median_strongest_region"
    freq_shift : int or None, default=2
        Frequency tolerance (bins) around the template's position; ``None``: anywhere.
    pad_input : bool, default=True
        Zero-pad the images so that templates may hang over the edges (skimage's
        ``pad_input``).
    segmenter : transformer or None, default=None
        Region finder for ``"median_strongest_region"``.
    sr : float or None, default=None
        Sample rate; ``None`` takes the one the input carries (spectrograms made by specsk
        do, see :class:`~specsk.utils.SignalArray`), else 22050.
    hop_length : int or None, default=None
        Samples between frames; ``None`` takes the input's, else 512.
    n_fft : int or None, default=None
        Report frequencies in Hz for linear STFT bins (``k * sr / n_fft``). With ``n_fft`` and
        ``freqs`` both ``None``, frequencies are in Hz when the input carries its bin
        frequencies, else bin indices.
    freqs : array-like or None, default=None
        Centre frequency of every bin (Hz), for other frequency axes of plain arrays.
    batch_size : int or None, default=256
        Images per FFT batch (bounds memory).

    Attributes
    ----------
    templates_ : list of np.ndarray
    template_labels_ : list
        Class label of every template.
    template_rows_ : np.ndarray of int
        Centre bin where every template is searched (+- ``freq_shift``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> S = rng.random((6, 32, 40)).astype(np.float32)
    >>> y = np.array([0, 1, 0, 1, 0, 1])
    >>> S[y == 0, 4:8, 10:20] += 3.0
    >>> S[y == 1, 20:28, 10:14] += 3.0
    >>> tm = TemplateMatching(template_shape=(8, 8), sr=8000, hop_length=128).fit(S, y)
    >>> tm.transform(S).shape, tm.get_feature_names_out()[0]
    ((6, 6), 'tm_0_0_score')
    """

    _input = "spectrogram"
    _kind = "segmentation"
    _spectrogram_ranks = (3,)

    _meta_params = {"sr": "sr", "hop_length": "hop_length"}
    _parameter_constraints: dict = {
        "templates": [dict, list, None],
        "template_shape": [
            Pair(Integral, 1, None, closed="left", names=("bins", "frames"), scalar=False)
        ],
        "method": [StrOptions(set(TEMPLATE_METHODS))],
        "freq_shift": [Interval(Integral, 0, None, closed="left"), None],
        "pad_input": ["boolean"],
        "segmenter": [HasMethods(["fit", "transform"]), None],
        "sr": [Interval(Real, 0, None, closed="neither"), None],
        "hop_length": [Interval(Integral, 1, None, closed="left"), None],
        "n_fft": [Interval(Integral, 1, None, closed="left"), None],
        "freqs": ["array-like", None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        templates=None,
        template_shape=(16, 16),
        method="median_strongest_region",
        freq_shift=2,
        pad_input=True,
        segmenter=None,
        sr=None,
        hop_length=None,
        n_fft=None,
        freqs=None,
        batch_size=256,
    ):
        self.templates = templates
        self.template_shape = template_shape
        self.method = method
        self.freq_shift = freq_shift
        self.pad_input = pad_input
        self.segmenter = segmenter
        self.sr = sr
        self.hop_length = hop_length
        self.n_fft = n_fft
        self.freqs = freqs
        self.batch_size = batch_size

    # -- learning ---------------------------------------------------------------------------
    def _user_templates(self, image_shape):
        items = []
        src = self.templates
        pairs = src.items() if isinstance(src, dict) else src
        try:
            for label, arrs in pairs:
                arrs = [arrs] if np.ndim(arrs) == 2 else list(arrs)
                items.extend((label, np.asarray(a, dtype=np.float64)) for a in arrs)
        except (TypeError, ValueError):
            raise ValueError(
                "templates must be a dict {label: array or list of arrays} or a list of "
                "(label, array) pairs"
            ) from None
        if not items:
            raise ValueError("templates is empty: give at least one template")
        for label, t in items:
            if t.ndim != 2 or not np.isfinite(t).all():
                raise ValueError(
                    f"templates[{label!r}] must be a finite 2-D array (bins, frames), got shape "
                    f"{t.shape}"
                )
            if t.shape[0] > image_shape[0] or t.shape[1] > image_shape[1]:
                raise ValueError(
                    f"templates[{label!r}] has shape {t.shape}, larger than the images "
                    f"{image_shape}"
                )
        return items

    def _learn_windows(self, X, shape):
        h, w = shape
        rs, cs = _window_starts(X, shape)
        if self.method == "median_strongest_region":
            from ._regions import region_properties
            from ._threshold import ThresholdSegmenter

            if self.segmenter is None:
                # Otsu on the raw image lets noise percolate into one big region; smoothing
                # by one bin / frame first keeps the regions to the sounds
                smooth = ndimage.gaussian_filter(X.astype(np.float64), (0, 1, 1))
                L = ThresholdSegmenter(method="otsu").fit_transform(smooth)
            else:
                seg = clone(self.segmenter)
                L = check_labels(
                    call_inner(
                        self, "segmenter", seg, "fit_transform", X, expects=SEGMENTER_EXPECTS
                    )
                )
            H = X.shape[1]
            clip, _, props = region_properties(
                X, L, freqs=np.arange(H, dtype=np.float64), frame_s=1.0, texture=False, shape=False
            )
            if len(clip):
                order = np.lexsort((-props["energy"], clip))
                first = np.ones(len(order), dtype=bool)
                first[1:] = clip[order][1:] != clip[order][:-1]
                best = order[first]
                bc = clip[best]
                rc = np.rint(props["centroid_hz"][best]).astype(int) - (h - 1) // 2
                cc = np.rint(props["centroid_s"][best]).astype(int) - (w - 1) // 2
                rs, cs = np.array(rs), np.array(cs)
                rs[bc] = np.clip(rc, 0, X.shape[1] - h)
                cs[bc] = np.clip(cc, 0, X.shape[2] - w)
        idx_r = np.asarray(rs)[:, None] + np.arange(h)
        idx_c = np.asarray(cs)[:, None] + np.arange(w)
        windows = X[np.arange(len(X))[:, None, None], idx_r[:, :, None], idx_c[:, None, :]]
        return windows.astype(np.float64), np.asarray(rs) + (h - 1) // 2

    def _fit(self, X, y):
        H, W = X.shape[1:]
        sr, hop, self.freqs_ = step_scales(self, H, sr_default=22050.0, hop_default=512)
        self.sr_, self.hop_length_ = float(sr), hop
        self.frame_s_ = frame_seconds(sr, hop)
        if self.templates is None:
            if y is None:
                raise ValueError(
                    "y is required to learn templates (templates=None): pass class labels "
                    "to fit, or give templates"
                )
            y = np.asarray(y)
            if y.shape != (len(X),):
                raise ValueError(f"y must have shape ({len(X)},), got {y.shape}")
            if y.dtype.kind in "fc" and not np.isfinite(y).all():
                bad = "NaN" if np.isnan(y).any() else "infinity"
                raise ValueError(
                    f"TemplateMatching learns one template per class, but y contains {bad}: "
                    "class labels must be finite (drop the unlabelled clips, or give "
                    "templates)"
                )
            h, w = as_pair(self.template_shape, integer=True)
            shape = (min(h, H), min(w, W))
            windows, rows = self._learn_windows(X, shape)
            self.classes_ = np.unique(y)
            agg = np.median if self.method == "median_strongest_region" else np.mean
            self.templates_ = [agg(windows[y == c], axis=0) for c in self.classes_]
            self.template_labels_ = list(self.classes_)
            self.template_rows_ = np.array(
                [int(np.rint(np.median(rows[y == c]))) for c in self.classes_]
            )
            return
        items = self._user_templates((H, W))
        self.template_labels_ = [label for label, _ in items]
        self.templates_ = [t for _, t in items]
        self.classes_ = np.array(list(dict.fromkeys(self.template_labels_)), dtype=object)
        # where each template belongs in frequency: its best unrestricted match on the data
        scores = self._match(X, rows=None)
        self.template_rows_ = np.rint(np.median(scores[:, :, 2], axis=0)).astype(int)

    # -- matching ---------------------------------------------------------------------------
    def _match(self, X, rows):
        """(n, n_templates, 3): best score, its centre column and centre row."""
        eps = np.finfo(X.dtype).eps
        pad = bool(self.pad_input)
        H = X.shape[1]

        def batch(Xb):
            out = np.zeros((len(Xb), len(self.templates_), 3))
            prepared = {}
            for j, t in enumerate(self.templates_):
                if t.shape not in prepared:
                    prepared[t.shape] = _Prepared(Xb, t.shape)
                h, w = t.shape
                off_r, off_c = (0, 0) if pad else ((h - 1) // 2, (w - 1) // 2)
                lo, hi = 0, (H if pad else H - h + 1) - 1
                if rows is not None and self.freq_shift is not None:
                    centre = int(rows[j]) - off_r
                    lo = min(max(centre - int(self.freq_shift), 0), hi)
                    hi = max(min(centre + int(self.freq_shift), hi), lo)
                sub = prepared[t.shape].ncc(t, pad_input=pad, eps=eps, rows=np.arange(lo, hi + 1))
                flat = sub.reshape(len(Xb), -1)
                k = flat.argmax(axis=1)
                r, c = np.unravel_index(k, sub.shape[1:])
                out[:, j, 0] = flat[np.arange(len(Xb)), k]
                out[:, j, 1] = c + off_c
                out[:, j, 2] = np.minimum(r + lo + off_r, H - 1)
            return out

        return apply_in_batches(batch, X, batch_size=self.batch_size)

    def _transform(self, X):
        M = self._match(X, rows=self.template_rows_)
        time = M[:, :, 1] * self.frame_s_
        row = M[:, :, 2].astype(int)
        freq = self.freqs_[row] if self.freqs_ is not None else row.astype(np.float64)
        out = np.stack([M[:, :, 0], time, freq], axis=2).reshape(len(X), -1)
        return out.astype(X.dtype, copy=False)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        seen: dict = {}
        names = []
        for label in self.template_labels_:
            k = seen.get(label, 0)
            seen[label] = k + 1
            names += [f"tm_{label}_{k}_{p}" for p in ("score", "time", "freq")]
        return names

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [
            {"template_shape": (8, 8), "sr": 8000, "hop_length": 64},
            {"template_shape": (6, 10), "method": "mean", "pad_input": False, "freq_shift": None,
             "n_fft": 62, "sr": 8000, "hop_length": 64},
        ]  # fmt: skip

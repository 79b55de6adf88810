"""Morphological refinement of label images and region size limits in Hz and seconds."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy import ndimage

from ..base import SpecskTransformer
from ..utils._sklearn_compat import Interval, validate_params
from ..utils._validation import Pair, as_pair
from ._common import (
    bin_edges,
    check_labels,
    frame_seconds,
    label_batch,
    resolve_freqs,
    step_scales,
)

__all__ = ["RegionRefiner", "refine_labels"]


_SIZE = Interval(Real, 0, None, closed="left")
_RECT = Pair(Integral, 1, None, closed="left", names=("bins", "frames"))
# one declaration, shared by refine_labels (decorator) and RegionRefiner
_REFINE_PARAMS: dict = {
    "min_size_hz": [_SIZE, None],
    "min_size_s": [_SIZE, None],
    "max_size_hz": [_SIZE, None],
    "max_size_s": [_SIZE, None],
    "min_area": [Interval(Integral, 0, None, closed="left"), None],
    "fill_holes": ["boolean"],
    "opening": [_RECT, None],
    "closing": [_RECT, None],
    "sr": [Interval(Real, 0, None, closed="neither"), None],
    "n_fft": [Interval(Integral, 1, None, closed="left"), None],
    "hop_length": [Interval(Integral, 1, None, closed="left"), None],
    "freqs": ["array-like", None],
}


def _rect(size):
    if size is None:
        return None
    return np.ones((1, *as_pair(size, integer=True)), dtype=bool)


def _padded(op, mask, struct):
    # pad with the "outside is like the edge" rule, so that closing/opening do not eat
    # regions that touch the border of the image
    ph, pw = struct.shape[1], struct.shape[2]
    p = np.pad(mask, ((0, 0), (ph, ph), (pw, pw)), mode="edge")
    return op(p, structure=struct)[:, ph:-ph, pw:-pw]


@validate_params(_REFINE_PARAMS, prefer_skip_nested_validation=True)
def refine_labels(
    labels,
    *,
    min_area=None,
    min_size_hz=None,
    max_size_hz=None,
    min_size_s=None,
    max_size_s=None,
    fill_holes=True,
    opening=None,
    closing=None,
    sr=None,
    n_fft=None,
    hop_length=None,
    freqs=None,
):
    """Clean label images: morphology, hole filling, and region size limits.

    Steps, in order: binary closing (``closing``), binary opening (``opening``), hole filling
    (``scipy.ndimage.binary_fill_holes``), 8-connected relabelling, then removal of regions
    smaller than ``min_area`` bins (as ``skimage.morphology.remove_small_objects``) or whose
    bandwidth / duration falls outside ``[min_size_hz, max_size_hz]`` /
    ``[min_size_s, max_size_s]``.

    Parameters
    ----------
    labels : np.ndarray [shape=(n, n_bins, n_frames)]
        Label images (0 = background) or boolean masks; any non-zero bin is foreground.
    min_area : int or None
        Minimum region area in bins.
    min_size_hz, max_size_hz : float or None
        Bandwidth limits (Hz): upper edge of the highest bin minus lower edge of the lowest
        bin (edges halfway between bin centres). Need ``freqs``, or ``sr`` and ``n_fft``.
    min_size_s, max_size_s : float or None
        Duration limits (s): number of frames spanned times ``hop_length / sr``. Need ``sr``
        and ``hop_length``.
    fill_holes : bool
        Fill the holes of every region.
    opening, closing : int or (int, int) or None
        Size (bins, frames) of the rectangle used for binary opening / closing.
    sr, n_fft, hop_length : number or None
        Linear STFT bins are ``k * sr / n_fft`` Hz; a frame lasts ``hop_length / sr`` s.
    freqs : array-like [shape=(n_bins,)] or None
        Centre frequency of every bin (mel, CQT ...), instead of ``n_fft``.

    Returns
    -------
    labels : np.ndarray [shape=(n, n_bins, n_frames), dtype=int32]
        Relabelled regions 1..k of each image (adjacent input regions merge).

    Examples
    --------
    >>> import numpy as np
    >>> L = np.zeros((1, 20, 20), dtype=np.int32)
    >>> L[0, 2:10, 2:10] = 1
    >>> L[0, 15, 15] = 2
    >>> refine_labels(L, min_area=4).max()
    np.int32(1)
    """
    return _refine_labels(
        check_labels(labels), min_area, min_size_hz, max_size_hz, min_size_s, max_size_s,
        fill_holes, opening, closing, sr, n_fft, hop_length, freqs,
    )  # fmt: skip


def _refine_labels(
    L, min_area, min_size_hz, max_size_hz, min_size_s, max_size_s, fill_holes, opening,
    closing, sr, n_fft, hop_length, freqs,
):  # fmt: skip
    n, n_bins, _ = L.shape
    need_hz = min_size_hz is not None or max_size_hz is not None
    need_s = min_size_s is not None or max_size_s is not None
    f = None
    if need_hz:
        if freqs is None and n_fft is None:
            raise ValueError(
                "min_size_hz/max_size_hz need the frequency of every bin: pass sr and n_fft "
                "(linear STFT bins) or freqs"
            )
        f = resolve_freqs(n_bins, freqs=freqs, sr=sr, n_fft=n_fft, what="min/max_size_hz")
    frame_s = None
    if need_s:
        if sr is None or hop_length is None:
            raise ValueError(
                "min_size_s/max_size_s need sr and hop_length to convert frames to seconds"
            )
        frame_s = frame_seconds(sr, hop_length)
    open_s, close_s = _rect(opening), _rect(closing)

    mask = L > 0
    if close_s is not None:
        mask = _padded(ndimage.binary_closing, mask, close_s)
    if open_s is not None:
        mask = _padded(ndimage.binary_opening, mask, open_s)
    if fill_holes:
        struct = np.zeros((3, 3, 3), dtype=bool)
        struct[1, 1, :] = struct[1, :, 1] = True  # holes are 4-connected, per image
        mask = ndimage.binary_fill_holes(mask, structure=struct)
    out = label_batch(mask)
    if min_area is None and not need_hz and not need_s:
        return out

    # one global numbering over the batch, so that sizes come from single vectorised calls
    counts = out.reshape(n, -1).max(axis=1)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    glob = np.where(out > 0, out + offsets[:, None, None], 0)
    total = int(counts.sum())
    keep = np.ones(total + 1, dtype=bool)
    keep[0] = False
    if min_area is not None:
        area = np.bincount(glob.ravel(), minlength=total + 1)
        keep &= area >= min_area
    if need_hz or need_s:
        boxes = ndimage.find_objects(glob)
        # intp even when there is no region (an all-zero label image)
        r0 = np.array([b[1].start for b in boxes], dtype=np.intp)
        r1 = np.array([b[1].stop for b in boxes], dtype=np.intp)
        c0 = np.array([b[2].start for b in boxes], dtype=np.intp)
        c1 = np.array([b[2].stop for b in boxes], dtype=np.intp)
        ok = np.ones(total, dtype=bool)
        if need_hz:
            edges = bin_edges(f)
            bw = edges[r1] - edges[r0]
            ok &= bw >= (min_size_hz or 0.0)
            if max_size_hz is not None:
                ok &= bw <= max_size_hz
        if need_s:
            dur = (c1 - c0) * frame_s
            ok &= dur >= (min_size_s or 0.0)
            if max_size_s is not None:
                ok &= dur <= max_size_s
        keep[1:] &= ok
    return label_batch(keep[glob])


class RegionRefiner(SpecskTransformer):
    """Morphological clean-up of label images, with region size limits in Hz and seconds.

    See :func:`refine_labels`. Put it after a segmenter: input and output are int32 label
    images ``(n, n_bins, n_frames)`` (any non-zero value counts as foreground, so boolean
    masks work too).

    Parameters
    ----------
    min_size_hz, min_size_s, max_size_hz, max_size_s : float or None, default=None
        Bandwidth (Hz) and duration (s) limits of the regions kept.
    min_area : int or None, default=None
        Minimum area in bins.
    fill_holes : bool, default=True
    opening, closing : int or (int, int) or None, default=None
        Rectangle sizes (bins, frames) of binary opening / closing.
    sr, n_fft, hop_length : number or None, default=None
        Bin and frame scales (linear STFT bins ``k * sr / n_fft``). ``None`` takes what the
        input carries: label images from a specsk segmenter keep the sample rate, hop length
        and bin frequencies of the spectrograms they were made from (see
        :class:`~specsk.utils.SignalArray`). Values set here must agree with the input's.
    freqs : array-like or None, default=None
        Centre frequency of every bin, for non-linear frequency axes of plain arrays.

    Examples
    --------
    >>> import numpy as np
    >>> L = np.zeros((1, 20, 20), dtype=np.int32)
    >>> L[0, 2:10, 2:10] = 1
    >>> L[0, 15, 15:17] = 2
    >>> RegionRefiner(min_size_s=0.05, sr=8000, hop_length=128).fit_transform(L).max()
    np.int32(1)
    """

    _input = "labels"
    _output = "labels"
    _output_dtype = "int32"
    _kind = "segmentation"
    _stateless = True
    _spectrogram_ranks = (3,)

    _parameter_constraints: dict = _REFINE_PARAMS
    _meta_params = {"sr": "sr", "hop_length": "hop_length"}

    def __init__(
        self,
        *,
        min_size_hz=None,
        min_size_s=None,
        max_size_hz=None,
        max_size_s=None,
        min_area=None,
        fill_holes=True,
        opening=None,
        closing=None,
        sr=None,
        n_fft=None,
        hop_length=None,
        freqs=None,
    ):
        self.min_size_hz = min_size_hz
        self.min_size_s = min_size_s
        self.max_size_hz = max_size_hz
        self.max_size_s = max_size_s
        self.min_area = min_area
        self.fill_holes = fill_holes
        self.opening = opening
        self.closing = closing
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.freqs = freqs

    def _validate_input(self, X, *, reset):
        # label images are integers; the spectrogram validation would make them float32
        arr = super()._validate_input(X, reset=reset)
        return check_labels(arr, name=f"{type(self).__name__}'s X")

    def _transform(self, X):
        need_hz = self.min_size_hz is not None or self.max_size_hz is not None
        sr, hop, freqs = step_scales(self, X.shape[1], need_freqs=need_hz)
        return _refine_labels(
            X, self.min_area, self.min_size_hz, self.max_size_hz, self.min_size_s,
            self.max_size_s, self.fill_holes, self.opening, self.closing, sr, None, hop, freqs,
        )  # fmt: skip

    @classmethod
    def _make_test_input(cls, rng, rank=None):
        # label images, as a segmenter would give them
        y = np.tile([0, 1], 4)
        S = rng.standard_normal((8, 32, 24))
        S[y == 1, 8:12, :] += 3.0
        return label_batch(S > 1.5), y

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [
            {"min_area": 3, "opening": 2},
            {"min_size_hz": 100.0, "min_size_s": 0.02, "sr": 8000, "n_fft": 62,
             "hop_length": 64, "closing": (3, 1)},
        ]  # fmt: skip

"""Helpers shared by the segmenters: validation, batch labelling, bin/frame to Hz/seconds."""

from __future__ import annotations

import numbers

import numpy as np
from scipy import ndimage

from ..utils._parallel import map_threads
from ..utils._validation import check_spectrograms

__all__ = [
    "SEGMENTER_EXPECTS",
    "check_images",
    "check_labels",
    "frame_seconds",
    "label_batch",
    "map_images",
    "resolve_freqs",
    "step_scales",
]

# 8-connectivity inside each image, nothing across the batch axis
_STRUCT8 = np.zeros((3, 3, 3), dtype=bool)
_STRUCT8[1] = True


def check_images(S, *, name: str = "S") -> np.ndarray:
    """Validate a 3-D batch ``(n, n_bins, n_frames)`` of finite spectrograms."""
    return check_spectrograms(S, name=name, ranks=(3,))


# what a `segmenter` parameter must be, for error messages (utils._validation.call_inner)
SEGMENTER_EXPECTS = (
    "a segmenter: a transformer that takes spectrogram batches (n, n_bins, n_frames) and "
    "returns integer label images of the same shape, e.g. ThresholdSegmenter"
)


def check_labels(labels, *, name: str = "labels") -> np.ndarray:
    """Validate a 3-D batch of label images (non-negative integers) and return int32."""
    arr = np.asarray(labels)
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int32)
    if arr.ndim != 3:
        raise ValueError(
            f"{name} must be a 3-D batch of label images (n, n_bins, n_frames), got shape "
            f"{arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} contains NaN or infinity; label images hold integers")
        if not np.array_equal(arr, np.round(arr)):
            raise ValueError(
                f"{name} must hold integer labels (0 = background), got non-integer values"
            )
    if arr.size and arr.min() < 0:
        raise ValueError(
            f"{name} must be non-negative (0 = background, 1..k regions), got minimum {arr.min():g}"
        )
    if arr.size and float(arr.max()) > np.iinfo(np.int32).max:  # float(): 2**31 in float32
        # valid region ids beyond int32 (e.g. 1e30): renumber them in order, 0 kept as
        # background, rather than letting the int32 cast wrap them around
        uniq, inv = np.unique(arr, return_inverse=True)
        return (inv.reshape(arr.shape) + (0 if uniq[0] == 0 else 1)).astype(np.int32)
    return arr.astype(np.int32, copy=False)


def label_batch(mask: np.ndarray) -> np.ndarray:
    """Connected components (8-connectivity) of each image of a boolean batch, numbered 1..k.

    One ``scipy.ndimage.label`` call labels the whole batch (the structuring element has no
    neighbours along the batch axis); labels are then shifted so that each image starts at 1.
    """
    mask = np.asarray(mask, dtype=bool)
    lab, _ = ndimage.label(mask, structure=_STRUCT8)
    lab = lab.astype(np.int32, copy=False)
    n = len(lab)
    if n == 0:
        return lab
    # ndimage.label numbers in raster order, so image i holds a contiguous block of labels
    # just after the largest label of the images before it
    maxes = lab.reshape(n, -1).max(axis=1)
    offsets = np.concatenate([[0], np.maximum.accumulate(maxes)[:-1]]).astype(np.int32)
    return np.where(lab > 0, lab - offsets[:, None, None], 0).astype(np.int32)


def map_images(func, S: np.ndarray, n_jobs=None) -> np.ndarray:
    """Apply a per-image ``func`` (2-D -> 2-D) to a batch, in ``n_jobs`` threads.

    Used for scikit-image routines that have no batch form; the thread count follows the
    package-wide policy (:func:`specsk.utils.effective_n_threads`).
    """
    return np.stack(map_threads(func, S, n_jobs))


def resolve_freqs(n_bins: int, *, freqs=None, sr=None, n_fft=None, what: str = "Hz sizes"):
    """Centre frequency (Hz) of every bin, from ``freqs`` or from ``sr`` and ``n_fft``.

    Returns None when neither is given.
    """
    if freqs is not None:
        f = np.asarray(freqs, dtype=np.float64).ravel()
        if f.shape != (n_bins,):
            raise ValueError(
                f"freqs must have one frequency per bin ({n_bins} feature(s): frequency bins), "
                f"got {f.size} values"
            )
        if not np.isfinite(f).all() or (np.diff(f) <= 0).any():
            raise ValueError("freqs must be finite and strictly increasing (low bins first)")
        return f
    if n_fft is None:
        return None
    if sr is None:
        raise ValueError(
            f"sr is needed to convert frequency bins to Hz for {what} (bins are k * sr / n_fft);"
            " pass sr, or freqs with the centre frequency of every bin"
        )
    if n_bins != n_fft // 2 + 1:
        raise ValueError(
            f"the spectrograms have {n_bins} feature(s) (frequency bins) but n_fft={n_fft} gives "
            f"{n_fft // 2 + 1} linear STFT bins; for mel, CQT or cropped spectrograms pass "
            "freqs (e.g. librosa.mel_frequencies(n_mels, fmin=..., fmax=...))"
        )
    return np.arange(n_bins) * (float(sr) / n_fft)


def bin_edges(freqs: np.ndarray) -> np.ndarray:
    """Edges (n_bins + 1) halfway between bin centres, extrapolated at both ends."""
    if len(freqs) == 1:
        return np.array([freqs[0] - 0.5, freqs[0] + 0.5])
    mid = 0.5 * (freqs[1:] + freqs[:-1])
    return np.concatenate([[2 * freqs[0] - mid[0]], mid, [2 * freqs[-1] - mid[-1]]])


def frame_seconds(sr, hop_length, *, what: str = "seconds") -> float | None:
    """Seconds per frame (``hop_length / sr``), None when neither is given."""
    if sr is None and hop_length is None:
        return None
    if sr is None or hop_length is None:
        missing = "sr" if sr is None else "hop_length"
        raise ValueError(
            f"{missing} is needed to convert frames to {what} (a frame lasts hop_length / sr "
            "seconds); pass both sr and hop_length"
        )
    if not isinstance(hop_length, numbers.Integral) or hop_length < 1:
        raise ValueError(f"hop_length must be a positive integer, got {hop_length!r}")
    return float(hop_length) / float(sr)


def step_scales(
    est, n_bins: int, *, sr_default=None, hop_default=None, infer_n_fft=False, need_freqs=True
):
    """``(sr, hop_length, freqs)`` of a step with ``sr``, ``hop_length``, ``n_fft`` and
    ``freqs`` parameters, inside its ``fit``/``transform``.

    Each is the user's value, else what the input carries (:class:`specsk.utils.SignalArray`;
    a spectrogram made by specsk carries all three), else the default. ``freqs`` comes from
    ``freqs``, else the input's bin frequencies, else linear STFT bins from ``n_fft``
    (``2 * (n_bins - 1)`` with ``infer_n_fft``), else ``None``. A value the user set that
    disagrees with what the input carries is an error (``sr`` and ``hop_length`` are checked
    by the base class; ``n_fft`` and ``freqs`` here). Without ``need_freqs`` the frequencies
    are only taken as given (no conversion from ``n_fft``, no error when they are missing).
    """
    meta = est._input_metadata()
    sr = est.sr if est.sr is not None else meta.get("sr", sr_default)
    hop = est.hop_length if est.hop_length is not None else meta.get("hop_length", hop_default)
    carried = meta.get("frequencies")
    if carried is not None and len(carried) != n_bins:
        carried = None
    name = type(est).__name__
    if not need_freqs:
        freqs = est.freqs if est.freqs is not None else carried
    elif est.freqs is not None or est.n_fft is not None or carried is None:
        n_fft = est.n_fft
        if n_fft is None and est.freqs is None and infer_n_fft and sr is not None:
            if n_bins < 2:
                raise ValueError(
                    f"{name}: the spectrograms have {n_bins} feature(s) (frequency bins); "
                    "pass freqs, or spectrograms with at least 2 bins"
                )
            n_fft = 2 * (n_bins - 1)
        freqs = resolve_freqs(n_bins, freqs=est.freqs, sr=sr, n_fft=n_fft, what=name)
        if carried is not None and not np.allclose(freqs, carried, rtol=1e-6):
            given = "freqs" if est.freqs is not None else f"n_fft={est.n_fft}"
            raise ValueError(
                f"{name}: {given} gives bin frequencies other than those the input carries "
                f"({carried[0]:g} ... {carried[-1]:g} Hz over {n_bins} bins); leave freqs and "
                "n_fft at None to use the input's."
            )
    else:
        freqs = np.asarray(carried, dtype=np.float64)
    return sr, (None if hop is None else int(hop)), freqs

"""Shared helpers of the image feature estimators: threads, channels, shapes, arguments.

The compiled texture kernels (GLCM, LBP) live in :mod:`._texture_kernels`; the estimators
and their function twins (``_glcm.py``, ``_lbp.py``, ``_gabor.py``, ...) parse their
arguments and call them. What is shared by several feature modules stays here:
:func:`run_chunked` runs GIL-releasing kernels on blocks of images in a thread pool (instead
of ``parallel=True``/``prange``: numba's default OpenMP layer spin-waits at the end of each
parallel region, and on a machine shared with other busy processes that measured 2-4x slower
than these threads, which sleep when idle), :func:`per_channel` / :func:`channel_names` lift
3-D feature functions to 4-D batches, and small argument parsers.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "angle_name",
    "as_number_tuple",
    "band_edges",
    "channel_names",
    "check_image_shape",
    "image_shape_info",
    "n_threads",
    "per_channel",
    "run_chunked",
]


# -- shared helpers ----------------------------------------------------------------------------
def n_threads(n_jobs) -> int:
    """Threads ``run_chunked`` uses for ``n_jobs`` (:func:`specsk.utils.effective_n_threads`)."""
    from ..utils._parallel import effective_n_threads

    return effective_n_threads(n_jobs)


def run_chunked(func, X, n_jobs=None, *args):
    """``func(X, *args)`` on blocks of images in threads (:mod:`specsk.utils._parallel`)."""
    from ..utils._parallel import run_chunked as _run_chunked

    return _run_chunked(func, X, n_jobs, *args)


def per_channel(func, S: np.ndarray) -> np.ndarray:
    """Apply a ``(n, n_bins, n_frames) -> (n, k)`` feature function to 3-D or 4-D batches.

    4-D input ``(n, n_channels, n_bins, n_frames)`` gives ``(n, n_channels * k)``, channel 0's
    features first (the order of :func:`channel_names`).
    """
    if S.ndim == 3:
        return func(S)
    n, c = S.shape[:2]
    F = func(S.reshape(n * c, *S.shape[2:]))
    return F.reshape(n, c * F.shape[1])


def channel_names(names: list[str], n_channels: int | None) -> list[str]:
    """Prefix names with ``ch{k}_`` for 4-D input (``n_channels`` not None)."""
    if n_channels is None:
        return list(names)
    return [f"ch{k}_{name}" for k in range(n_channels) for name in names]


def band_edges(n_bins: int, n_bands: int) -> np.ndarray:
    """Edges of ``n_bands`` contiguous frequency bands over ``n_bins`` rows (low band first)."""
    return np.linspace(0, n_bins, n_bands + 1).round().astype(np.int64)


def image_shape_info(S: np.ndarray) -> tuple[tuple[int, int], int | None]:
    """``((n_bins, n_frames), n_channels or None)`` of a validated 3-D/4-D batch."""
    return (S.shape[-2], S.shape[-1]), (S.shape[1] if S.ndim == 4 else None)


# -- estimator helpers -------------------------------------------------------------------------
def check_image_shape(est, X: np.ndarray) -> None:
    """Raise if ``X``'s image shape or channel count differs from what ``est`` saw in fit."""
    (shape, n_channels) = image_shape_info(X)
    if shape != tuple(est.image_shape_) or n_channels != est.n_channels_:
        fitted = f"{tuple(est.image_shape_)} images" + (
            f" x {est.n_channels_} channels" if est.n_channels_ is not None else " (3-D input)"
        )
        got = f"{shape} images" + (
            f" x {n_channels} channels" if n_channels is not None else " (3-D input)"
        )
        raise ValueError(
            f"X holds {got} (n_bins, n_frames), but {type(est).__name__} was fitted on "
            f"{fitted}; resize or crop the spectrograms to the fitted shape"
        )


def as_number_tuple(value, name: str, *, integer=False, positive=False, nonempty=True) -> tuple:
    """Validate a scalar or sequence of numbers; return a tuple (scalars are wrapped)."""
    try:
        arr = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a number or a sequence of numbers, got {value!r}"
        ) from None
    if arr.ndim != 1 or (nonempty and arr.size == 0) or not np.isfinite(arr).all():
        raise ValueError(
            f"{name} must be a non-empty 1-D sequence of finite numbers, got {value!r}"
        )
    if integer and not np.all(arr == np.round(arr)):
        raise ValueError(f"{name} must hold integers, got {value!r}")
    if positive and not np.all(arr > 0):
        raise ValueError(f"{name} must hold positive numbers, got {value!r}")
    if len(set(arr.tolist())) != arr.size:
        raise ValueError(f"{name} must not repeat values, got {value!r}")
    return tuple(int(v) for v in arr) if integer else tuple(float(v) for v in arr)


def angle_name(a: float) -> str:
    """Angle in radians as a short name in degrees: 0 -> '0', pi/4 -> '45'."""
    return f"{np.degrees(a):.4g}"

"""Harmonic-percussive source separation of spectrogram batches (median filtering)."""

from __future__ import annotations

from numbers import Integral, Real

import numba
import numpy as np

from ..base import SpecskTransformer
from ..utils._parallel import effective_n_threads, numba_threads
from ..utils._sklearn_compat import Interval, Options, StrOptions, validate_params
from ..utils._validation import Pair, as_pair, check_spectrograms
from ._common import check_nonnegative

__all__ = ["HPSS", "hpss"]

_OUTPUTS = ("both", "harmonic", "percussive")


_HP = ("harmonic", "percussive")
# one declaration, shared by hpss (decorator) and HPSS
_HPSS_PARAMS = {
    "kernel_size": [Pair(Integral, 1, None, closed="left", names=_HP)],
    "power": [Interval(Real, 0, None, closed="neither"), Options(Real, {np.inf})],
    "mask": ["boolean"],
    "margin": [Pair(Real, 1, None, closed="left", names=_HP)],
    "output": [StrOptions(set(_OUTPUTS))],
    "n_jobs": [Integral, None],
}


@numba.njit(parallel=True, cache=True)
def _running_median_kernel(padded, k, out):  # pragma: no cover - compiled
    # a sorted copy of the window is kept per line: each step replaces the outgoing value by
    # the incoming one and moves it to its place, O(displacement) instead of a sort per pixel
    n, length = out.shape
    rank = k // 2  # scipy's median_filter is the rank filter of rank size // 2
    for i in numba.prange(n):
        win = np.sort(padded[i, :k])
        out[i, 0] = win[rank]
        for j in range(1, length):
            p = np.searchsorted(win, padded[i, j - 1])
            win[p] = padded[i, j + k - 1]
            while p + 1 < k and win[p + 1] < win[p]:
                win[p], win[p + 1] = win[p + 1], win[p]
                p += 1
            while p > 0 and win[p - 1] > win[p]:
                win[p], win[p - 1] = win[p - 1], win[p]
                p -= 1
            out[i, j] = win[rank]


def _median_along(S, k, axis):
    """``scipy.ndimage.median_filter`` with a window of ``k`` along ``axis`` only, reflect mode."""
    if k == 1:
        return S.copy()
    moved = np.moveaxis(S, axis, -1)
    lines = np.ascontiguousarray(moved).reshape(-1, moved.shape[-1])
    # scipy's "reflect" is NumPy's "symmetric"; a window centred at i spans k // 2 before
    padded = np.pad(lines, ((0, 0), (k // 2, k - 1 - k // 2)), mode="symmetric")
    out = np.empty_like(lines)
    _running_median_kernel(padded, k, out)
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def _softmask(X, X_ref, power, split_zeros):
    # librosa.util.softmask, batched and in the dtype of X
    dtype = X.dtype
    Z = np.maximum(X, X_ref)
    bad = Z < np.finfo(dtype).tiny
    Z[bad] = 1
    if np.isfinite(power):
        mask = (X / Z) ** dtype.type(power)
        ref = (X_ref / Z) ** dtype.type(power)
        good = ~bad
        mask[good] /= mask[good] + ref[good]
        mask[bad] = 0.5 if split_zeros else 0.0
    else:
        mask = (X > X_ref).astype(dtype)
    return mask


@validate_params(_HPSS_PARAMS, prefer_skip_nested_validation=True)
def hpss(S, *, kernel_size=31, power=2.0, mask=False, margin=1.0, output="both", n_jobs=None):
    """Split every spectrogram of a batch into harmonic and percussive parts.

    Median filtering along time keeps horizontal ridges (sustained, harmonic sounds); along
    frequency it keeps vertical ridges (onsets, clicks). Soft masks built from the two filtered
    images split the input (Fitzgerald 2010; Driedger, Mueller and Disch 2014 for ``margin``),
    exactly as :func:`librosa.decompose.hpss` does, but for the whole batch in one call.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Magnitude or power spectrogram batch (non-negative; not dB). 4-D input is only
        accepted with ``output="harmonic"`` or ``"percussive"``: each channel is separated on
        its own.
    kernel_size : int or (int, int), default=31
        Median-filter widths ``(harmonic, percussive)``: frames along time for the harmonic
        filter, bins along frequency for the percussive one. An int means both.
    power : float > 0 or np.inf, default=2.0
        Exponent of the soft (Wiener) masks; ``np.inf`` gives hard binary masks.
    mask : bool, default=False
        Return the masks instead of the masked spectrograms.
    margin : float >= 1 or (float, float), default=1.0
        Separation margins ``(harmonic, percussive)``; values above 1 leave a residual
        (``S - H - P``) of bins that belong clearly to neither.
    output : {"both", "harmonic", "percussive"}, default="both"
        ``"both"`` stacks ``[harmonic, percussive]`` on a new axis 1.
    n_jobs : int or None, default=None
        Threads of the compiled median filters: None means 1 unless in a
        ``joblib.parallel_config(n_jobs=...)`` context, -1 means all cores (see
        :func:`specsk.utils.effective_n_threads`). The result does not depend on it.

    Returns
    -------
    HP : np.ndarray [shape=(n, 2, n_bins, n_frames)] if ``output="both"``, else same shape as S
        Masked spectrograms (or masks), in the dtype of ``S``.

    Notes
    -----
    The median filters equal :func:`scipy.ndimage.median_filter` with a window of 1 on the
    batch (and channel) axes and ``mode="reflect"`` (librosa's boundary handling), so the
    result equals ``librosa.decompose.hpss`` applied to each image (the tests check it to
    1e-6). They run as a compiled running median (a sorted window updated sample by sample),
    parallel over the image rows and columns (``n_jobs`` threads). A window wider than the
    image is allowed (the image is reflected, as in librosa).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.decomposition import hpss
    >>> S = np.random.default_rng(0).random((4, 64, 40), dtype=np.float32)
    >>> hpss(S, kernel_size=(17, 9)).shape
    (4, 2, 64, 40)
    """
    S = check_spectrograms(S, name="S", ranks=(3,) if output == "both" else (3, 4))
    return _hpss(S, kernel_size, power, mask, margin, output, n_jobs)


def _hpss(S, kernel_size, power, mask, margin, output, n_jobs):
    if output == "both" and S.ndim == 4:
        raise ValueError(
            f"HPSS(output='both') needs 3-D input (n, n_bins, n_frames), got shape {S.shape}:"
            " its output puts [harmonic, percussive] on the channel axis. Use "
            "output='harmonic' or 'percussive' for 4-D batches (separated per channel)."
        )
    check_nonnegative(S)
    win_harm, win_perc = as_pair(kernel_size, integer=True)
    margin_harm, margin_perc = as_pair(margin, integer=False)
    power = float(power)
    with numba_threads(effective_n_threads(n_jobs)):
        harm = _median_along(S, win_harm, -1)
        perc = _median_along(S, win_perc, -2)

    split_zeros = margin_harm == 1 and margin_perc == 1
    parts = []
    if output in ("both", "harmonic"):
        m = _softmask(harm, perc * S.dtype.type(margin_harm), power, split_zeros)
        parts.append(m if mask else S * m)
    if output in ("both", "percussive"):
        m = _softmask(perc, harm * S.dtype.type(margin_perc), power, split_zeros)
        parts.append(m if mask else S * m)
    if output == "both":
        return np.stack(parts, axis=1)
    return parts[0]


class HPSS(SpecskTransformer):
    """Harmonic-percussive source separation of spectrogram batches.

    A stateless image step: median filters along time and frequency, soft masks, as
    :func:`librosa.decompose.hpss`. See :func:`hpss` for the parameters.

    Parameters
    ----------
    kernel_size : int or (int, int), default=31
        ``(harmonic, percussive)`` median-filter widths in frames and bins.
    power : float, default=2.0
        Soft-mask exponent (``np.inf``: hard masks).
    mask : bool, default=False
        Output the masks instead of the masked spectrograms.
    margin : float or (float, float), default=1.0
        Separation margins, >= 1.
    output : {"both", "harmonic", "percussive"}, default="both"
        ``"both"``: ``(n, 2, n_bins, n_frames)`` with channels ``[harmonic, percussive]``,
        ready for 2-channel CNNs or per-channel features; ``"harmonic"``/``"percussive"``:
        the same shape as the input (4-D input is separated per channel).
    n_jobs : int or None, default=None
        Threads of the compiled median filters: None means 1 unless in a
        ``joblib.parallel_config(n_jobs=...)`` context, -1 means all cores (see
        :func:`specsk.utils.effective_n_threads`). The result does not depend on it.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.decomposition import HPSS
    >>> S = np.random.default_rng(0).random((4, 64, 40), dtype=np.float32)
    >>> HPSS(kernel_size=9, output="percussive").fit_transform(S).shape
    (4, 64, 40)
    """

    _input = "spectrogram"
    _output = "spectrogram"
    _kind = "decomposition"
    _stateless = True

    _parameter_constraints: dict = _HPSS_PARAMS

    def __init__(
        self, *, kernel_size=31, power=2.0, mask=False, margin=1.0, output="both", n_jobs=None
    ):
        self.kernel_size = kernel_size
        self.power = power
        self.mask = mask
        self.margin = margin
        self.output = output
        self.n_jobs = n_jobs

    def _transform(self, X):
        return _hpss(
            X, self.kernel_size, self.power, self.mask, self.margin, self.output, self.n_jobs
        )

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [
            {"kernel_size": 5},
            {
                "kernel_size": (7, 3),
                "margin": 2.0,
                "output": "percussive",
                "mask": True,
                "n_jobs": 2,
            },
        ]

"""Batched resampling and the ``Resample`` estimator.

Results equal ``librosa.resample`` on each clip (same filters, same output length). The
soxr filters (librosa's default) are applied clip by clip straight through ``soxr.resample``:
measured on 64 x 2 s clips, one multichannel soxr call over the whole batch was 10-40 % slower
than a loop of 1-D calls (soxr's cost is the filter itself, ~1 ms per clip, and the interleaved
layout needs two transposes), so the loop is the fast path here. The other filters go through
``librosa.resample(..., axis=-1)`` on the whole batch. Ragged batches are grouped by clip shape.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..base import SpecskTransformer
from ..utils._sklearn_compat import StrOptions, validate_params
from ._common import POSITIVE, as_clips

__all__ = ["RES_TYPES", "Resample", "resample"]

SOXR_TYPES = ("soxr_vhq", "soxr_hq", "soxr_mq", "soxr_lq", "soxr_qq")
# filters that need only numpy/scipy/soxr (all librosa dependencies); resampy and samplerate
# filters are accepted too when those optional packages are installed
RES_TYPES = (*SOXR_TYPES, "scipy", "fft", "polyphase")
_OPTIONAL_RES_TYPES = (
    "kaiser_best",
    "kaiser_fast",
    "linear",
    "zero_order_hold",
    "sinc_best",
    "sinc_medium",
    "sinc_fastest",
)
# librosa's filter names; shared with the loader (specsk.audio._io)
RES_TYPE_CONSTRAINT = StrOptions(set(RES_TYPES + _OPTIONAL_RES_TYPES))
# one declaration, shared by the function (decorator) and the estimator
_RESAMPLE_PARAMS = {
    "orig_sr": [POSITIVE],
    "target_sr": [POSITIVE],
    "res_type": [RES_TYPE_CONSTRAINT],
}


def _resample_array(X: np.ndarray, orig_sr: float, target_sr: float, res_type: str) -> np.ndarray:
    """Resample a rectangular array along its last axis (any leading shape)."""
    if orig_sr == target_sr:
        return X
    n_out = int(np.ceil(X.shape[-1] * float(target_sr) / orig_sr))
    if res_type in SOXR_TYPES:
        import soxr

        rows = X.reshape(-1, X.shape[-1])
        # one 1-D soxr call per clip beats one multichannel call (see the module docstring)
        Y = np.stack([soxr.resample(r, orig_sr, target_sr, quality=res_type) for r in rows])
        Y = Y.reshape(*X.shape[:-1], Y.shape[-1])
    else:
        import librosa

        Y = librosa.resample(X, orig_sr=orig_sr, target_sr=target_sr, res_type=res_type, fix=False)
    # librosa.resample(fix=True) trims or zero-pads to exactly ceil(n * ratio) samples
    if Y.shape[-1] > n_out:
        Y = Y[..., :n_out]
    elif Y.shape[-1] < n_out:
        Y = np.pad(Y, [(0, 0)] * (Y.ndim - 1) + [(0, n_out - Y.shape[-1])])
    return np.ascontiguousarray(Y, dtype=X.dtype)


def _resample_clips(clips: list, orig_sr: float, target_sr: float, res_type: str) -> list:
    """Resample a list of clips (each ``(n_times,)`` or ``(n_channels, n_times)``).

    soxr filters run clip by clip anyway; for the others, clips of the same shape and dtype
    are stacked and resampled in one ``librosa.resample`` call.
    """
    if orig_sr == target_sr:
        return list(clips)
    if res_type in SOXR_TYPES:
        return [_resample_array(c, orig_sr, target_sr, res_type) for c in clips]
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, c in enumerate(clips):
        groups[(c.shape, c.dtype.str)].append(i)
    out: list = [None] * len(clips)
    for idx in groups.values():
        Y = _resample_array(np.stack([clips[i] for i in idx]), orig_sr, target_sr, res_type)
        for k, i in enumerate(idx):
            out[i] = Y[k]
    return out


def _resample(X, orig_sr, target_sr, res_type):
    """Core of :func:`resample` and :class:`Resample` on checked input and parameters."""
    if isinstance(X, list):
        return _resample_clips(X, float(orig_sr), float(target_sr), res_type)
    return _resample_array(X, float(orig_sr), float(target_sr), res_type)


@validate_params(_RESAMPLE_PARAMS, prefer_skip_nested_validation=True)
def resample(X, *, orig_sr, target_sr, res_type="soxr_hq"):
    """Resample a batch of clips from ``orig_sr`` to ``target_sr``.

    Equal to ``librosa.resample(x, orig_sr=orig_sr, target_sr=target_sr, res_type=res_type)``
    on every clip ``x`` (same filter, same output length ``ceil(n_times * target_sr /
    orig_sr)``), for a whole batch (array or ragged list).

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times) or (n, n_channels, n_times)] or list of np.ndarray
        Clips; a list may hold clips of different lengths (each ``(n_times,)`` or
        ``(n_channels, n_times)``).
    orig_sr, target_sr : float > 0
        Sample rates of the input and of the output.
    res_type : str, default="soxr_hq"
        librosa's resampling filter: ``"soxr_vhq"``, ``"soxr_hq"``, ``"soxr_mq"``,
        ``"soxr_lq"``, ``"soxr_qq"``, ``"scipy"``/``"fft"``, ``"polyphase"`` (integer rates),
        or the resampy/samplerate filters when those packages are installed.

    Returns
    -------
    Y : np.ndarray [shape=(n, m) or (n, n_channels, m)] or list of np.ndarray
        Same container and dtype as ``X`` (arrays stay arrays, lists stay lists);
        ``m = ceil(n_times * target_sr / orig_sr)``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.audio import resample
    >>> X = np.random.default_rng(0).standard_normal((4, 8000)).astype(np.float32)
    >>> resample(X, orig_sr=8000, target_sr=16000).shape
    (4, 16000)
    """
    return _resample(as_clips(X, allow_multichannel=True), orig_sr, target_sr, res_type)


class Resample(SpecskTransformer):
    """Resample clips from ``orig_sr`` to ``target_sr`` with librosa's filters.

    Stateless. Gives the same samples as ``librosa.resample`` on each clip, for arrays and
    ragged lists alike (see :func:`resample` and the module notes on batching).

    Parameters
    ----------
    orig_sr : float > 0, default=22050
        Sample rate of the input clips.
    target_sr : float > 0, default=16000
        Sample rate of the output clips.
    res_type : str, default="soxr_hq"
        librosa's resampling filter (see :func:`resample`).

    Notes
    -----
    Accepts ``(n, n_times)`` arrays, ragged lists of 1-D clips and multichannel
    ``(n, n_channels, n_times)`` arrays (channels are resampled independently). Arrays give
    arrays and lists give lists. Clips of any length are accepted: the output length is
    ``ceil(n_times * target_sr / orig_sr)``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.audio import Resample
    >>> X = np.zeros((2, 22050), dtype=np.float32)
    >>> Resample(orig_sr=22050, target_sr=16000).fit_transform(X).shape
    (2, 16000)
    """

    _input = "ragged"
    _output = "waveform"
    _kind = "audio"
    _stateless = True
    _parameter_constraints = _RESAMPLE_PARAMS
    _expected_failed_checks = {
        "check_n_features_in_after_fitting": (
            "Resample accepts clips of any length by design (a 'feature' is a sample), so a "
            "transform batch of another length than in fit is valid input, not an error"
        ),
    }

    def __init__(self, *, orig_sr=22050, target_sr=16000, res_type="soxr_hq"):
        self.orig_sr = orig_sr
        self.target_sr = target_sr
        self.res_type = res_type

    def _accepts_multichannel(self) -> bool:
        return True

    # the input's sample rate (when it carries one) must be orig_sr
    _meta_params = {"orig_sr": "sr"}

    def _transform(self, X):
        return _resample(X, self.orig_sr, self.target_sr, self.res_type)

    def _output_metadata(self, meta, Xt):
        return {**meta, "sr": float(self.target_sr)}

    @classmethod
    def _get_test_params(cls):
        return [
            {"orig_sr": 8000, "target_sr": 4000},
            {"orig_sr": 8000, "target_sr": 16000, "res_type": "polyphase"},
        ]

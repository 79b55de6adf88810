"""Helpers shared by the image filters: parameter checks and the plane view of a batch."""

from __future__ import annotations

import numbers

import numpy as np

from ..utils._validation import check_spectrograms

# scipy.ndimage boundary modes that make sense for spectrograms (cval is always 0)
NDIMAGE_MODES = ("reflect", "constant", "nearest", "mirror", "wrap")
# the same extensions under their numpy.pad names
PAD_MODES = {
    "reflect": "symmetric",
    "mirror": "reflect",
    "nearest": "edge",
    "wrap": "wrap",
    "constant": "constant",
}


def check_batch(S, name: str = "S") -> np.ndarray:
    """Validate a 3-D/4-D spectrogram batch (float32/float64 kept)."""
    return check_spectrograms(S, name=name)


def as_planes(S: np.ndarray) -> np.ndarray:
    """View ``S`` as a stack of 2-D images ``(n * n_channels, n_bins, n_frames)``.

    Every filter treats each (clip, channel) plane as one image: channels of a 4-D batch may be
    different representations (mel, CQT, ...) and must not be mixed either.
    """
    return S.reshape((-1, *S.shape[-2:]))


def pair(value, name: str, *, integer: bool, minimum: float, allow_equal: bool = True):
    """``value`` as a (frequency, time) pair; a scalar means both axes.

    Raises ValueError naming ``name`` when an entry is not a number, not an integer where one is
    needed, or below ``minimum``.
    """
    items = (value, value) if np.ndim(value) == 0 else tuple(np.asarray(value).tolist())
    kind = "integer" if integer else "number"
    bound = f">= {minimum}" if allow_equal else f"> {minimum}"
    msg = f"{name} must be a {kind} {bound} or a (frequency, time) pair of them, got {value!r}"
    if len(items) != 2:
        raise ValueError(msg)
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise ValueError(msg)
        if integer and int(v) != v:
            raise ValueError(msg)
        if v < minimum or (not allow_equal and v == minimum):
            raise ValueError(msg)
        out.append(int(v) if integer else float(v))
    return tuple(out)


def check_option(value, name: str, options) -> str:
    if value not in options:
        allowed = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_number(value, name: str, *, minimum=None, strict=False, allow_none=False):
    if value is None and allow_none:
        return None
    ok = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and np.isfinite(value)
        and (minimum is None or value > minimum or (not strict and value == minimum))
    )
    if not ok:
        bound = "" if minimum is None else (f" > {minimum}" if strict else f" >= {minimum}")
        extra = " or None" if allow_none else ""
        raise ValueError(f"{name} must be a finite number{bound}{extra}, got {value!r}")
    return float(value)

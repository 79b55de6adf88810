"""Parameter checks shared by the decomposition functions (estimators also check through
``_parameter_constraints``; the functions are public too, so they check on their own)."""

from __future__ import annotations

import numbers

import numpy as np

from ..utils._validation import check_spectrograms


def check_int(value, name: str, *, minimum: int, allow_none: bool = False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        extra = " or None" if allow_none else ""
        raise ValueError(f"{name} must be an integer >= {minimum}{extra}, got {value!r}")
    return int(value)


def check_real(value, name: str, *, minimum: float, strict: bool = False, allow_inf=False):
    ok = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and not np.isnan(value)
        and (allow_inf or np.isfinite(value))
        and (value > minimum or (not strict and value == minimum))
    )
    if not ok:
        bound = f"> {minimum}" if strict else f">= {minimum}"
        raise ValueError(f"{name} must be a number {bound}, got {value!r}")
    return float(value)


def check_option(value, name: str, options):
    if not isinstance(value, str) or value not in options:
        allowed = ", ".join(repr(o) for o in options)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}")
    return value


def check_nonnegative_spectrograms(S, *, name: str = "S", ranks=(3, 4)) -> np.ndarray:
    """A spectrogram batch that must be non-negative (magnitude or power, not dB)."""
    S = check_spectrograms(S, name=name, ranks=ranks)
    if S.min() < 0:
        raise ValueError(
            f"{name} has negative values (min {float(S.min()):.3g}): pass a magnitude or "
            "power spectrogram (e.g. MelSpectrogram output), not a dB-scaled one (PowerToDb / "
            "AmplitudeToDb come after this step, not before)"
        )
    return S

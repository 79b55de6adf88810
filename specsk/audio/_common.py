"""Pieces shared by the audio twins: the input check of the functions, common constraints."""

from __future__ import annotations

import numbers

import numpy as np

from ..utils import check_ragged_waveforms, check_waveforms
from ..utils._sklearn_compat import Interval

POSITIVE = Interval(numbers.Real, 0, None, closed="neither")
FINITE = Interval(numbers.Real, None, None, closed="neither")


def as_clips(X, *, allow_multichannel: bool = False):
    """Checked batch for a function twin: an array stays an array, a list a list of clips."""
    if isinstance(X, np.ndarray) and X.dtype != object:
        return check_waveforms(X, allow_multichannel=allow_multichannel)
    return check_ragged_waveforms(X, allow_multichannel=allow_multichannel)

"""Input checks shared by the decomposition steps.

Parameters are declared once per technique (a constraints dict that the estimator and its
function twin share, see ``specsk.utils.validation``); only what depends on the data is here.
"""

from __future__ import annotations

import numpy as np

from ..utils._validation import check_spectrograms


def check_nonnegative_spectrograms(S, *, name: str = "S", ranks=(3, 4)) -> np.ndarray:
    """A spectrogram batch that must be non-negative (magnitude or power, not dB)."""
    return check_nonnegative(check_spectrograms(S, name=name, ranks=ranks), name=name)


def check_nonnegative(S: np.ndarray, *, name: str = "S") -> np.ndarray:
    """``S`` (already a checked batch) unchanged, or an error if it holds negative values."""
    if S.min() < 0:
        raise ValueError(
            f"{name} has negative values (min {float(S.min()):.3g}): pass a magnitude or "
            "power spectrogram (e.g. MelSpectrogram output), not a dB-scaled one (PowerToDb / "
            "AmplitudeToDb come after this step, not before)"
        )
    return S

"""Validation, batching and conformance-check utilities."""

from ._chunking import apply_in_batches, iter_batches
from ._validation import (
    as_float_array,
    check_ragged_waveforms,
    check_spectrograms,
    check_sr,
    check_waveforms,
    is_ragged,
    pad_short_clips,
)

__all__ = [
    "apply_in_batches",
    "as_float_array",
    "check_ragged_waveforms",
    "check_spectrograms",
    "check_sr",
    "check_waveforms",
    "is_ragged",
    "iter_batches",
    "pad_short_clips",
]

"""Validation, batching and conformance-check utilities."""

from ._chunking import apply_in_batches, iter_batches
from ._extract import ExtractionResult, extract_to_disk
from ._metadata import SignalArray, SignalList, get_metadata, with_metadata
from ._parallel import effective_n_threads
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
    "ExtractionResult",
    "SignalArray",
    "SignalList",
    "apply_in_batches",
    "as_float_array",
    "check_ragged_waveforms",
    "check_spectrograms",
    "check_sr",
    "check_waveforms",
    "effective_n_threads",
    "extract_to_disk",
    "get_metadata",
    "is_ragged",
    "iter_batches",
    "pad_short_clips",
    "with_metadata",
]

"""Audio input: reading files, resampling, downmixing, normalising, equal-length clips.

Files go in as paths and come out as a ragged list of clips (:class:`AudioLoader`,
:func:`load_audio`); :class:`FixedLength` (or :func:`split_fragments`) turns them into the 2-D
``(n_clips, n_times)`` float32 batch that every time-frequency step takes.
"""

from ._fixed_length import FixedLength, merge_fragments, split_fragments, to_fixed_length
from ._io import AudioLoader, LoadReport, check_paths, load_audio
from ._mono import ToMono, to_mono
from ._normalize import Normalize, normalize
from ._resample import Resample, resample

__all__ = [
    "AudioLoader",
    "FixedLength",
    "LoadReport",
    "Normalize",
    "Resample",
    "ToMono",
    "check_paths",
    "load_audio",
    "merge_fragments",
    "normalize",
    "resample",
    "split_fragments",
    "to_fixed_length",
    "to_mono",
]

"""Datasets: synthetic sound classes and helpers for public sound datasets.

:func:`make_sounds` generates classes that differ in time-frequency structure (tones, chirps,
harmonic stacks, modulated noise, click trains, ...); :func:`load_fsdd` lists the Free Spoken
Digit Dataset with its official train/test split.
"""

from ._fsdd import load_fsdd
from ._synthetic import SOUND_KINDS, make_sounds

__all__ = ["SOUND_KINDS", "load_fsdd", "make_sounds"]

"""Datasets: synthetic sound classes and loaders that return a dataset's official protocol.

:func:`make_sounds` generates classes that differ in time-frequency structure (tones, chirps,
harmonic stacks, modulated noise, click trains, ...). The loaders list a dataset's files
without reading audio and return a :class:`sklearn.utils.Bunch` with ``paths``, ``target``,
``target_names``, ``groups``, ``folds``, ``sr``, ``duration``, ``DESCR``, ``frame`` and
``cv``, a splitter that reproduces the official evaluation protocol and works as
``cross_val_score(est, X, y, cv=data.cv)`` without ``groups=``.

=========================  ===================================================================
loader                     protocol in ``cv``
=========================  ===================================================================
:func:`load_esc10`         5 predefined folds (class-folder or ESC-50 layout)
:func:`load_esc50`         5 predefined folds; ``esc10_only=True`` for the ESC-10 subset
:func:`load_urbansound8k`  10 predefined folds
:func:`load_fsdd`          fixed split (takes 0-4 test); ``cv_speaker``: leave one speaker out
:func:`load_folder`        one folder per class; folds/groups from file-name patterns
:func:`load_manifest`      CSV of paths and labels, optional fold and group columns
=========================  ===================================================================

:func:`load_sample_clips` returns five short real recordings shipped with specsk (CC0, from
ESC-10) for examples that must run offline.

:func:`fetch_esc50`, :func:`fetch_fsdd` and :func:`fetch_urbansound8k` download a dataset
once (pooch, checksum, progress bar) into :func:`get_data_home` (``SPECSK_DATA``, default
``~/specsk_data``), unpack it and return what the matching loader returns.
"""

from ._common import GroupedSplit
from ._esc import load_esc10, load_esc50
from ._fetch import fetch_esc50, fetch_fsdd, fetch_urbansound8k, get_data_home
from ._folder import load_folder, load_manifest
from ._fsdd import load_fsdd
from ._samples import SAMPLE_CLIPS, load_sample_clips
from ._synthetic import SOUND_KINDS, make_sounds
from ._urbansound8k import load_urbansound8k

__all__ = [
    "SAMPLE_CLIPS",
    "SOUND_KINDS",
    "GroupedSplit",
    "fetch_esc50",
    "fetch_fsdd",
    "fetch_urbansound8k",
    "get_data_home",
    "load_esc10",
    "load_esc50",
    "load_folder",
    "load_fsdd",
    "load_manifest",
    "load_sample_clips",
    "load_urbansound8k",
    "make_sounds",
]

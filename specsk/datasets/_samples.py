"""Five short real recordings shipped with specsk: ``load_sample_clips``.

The clips (dog bark, rooster, rain, clock tick, chainsaw; 2 s each, 22050 Hz mono FLAC) come
from ESC-10, which cut them from public-domain (CC0) Freesound recordings; the credits are in
``specsk/datasets/data/ATTRIBUTION.md`` and in the ``DESCR`` of the returned Bunch. They let
the examples and the documentation gallery run on real sounds offline.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
from sklearn.utils import Bunch

__all__ = ["SAMPLE_CLIPS", "load_sample_clips"]

#: Names of the shipped clips, in the default order of :func:`load_sample_clips`.
SAMPLE_CLIPS = ("dog_bark", "rooster", "rain", "clock_tick", "chainsaw")

#: Native sample rate of the shipped files.
_NATIVE_SR = 22050

#: (author, Freesound URL, license) of every clip; ATTRIBUTION.md has the full table.
_CREDITS = {
    "dog_bark": (
        "Bobby Beck",
        "http://www.freesound.org/people/Bobby%20Beck/sounds/32318/",
        "CC0 1.0",
    ),
    "rooster": (
        "JarredGibb",
        "http://www.freesound.org/people/JarredGibb/sounds/233160/",
        "CC0 1.0",
    ),
    "rain": ("thammo", "http://www.freesound.org/people/thammo/sounds/54958/", "CC0 1.0"),
    "clock_tick": ("Adam_N", "http://www.freesound.org/people/Adam_N/sounds/164688/", "CC0 1.0"),
    "chainsaw": (
        "UncleSigmund",
        "http://www.freesound.org/people/UncleSigmund/sounds/116765/",
        "CC0 1.0",
    ),
}


def _data_dir():
    return resources.files("specsk.datasets") / "data"


def load_sample_clips(names=None, *, sr=None):
    """Load the real recordings shipped with specsk (five 2-second clips, offline).

    Five recordings from ESC-10 (K. J. Piczak, ACM Multimedia 2015), all public domain
    (CC0) on Freesound, trimmed to 2 s and resampled to 22050 Hz mono: ``"dog_bark"``,
    ``"rooster"``, ``"rain"``, ``"clock_tick"`` and ``"chainsaw"`` (see
    :data:`SAMPLE_CLIPS`). They are small enough to ship as package data (about 280 KB), so
    examples can show real sounds without a download.

    Parameters
    ----------
    names : str or sequence of str or None, default=None
        Which clips, in this order; one name gives a batch of one. ``None`` loads all five
        in the order of :data:`SAMPLE_CLIPS`.
    sr : float > 0 or None, default=None
        Sample rate of the returned waveforms; ``None`` keeps the native 22050 Hz, any other
        rate is resampled with :func:`specsk.audio.load_audio`'s default filter.

    Returns
    -------
    data : sklearn.utils.Bunch
        - ``data`` : np.ndarray [shape=(n_clips, n_times)], float32 -- the waveforms, tagged
          with their ``sr`` (:class:`specsk.utils.SignalArray`); ``n_times = 2 * sr``.
        - ``target`` : np.ndarray [shape=(n_clips,)], int -- ``0 ... n_clips - 1``.
        - ``target_names``, ``names`` : np.ndarray [shape=(n_clips,)], object -- the clip
          names, in the order of ``data``.
        - ``paths`` : np.ndarray [shape=(n_clips,)], object -- the FLAC files, for steps
          that read files (:class:`specsk.audio.AudioLoader`).
        - ``sr`` : float -- sample rate of ``data``.
        - ``credits`` : list of dict -- ``name``, ``author``, ``url`` and ``license`` of
          every clip.
        - ``DESCR`` : str -- the attribution file (sources, authors, licenses, changes).

    Raises
    ------
    ValueError
        If a name is not one of :data:`SAMPLE_CLIPS`, or ``sr`` is not positive.

    Examples
    --------
    >>> from specsk.datasets import load_sample_clips
    >>> clips = load_sample_clips()
    >>> clips.data.shape, clips.sr
    ((5, 44100), 22050)
    >>> clips.names.tolist()
    ['dog_bark', 'rooster', 'rain', 'clock_tick', 'chainsaw']
    >>> load_sample_clips("rooster", sr=8000).data.shape
    (1, 16000)
    """
    from ..audio import load_audio
    from ..utils import with_metadata

    if names is None:
        names = list(SAMPLE_CLIPS)
    elif isinstance(names, str):
        names = [names]
    else:
        names = list(names)
    unknown = [n for n in names if n not in SAMPLE_CLIPS]
    if unknown or not names:
        raise ValueError(
            f"unknown sample clip(s) {unknown!r}; choose from {list(SAMPLE_CLIPS)}"
            if unknown
            else f"names is empty; choose from {list(SAMPLE_CLIPS)}"
        )
    if sr is None:
        sr = _NATIVE_SR
    if isinstance(sr, bool) or not isinstance(sr, int | float | np.number) or not sr > 0:
        raise ValueError(f"sr must be a positive number or None, got {sr!r}")

    folder = _data_dir()
    paths = [str(folder / f"{n}.flac") for n in names]
    clips, _ = load_audio(paths, sr=sr, mono=True, dtype=np.float32)
    data = with_metadata(np.stack([np.asarray(c) for c in clips]), {"sr": sr})
    credits = [
        dict(zip(("name", "author", "url", "license"), (n, *_CREDITS[n]), strict=True))
        for n in names
    ]
    return Bunch(
        data=data,
        target=np.arange(len(names)),
        target_names=np.array(names, dtype=object),
        names=np.array(names, dtype=object),
        paths=np.array(paths, dtype=object),
        sr=sr,
        credits=credits,
        DESCR=(folder / "ATTRIBUTION.md").read_text(encoding="utf-8"),
    )

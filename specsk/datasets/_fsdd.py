"""The Free Spoken Digit Dataset (FSDD): file list, labels and the official split."""

from __future__ import annotations

import os
import re
import warnings

import numpy as np

from ..exceptions import SpecskWarning

__all__ = ["load_fsdd"]

FSDD_URL = "https://github.com/Jakobovski/free-spoken-digit-dataset"
_NAME = re.compile(r"^(?P<digit>\d)_(?P<speaker>[A-Za-z0-9-]+)_(?P<index>\d+)\.wav$")
_SPLITS = ("train", "test", "all")
# the dataset's README: "All files with index 0-4 are in the test set, 5-49 in the train set"
_TEST_MAX_INDEX = 4


def _recordings_dir(path) -> str:
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or os.PathLike folder, got {type(path).__name__}")
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(
            f"FSDD folder {path!r} does not exist. Clone {FSDD_URL} and pass the repository "
            "folder (containing recordings/) or the recordings folder itself."
        )
    sub = os.path.join(path, "recordings")
    return sub if os.path.isdir(sub) else path


def load_fsdd(path, *, split="train", return_frame=False):
    """List the Free Spoken Digit Dataset's recordings with labels and the official split.

    FSDD files are named ``{digit}_{speaker}_{index}.wav`` (8 kHz mono WAV). The dataset's
    official split puts recordings with ``index`` 0-4 in the test set and 5-49 in the training
    set, so every speaker appears in both. No audio is read: pass the paths to
    :class:`~specsk.audio.AudioLoader` or :func:`~specsk.audio.load_audio`.

    Parameters
    ----------
    path : str or os.PathLike
        The dataset folder containing ``recordings/``, or the recordings folder itself.
    split : {"train", "test", "all"}, default="train"
        Which recordings to list.
    return_frame : bool, default=False
        Return one pandas DataFrame with columns ``path``, ``digit``, ``speaker``, ``index``,
        ``split`` instead of arrays.

    Returns
    -------
    paths : np.ndarray [shape=(n,)], object
        Full file paths, sorted by (digit, speaker, index).
    labels : np.ndarray [shape=(n,)], int
        The spoken digit, 0-9.
    speakers : np.ndarray [shape=(n,)], object
        Speaker names (useful as ``groups`` for speaker-independent cross-validation).
    frame : pandas.DataFrame
        Instead of the three arrays, if ``return_frame``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the folder holds no FSDD recordings, or ``split`` is unknown.

    Examples
    --------
    >>> from specsk.datasets import load_fsdd
    >>> paths, y, speakers = load_fsdd("free-spoken-digit-dataset")   # doctest: +SKIP
    >>> len(paths)                                                     # doctest: +SKIP
    2700
    """
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {_SPLITS}, got {split!r}")
    folder = _recordings_dir(path)
    rows, odd = [], []
    for name in os.listdir(folder):
        if not name.lower().endswith(".wav"):
            continue
        m = _NAME.match(name)
        if m is None:
            odd.append(name)
            continue
        rows.append((int(m["digit"]), m["speaker"], int(m["index"]), os.path.join(folder, name)))
    if not rows:
        raise ValueError(
            f"no FSDD recordings ({{digit}}_{{speaker}}_{{index}}.wav) found in {folder!r}; pass "
            f"the folder of a clone of {FSDD_URL} or its recordings/ folder"
        )
    if odd:
        warnings.warn(
            f"{len(odd)} .wav file(s) in {folder!r} do not follow FSDD's "
            f"{{digit}}_{{speaker}}_{{index}}.wav naming and were ignored (e.g. {odd[0]!r})",
            SpecskWarning,
            stacklevel=2,
        )
    rows.sort()
    is_test = np.array([r[2] <= _TEST_MAX_INDEX for r in rows])
    keep = {"train": ~is_test, "test": is_test, "all": np.ones_like(is_test)}[split]
    rows = [r for r, k in zip(rows, keep, strict=True) if k]
    is_test = is_test[keep]
    paths = np.array([r[3] for r in rows], dtype=object)
    labels = np.array([r[0] for r in rows], dtype=int)
    speakers = np.array([r[1] for r in rows], dtype=object)
    if return_frame:
        import pandas as pd

        return pd.DataFrame(
            {
                "path": paths,
                "digit": labels,
                "speaker": speakers,
                "index": np.array([r[2] for r in rows], dtype=int),
                "split": np.where(is_test, "test", "train"),
            }
        )
    return paths, labels, speakers

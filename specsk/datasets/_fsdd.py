"""The Free Spoken Digit Dataset (FSDD): file list, labels and the official split."""

from __future__ import annotations

import os
import re
import warnings

import numpy as np
from sklearn.model_selection import PredefinedSplit

from ..exceptions import SpecskWarning
from ._common import check_folder, frame_or_none, make_bunch, native_sr

__all__ = ["load_fsdd"]

FSDD_URL = "https://github.com/Jakobovski/free-spoken-digit-dataset"
_NAME = re.compile(r"^(?P<digit>\d)_(?P<speaker>[A-Za-z0-9-]+)_(?P<index>\d+)\.wav$")
_SPLITS = ("train", "test", "all")
# the dataset's README: "All files with index 0-4 are in the test set, 5-49 in the train set"
_TEST_MAX_INDEX = 4


_LAYOUT = (
    f"a clone of {FSDD_URL} (containing recordings/) or its recordings/ folder itself, with "
    "files named {digit}_{speaker}_{index}.wav"
)
# FSDD's README: recordings are trimmed to have near minimal silence; most last under 1 s
# (measured on the 3000 files: mean 0.44 s, max 2.28 s), so 1 s is the usual fixed length
_DURATION = 1.0
FSDD_DESCR = (
    "Free Spoken Digit Dataset (FSDD): 3000 recordings of the spoken digits 0-9 in English, "
    "6 speakers x 10 digits x 50 takes, 8 kHz mono 16-bit WAV, trimmed to near-minimal "
    f"silence. Source: {FSDD_URL}. License: Creative Commons Attribution-ShareAlike 4.0 "
    "(CC BY-SA 4.0), as stated in the repository README. Official protocol: a fixed split, "
    "takes 0-4 of every speaker and digit (10 %) are the test set and takes 5-49 the training "
    "set; `cv` is that split as a PredefinedSplit (one split). Every speaker is in both sets, "
    "so it measures speaker-dependent accuracy; `cv_speaker` (leave one speaker out) measures "
    "speaker-independent accuracy. Cite: Z. Jackson (Jakobovski) and contributors, Free "
    "Spoken Digit Dataset, versioned on Zenodo (https://zenodo.org/badge/latestdoi/61622039); "
    "give the release tag you used."
)


def _recordings_dir(path) -> str:
    path = check_folder(path, what="FSDD", layout=_LAYOUT)
    sub = os.path.join(path, "recordings")
    return sub if os.path.isdir(sub) else path


def load_fsdd(path, *, split="all"):
    """List the Free Spoken Digit Dataset's recordings with labels and the official split.

    FSDD files are named ``{digit}_{speaker}_{index}.wav`` (8 kHz mono WAV). The dataset's
    official split puts recordings with ``index`` 0-4 in the test set and 5-49 in the training
    set, so every speaker appears in both. No audio is read except the header of the first
    file (for ``sr``): pass the paths to :class:`~specsk.audio.AudioLoader` or
    :func:`~specsk.audio.load_audio`.

    Parameters
    ----------
    path : str or os.PathLike
        The dataset folder containing ``recordings/``, or the recordings folder itself.
    split : {"all", "train", "test"}, default="all"
        Which recordings to list. With ``"all"``, ``cv`` is the official split.

    Returns
    -------
    data : sklearn.utils.Bunch
        - ``paths`` : np.ndarray [shape=(n,)], object -- full paths, sorted by (digit,
          speaker, index).
        - ``target`` : np.ndarray [shape=(n,)], int -- the spoken digit, 0-9.
        - ``target_names`` : np.ndarray [shape=(10,)], object -- ``'0'`` ... ``'9'``.
        - ``groups`` : np.ndarray [shape=(n,)], object -- speaker names.
        - ``folds`` : np.ndarray [shape=(n,)], int or None -- with ``split="all"``, 0 for
          the official test recordings and -1 for training ones (PredefinedSplit's
          convention); None for a single split.
        - ``cv`` : cross-validation splitter -- with ``split="all"`` the official split (one
          :class:`~sklearn.model_selection.PredefinedSplit`: train on takes 5-49, test on
          0-4); for ``"train"`` or ``"test"`` the same as ``cv_speaker``.
        - ``cv_speaker`` : PredefinedSplit -- leave one speaker out (speaker-independent).
        - ``sr`` : int or None -- sample rate of the first file (8000).
        - ``duration`` : float -- 1.0 s: the documented usual length, not a maximum (a few
          recordings reach 2.3 s; pad or crop with :class:`~specsk.audio.FixedLength`).
        - ``DESCR``, ``name`` : str; ``frame`` : pandas.DataFrame or None -- columns
          ``path``, ``digit``, ``speaker``, ``index``, ``split`` (None without pandas).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the folder holds no FSDD recordings, or ``split`` is unknown.
    TypeError
        If ``path`` is not a str or os.PathLike.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np, soundfile as sf
    >>> from specsk.datasets import load_fsdd
    >>> tmp = tempfile.TemporaryDirectory()
    >>> rec = pathlib.Path(tmp.name) / "recordings"
    >>> rec.mkdir()
    >>> for digit in (0, 1):
    ...     for speaker in ("jackson", "theo"):
    ...         for index in (0, 7):
    ...             sf.write(rec / f"{digit}_{speaker}_{index}.wav", np.zeros(80), 8000)
    >>> fsdd = load_fsdd(tmp.name)
    >>> fsdd.folds.tolist()
    [0, -1, 0, -1, 0, -1, 0, -1]
    >>> fsdd.cv.get_n_splits(), fsdd.cv_speaker.get_n_splits(), fsdd.sr
    (1, 2, 8000)
    >>> tmp.cleanup()
    >>> fsdd = load_fsdd("free-spoken-digit-dataset")  # doctest: +SKIP
    >>> len(fsdd.paths)  # doctest: +SKIP
    3000
    """
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {_SPLITS}, got {split!r}")
    folder = _recordings_dir(path)
    rows, odd = [], []
    for name in os.listdir(folder):
        if name.startswith(".") or not name.lower().endswith(".wav"):
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
            f"{{digit}}_{{speaker}}_{{index}}.wav naming and were ignored "
            f"(e.g. {sorted(odd)[0]!r})",
            SpecskWarning,
            stacklevel=2,
        )
    rows.sort()
    is_test = np.array([r[2] <= _TEST_MAX_INDEX for r in rows])
    keep = {"train": ~is_test, "test": is_test, "all": np.ones_like(is_test)}[split]
    rows = [r for r, k in zip(rows, keep, strict=True) if k]
    if not rows:
        raise ValueError(f"no FSDD recordings of the {split!r} split in {folder!r}")
    is_test = is_test[keep]
    paths = [r[3] for r in rows]
    digits = np.array([r[0] for r in rows], dtype=int)
    speakers = np.array([r[1] for r in rows], dtype=object)
    # leave one speaker out: speaker i (sorted names) is the test set of split i
    speaker_fold = np.unique(speakers.astype(str), return_inverse=True)[1].reshape(-1)
    cv_speaker = PredefinedSplit(test_fold=speaker_fold)
    if split == "all":
        folds = np.where(is_test, 0, -1)
        cv = PredefinedSplit(test_fold=folds)
    else:
        folds, cv = None, PredefinedSplit(test_fold=speaker_fold)
    sr, _ = native_sr(paths[0])
    frame = frame_or_none(
        {
            "path": paths,
            "digit": digits,
            "speaker": speakers,
            "index": np.array([r[2] for r in rows], dtype=int),
            "split": np.where(is_test, "test", "train"),
        }
    )
    return make_bunch(
        name="FSDD",
        paths=paths,
        target=digits,
        target_names=[str(d) for d in range(10)],
        groups=speakers,
        folds=folds,
        cv=cv,
        cv_speaker=cv_speaker,
        sr=sr,
        duration=_DURATION,
        descr=FSDD_DESCR,
        frame=frame,
    )

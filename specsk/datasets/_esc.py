"""ESC-10 and ESC-50 (Piczak 2015): file lists, labels and the official 5-fold protocol."""

from __future__ import annotations

import os
import re

import numpy as np

from ._common import (
    check_files_exist,
    check_folder,
    fold_split,
    frame_or_none,
    make_bunch,
    native_sr,
    read_csv,
    shown,
)

__all__ = ["load_esc10", "load_esc50"]

ESC10_URL = "https://github.com/karolpiczak/ESC-10"
ESC50_URL = "https://github.com/karolpiczak/ESC-50"
_CLASS_DIR = re.compile(r"^(?P<number>\d{3}) - (?P<name>.+)$")
_CLIP = re.compile(r"^(?P<fold>\d+)-(?P<src_file>[^-]+)-(?P<take>[^-.]+)\.(?:ogg|wav)$", re.I)
_ESC50_COLUMNS = ("filename", "fold", "target", "category", "esc10", "src_file", "take")
_ESC10_LAYOUT = (
    "one folder per class named 'NNN - Class name' (e.g. '001 - Dog bark') holding "
    "{fold}-{freesound_id}-{take}.ogg clips (a clone of " + ESC10_URL + "), or the ESC-50 "
    "layout with meta/esc50.csv and audio/ (" + ESC50_URL + ")"
)
_ESC50_LAYOUT = f"meta/esc50.csv and audio/*.wav, as in a clone of {ESC50_URL}"
_DURATION = 5.0  # every ESC clip is cut or padded to 5 s by the authors
_CITATION = (
    "K. J. Piczak, 'ESC: Dataset for Environmental Sound Classification', Proceedings of the "
    "23rd ACM International Conference on Multimedia (ACM MM), 2015, pp. 1015-1018."
)
_PROTOCOL = (
    "Official protocol: 5-fold cross-validation over the predefined folds (the first field of "
    "the file name); clips cut from one Freesound recording share a fold, so a random split "
    "leaks sources and inflates accuracy. `cv` is a PredefinedSplit holding the folds (fold k "
    "is the test set of split k-1), usable as cross_val_score(est, X, y, cv=bunch.cv)."
)

ESC10_DESCR = (
    "ESC-10: 400 environmental sound clips of 5 s (44.1 kHz mono; Ogg Vorbis in the ESC-10 "
    "repository, WAV in ESC-50), 10 classes of "
    "40 (dog bark, rain, sea waves, baby cry, clock tick, person sneeze, helicopter, chainsaw, "
    "rooster, fire crackling), extracted from Freesound; the 10-class subset of ESC-50. "
    f"Source: {ESC10_URL}. License: Creative Commons Attribution 3.0 (each clip CC0 or CC-BY "
    f"3.0, attributions in the repository's README). {_PROTOCOL} Cite: {_CITATION}"
)
ESC50_DESCR = (
    "ESC-50: 2000 environmental sound clips of 5 s (44.1 kHz mono WAV), 50 classes of 40 in "
    "5 major categories (animals, natural soundscapes and water, human non-speech sounds, "
    "interior/domestic, exterior/urban), extracted from Freesound. The `esc10` column marks "
    f"the ESC-10 subset. Source: {ESC50_URL}. License: Creative Commons "
    f"Attribution-NonCommercial 3.0 (some clips CC-BY, see the repository). {_PROTOCOL} "
    f"Cite: {_CITATION}"
)


def _as_bool(value: str) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def load_esc50(path, *, esc10_only=False):
    """List ESC-50 (or its ESC-10 subset) with labels and the official 5-fold protocol.

    Reads ``meta/esc50.csv`` (columns ``filename``, ``fold``, ``target``, ``category``,
    ``esc10``, ``src_file``, ``take``) of a clone of the ESC-50 repository; the clips are in
    ``audio/``. No audio is read except the header of the first file (for ``sr``).

    Parameters
    ----------
    path : str or os.PathLike
        The ESC-50 folder, holding ``meta/esc50.csv`` and ``audio/``.
    esc10_only : bool, default=False
        Keep only the 400 ESC-10 clips (``esc10 == True``). Their classes are renumbered 0-9
        in the order of their ESC-50 ``target`` (dog, rooster, rain, ...), which differs from
        the ESC-10 repository's folder order.

    Returns
    -------
    data : sklearn.utils.Bunch
        - ``paths`` : np.ndarray [shape=(n,)], object -- full paths, sorted by file name
          (so by fold first).
        - ``target`` : np.ndarray [shape=(n,)], int -- class index: the rank of the CSV's
          ``target`` among those present (equal to it for the full ESC-50; 0-9 for ESC-10).
        - ``target_names`` : np.ndarray [shape=(n_classes,)], object -- ``category`` of each
          class index.
        - ``groups``, ``folds`` : np.ndarray [shape=(n,)], int -- the official fold, 1-5.
        - ``cv`` : :class:`~sklearn.model_selection.PredefinedSplit` -- leave one fold out.
        - ``sr`` : int or None -- sample rate of the first file (44100).
        - ``duration`` : float -- 5.0 s, the length of every clip.
        - ``DESCR``, ``name`` : str; ``frame`` : pandas.DataFrame or None -- the CSV rows
          kept, in ``paths`` order, with a ``path`` column; its ``target`` is the CSV's
          (None without pandas).

    Raises
    ------
    FileNotFoundError
        If ``path``, ``meta/esc50.csv`` or listed audio files do not exist.
    ValueError
        If the CSV lacks a column or no row is left.
    TypeError
        If ``path`` is not a str or os.PathLike.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np, soundfile as sf
    >>> from specsk.datasets import load_esc50
    >>> tmp = tempfile.TemporaryDirectory()
    >>> root = pathlib.Path(tmp.name)
    >>> (root / "meta").mkdir(); (root / "audio").mkdir()
    >>> lines = ["filename,fold,target,category,esc10,src_file,take"]
    >>> for fold in range(1, 6):
    ...     for target, category, esc10 in [(0, "dog", True), (14, "chirping_birds", False)]:
    ...         name = f"{fold}-{100 * fold + target}-A-{target}.wav"
    ...         sf.write(root / "audio" / name, np.zeros(441), 44100)
    ...         lines.append(f"{name},{fold},{target},{category},{esc10},{100 * fold},A")
    >>> _ = (root / "meta" / "esc50.csv").write_text("\\n".join(lines))
    >>> esc = load_esc50(root)
    >>> esc.target_names
    array(['dog', 'chirping_birds'], dtype=object)
    >>> esc.cv.get_n_splits(), esc.sr, esc.duration
    (5, 44100, 5.0)
    >>> len(load_esc50(root, esc10_only=True).paths)
    5
    >>> tmp.cleanup()
    >>> esc = load_esc50("ESC-50-master")  # doctest: +SKIP
    """
    root = check_folder(path, what="ESC-50", layout=_ESC50_LAYOUT)
    csv_path = os.path.join(root, "meta", "esc50.csv")
    if not os.path.isfile(csv_path):
        raise FileNotFoundError(f"no meta/esc50.csv in {root!r}. Expected layout: {_ESC50_LAYOUT}")
    rows = read_csv(csv_path, _ESC50_COLUMNS, what="ESC-50 metadata")
    if esc10_only:
        rows = [r for r in rows if _as_bool(r["esc10"])]
        if not rows:
            raise ValueError(f"no row of {csv_path!r} has esc10 == True")
    rows.sort(key=lambda r: r["filename"])
    audio = os.path.join(root, "audio")
    paths = [os.path.join(audio, r["filename"]) for r in rows]
    check_files_exist(paths, what=csv_path)

    # class index -> category, checked to be one-to-one
    categories: dict[int, str] = {}
    for r in rows:
        t, c = int(r["target"]), r["category"]
        if categories.setdefault(t, c) != c:
            raise ValueError(
                f"{csv_path!r} gives target {t} two categories: {categories[t]!r} and {c!r}"
            )
    # classes numbered in the order of the ESC-50 target: the target itself for all 50
    renumber = {t: i for i, t in enumerate(sorted(categories))}
    target = np.array([renumber[int(r["target"])] for r in rows], dtype=int)
    names = [categories[t] for t in sorted(categories)]
    folds = np.array([int(r["fold"]) for r in rows], dtype=int)
    sr, _ = native_sr(paths[0])
    frame = frame_or_none(
        {
            "path": paths,
            "filename": [r["filename"] for r in rows],
            "fold": folds,
            "target": [int(r["target"]) for r in rows],
            "category": [r["category"] for r in rows],
            "esc10": [_as_bool(r["esc10"]) for r in rows],
            "src_file": [r["src_file"] for r in rows],
            "take": [r["take"] for r in rows],
        }
    )
    return make_bunch(
        name="ESC-10" if esc10_only else "ESC-50",
        paths=paths,
        target=target,
        target_names=names,
        groups=folds,
        folds=folds,
        cv=fold_split(folds),
        sr=sr,
        duration=_DURATION,
        descr=ESC10_DESCR if esc10_only else ESC50_DESCR,
        frame=frame,
    )


def load_esc10(path):
    """List ESC-10 with labels and the official 5-fold protocol.

    Two layouts are recognised. The ESC-10 repository's: one folder per class named
    ``NNN - Class name`` holding ``{fold}-{freesound_id}-{take}.ogg``; classes are numbered in
    folder order and named without the number (``'Dog bark'``). Or the ESC-50 repository's
    (``meta/esc50.csv`` with its ``esc10`` column, audio in ``audio/``), read by
    :func:`load_esc50` with ``esc10_only=True``. No audio is read except the header of the
    first file (for ``sr``).

    Parameters
    ----------
    path : str or os.PathLike
        The folder holding the class folders, or an ESC-50 folder.

    Returns
    -------
    data : sklearn.utils.Bunch
        - ``paths`` : np.ndarray [shape=(400,)], object -- full paths, sorted (class folder,
          then file name).
        - ``target`` : np.ndarray [shape=(400,)], int -- class index, 0-9.
        - ``target_names`` : np.ndarray [shape=(10,)], object -- class names.
        - ``groups``, ``folds`` : np.ndarray [shape=(400,)], int -- the official fold, 1-5.
        - ``cv`` : :class:`~sklearn.model_selection.PredefinedSplit` -- leave one fold out:
          ``cross_val_score(est, X, y, cv=data.cv)`` runs the official protocol.
        - ``sr`` : int or None -- sample rate of the first file (44100).
        - ``duration`` : float -- 5.0 s, the documented clip length (a few clips differ).
        - ``DESCR``, ``name`` : str; ``frame`` : pandas.DataFrame or None -- one row per clip
          (``path``, ``filename``, ``fold``, ``target``, ``category``, ``src_file``,
          ``take``).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If it holds no ``NNN - Class name`` folders, or a clip's name is not
        ``{fold}-{freesound_id}-{take}.ogg``.
    TypeError
        If ``path`` is not a str or os.PathLike.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np, soundfile as sf
    >>> from specsk.datasets import load_esc10
    >>> tmp = tempfile.TemporaryDirectory()
    >>> root = pathlib.Path(tmp.name)
    >>> for number, name in [(1, "Dog bark"), (2, "Rain")]:
    ...     folder = root / f"{number:03d} - {name}"
    ...     folder.mkdir()
    ...     for fold in range(1, 6):
    ...         sf.write(folder / f"{fold}-{1000 * number + fold}-A.ogg", np.zeros(441), 44100)
    >>> esc = load_esc10(root)
    >>> esc.target_names
    array(['Dog bark', 'Rain'], dtype=object)
    >>> esc.folds.tolist()
    [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]
    >>> [test.tolist() for _, test in esc.cv.split(esc.paths)][0]
    [0, 5]
    >>> tmp.cleanup()
    >>> esc = load_esc10("ESC-10")  # doctest: +SKIP
    """
    root = check_folder(path, what="ESC-10", layout=_ESC10_LAYOUT)
    if os.path.isfile(os.path.join(root, "meta", "esc50.csv")):
        return load_esc50(root, esc10_only=True)

    class_dirs = sorted(
        d for d in os.listdir(root) if _CLASS_DIR.match(d) and os.path.isdir(os.path.join(root, d))
    )
    if not class_dirs:
        raise ValueError(f"no ESC-10 class folders in {root!r}. Expected layout: {_ESC10_LAYOUT}")
    paths, target, rows, odd = [], [], [], []
    for k, d in enumerate(class_dirs):
        folder = os.path.join(root, d)
        for name in sorted(os.listdir(folder)):
            if name.startswith(".") or not name.lower().endswith((".ogg", ".wav")):
                continue
            m = _CLIP.match(name)
            if m is None:
                odd.append(f"{d}/{name}")
                continue
            paths.append(os.path.join(folder, name))
            target.append(k)
            rows.append((name, int(m["fold"]), m["src_file"], m["take"]))
    if odd:
        raise ValueError(
            f"{len(odd)} file(s) in the ESC-10 class folders of {root!r} are not named "
            f"{{fold}}-{{freesound_id}}-{{take}}.ogg: {shown(odd)}"
        )
    if not paths:
        raise ValueError(f"the ESC-10 class folders in {root!r} hold no clips")
    names = [_CLASS_DIR.match(d)["name"] for d in class_dirs]
    folds = np.array([r[1] for r in rows], dtype=int)
    sr, _ = native_sr(paths[0])
    frame = frame_or_none(
        {
            "path": paths,
            "filename": [r[0] for r in rows],
            "fold": folds,
            "target": np.asarray(target, dtype=int),
            "category": [names[t] for t in target],
            "src_file": [r[2] for r in rows],
            "take": [r[3] for r in rows],
        }
    )
    return make_bunch(
        name="ESC-10",
        paths=paths,
        target=target,
        target_names=names,
        groups=folds,
        folds=folds,
        cv=fold_split(folds),
        sr=sr,
        duration=_DURATION,
        descr=ESC10_DESCR,
        frame=frame,
    )

"""Your own data: one folder per class, or a CSV manifest of paths and labels."""

from __future__ import annotations

import os
import re

import numpy as np

from ._common import (
    check_files_exist,
    check_folder,
    default_cv,
    encode_labels,
    fold_ids,
    fold_split,
    frame_or_none,
    make_bunch,
    native_sr,
    read_csv,
    shown,
)

__all__ = ["load_folder", "load_manifest"]

_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
_FOLDER_LAYOUT = (
    "one sub-folder per class, named after the class, holding that class's audio files "
    "(root/dog/a.wav, root/rain/b.wav, ...); at least two classes"
)
_PROTOCOL_NOTE = (
    "No official protocol: `cv` is a stratified 5-fold split shuffled with random_state=0 "
    "(group-aware through GroupedSplit when groups exist, so one group never spans train and "
    "test); with folds, `cv` is a PredefinedSplit that tests on each fold in turn."
)


def _compile(pattern, name):
    if pattern is None:
        return None
    if not isinstance(pattern, str | re.Pattern):
        raise TypeError(f"{name} must be a regular expression (str), got {type(pattern).__name__}")
    return re.compile(pattern)


def _extract(regex, names, *, param):
    """The ``group`` named group, else the first group, else the whole match, per name."""
    values, odd = [], []
    for name in names:
        m = regex.search(os.path.basename(name))
        if m is None:
            odd.append(name)
            continue
        if "group" in regex.groupindex:
            values.append(m["group"])
        elif regex.groups:
            values.append(m[1])
        else:
            values.append(m[0])
    if odd:
        raise ValueError(
            f"{len(odd)} file name(s) do not match {param}={regex.pattern!r}: {shown(odd)}"
        )
    return np.array(values, dtype=object)


def _protocol(target, groups, folds):
    if folds is not None:
        return fold_split(folds)
    return default_cv(target, groups)


def load_folder(
    path,
    *,
    extensions=_EXTENSIONS,
    group_pattern=None,
    fold_pattern=None,
):
    """List a folder of audio files arranged one sub-folder per class.

    Class names are the sub-folder names, sorted; every file below a class folder (at any
    depth) whose extension is in ``extensions`` is a clip of that class. Hidden files and
    folders (names starting with ``.``) are ignored, and so are class folders without audio.
    No audio is read except the header of the first file (for ``sr`` and ``duration``).

    Parameters
    ----------
    path : str or os.PathLike
        The root folder holding the class folders.
    extensions : tuple of str, default=(".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")
        File extensions to list, compared case-insensitively.
    group_pattern : str or None, default=None
        Regular expression searched in each file name whose named group ``group`` (or first
        group, or whole match) is the file's group, e.g. ``r"^(\\w+?)_"`` for a speaker
        prefix. Groups keep recordings of one source on one side of every split.
    fold_pattern : str or None, default=None
        The same for predefined folds (e.g. ``r"^(\\d+)-"``); ``cv`` then tests on each fold in
        turn. Integer folds are kept as they are, other values are numbered in sorted order.

    Returns
    -------
    data : sklearn.utils.Bunch
        - ``paths`` : np.ndarray [shape=(n,)], object -- full paths, sorted by class, then
          path.
        - ``target`` : np.ndarray [shape=(n,)], int; ``target_names`` : np.ndarray, object.
        - ``groups`` : np.ndarray [shape=(n,)] or None -- from ``group_pattern``, else the
          folds, else None.
        - ``folds`` : np.ndarray [shape=(n,)], int or None -- from ``fold_pattern``.
        - ``cv`` : cross-validation splitter, usable without ``groups=``: with folds a
          :class:`~sklearn.model_selection.PredefinedSplit`; with groups a
          :class:`GroupedSplit` over ``StratifiedGroupKFold(5, shuffle=True,
          random_state=0)``; else ``StratifiedKFold(5, shuffle=True, random_state=0)``
          (fewer splits only when a class or the groups are too few for five).
        - ``sr`` : int or None -- sample rate of the first file (others may differ).
        - ``duration`` : float or None -- length of the first file in seconds, a hint only.
        - ``DESCR``, ``name`` (the folder name) : str; ``frame`` : pandas.DataFrame or None
          -- columns ``path``, ``label``, ``target`` and ``group``/``fold`` when given.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If fewer than two class folders hold audio, or a file name does not match a pattern.
    TypeError
        If ``path`` or a pattern has the wrong type.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np, soundfile as sf
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.dummy import DummyClassifier
    >>> from specsk.datasets import load_folder
    >>> tmp = tempfile.TemporaryDirectory()
    >>> root = pathlib.Path(tmp.name)
    >>> for label in ("yes", "no"):
    ...     (root / label).mkdir()
    ...     for speaker in ("ann", "bob", "cid"):
    ...         for take in (1, 2):
    ...             sf.write(root / label / f"{speaker}_{take}.wav", np.zeros(1600), 16000)
    >>> data = load_folder(root, group_pattern=r"^(\\w+?)_")
    >>> data.target_names, data.sr, data.duration
    (array(['no', 'yes'], dtype=object), 16000, 0.1)
    >>> data.cv
    GroupedSplit(cv=StratifiedGroupKFold(n_splits=3, random_state=0, shuffle=True), groups=<12 samples in 3 groups>)
    >>> X = np.zeros((len(data.paths), 1))
    >>> cross_val_score(DummyClassifier(), X, data.target, cv=data.cv).tolist()
    [0.5, 0.5, 0.5]
    >>> tmp.cleanup()
    """  # noqa: E501
    root = check_folder(path, what="Audio", layout=_FOLDER_LAYOUT)
    if isinstance(extensions, str):
        extensions = (extensions,)
    extensions = tuple(e.lower() if e.startswith(".") else "." + e.lower() for e in extensions)
    group_re = _compile(group_pattern, "group_pattern")
    fold_re = _compile(fold_pattern, "fold_pattern")

    classes = {}
    for d in sorted(os.listdir(root)):
        folder = os.path.join(root, d)
        if d.startswith(".") or not os.path.isdir(folder):
            continue
        found = []
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [n for n in dirnames if not n.startswith(".")]
            found += [
                os.path.join(dirpath, f)
                for f in filenames
                if not f.startswith(".") and f.lower().endswith(extensions)
            ]
        if found:
            classes[d] = sorted(found)
    if len(classes) < 2:
        got = (
            "no class folder with audio"
            if not classes
            else f"only one class ({next(iter(classes))!r})"
        )
        raise ValueError(
            f"{root!r} holds {got} (extensions {extensions}). Expected layout: {_FOLDER_LAYOUT}"
        )
    names = sorted(classes)
    paths = [p for c in names for p in classes[c]]
    target = np.array([k for k, c in enumerate(names) for _ in classes[c]], dtype=int)
    groups = None if group_re is None else _extract(group_re, paths, param="group_pattern")
    raw_folds = None if fold_re is None else _extract(fold_re, paths, param="fold_pattern")
    folds = None if raw_folds is None else fold_ids(raw_folds, what="fold_pattern")
    if groups is None and folds is not None:
        groups = folds
    sr, duration = native_sr(paths[0])
    columns = {"path": paths, "label": [names[t] for t in target], "target": target}
    if group_re is not None:
        columns["group"] = groups
    if folds is not None:
        columns["fold"] = folds
    name = os.path.basename(os.path.normpath(root))
    return make_bunch(
        name=name,
        paths=paths,
        target=target,
        target_names=names,
        groups=groups,
        folds=folds,
        cv=_protocol(target, groups, folds),
        sr=sr,
        duration=duration,
        descr=(
            f"Audio files in {root!r}, one sub-folder per class ({len(names)} classes, "
            f"{len(paths)} files). {_PROTOCOL_NOTE}"
        ),
        frame=frame_or_none(columns),
    )


def load_manifest(
    csv,
    path_col="path",
    label_col="label",
    fold_col=None,
    group_col=None,
    *,
    root=None,
):
    """List the audio files of a CSV manifest: one row per file with its label.

    Relative paths are resolved against the CSV's folder (or ``root``). Rows keep the
    manifest's order. Only the ``csv`` module is needed; pandas, when installed, gives
    ``frame``. No audio is read except the header of the first file.

    Parameters
    ----------
    csv : str or os.PathLike
        The manifest, a comma-separated file with a header row.
    path_col : str, default="path"
        Column of file paths.
    label_col : str, default="label"
        Column of class labels; classes are sorted (numerically if all are integers).
    fold_col : str or None, default=None
        Column of predefined folds; ``cv`` then tests on each fold in turn.
    group_col : str or None, default=None
        Column of groups (speaker, recording, site) that must not span train and test.
    root : str or os.PathLike or None, default=None
        Folder that relative paths start from; default: the CSV's folder.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``paths``, ``target``, ``target_names``, ``groups`` (``group_col``, else the folds,
        else None), ``folds`` (``fold_col`` or None), ``cv`` (as in :func:`load_folder`),
        ``sr`` and ``duration`` (of the first file), ``DESCR``, ``name`` (the CSV's stem) and
        ``frame`` (the CSV with ``path`` resolved and a ``target`` column, or None).

    Raises
    ------
    FileNotFoundError
        If the CSV or a listed file does not exist.
    ValueError
        If a column is missing (the message lists the available ones), a path or label is
        empty, or there are fewer than two classes.
    TypeError
        If ``csv`` or ``root`` is not a str or os.PathLike.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np, soundfile as sf
    >>> from specsk.datasets import load_manifest
    >>> tmp = tempfile.TemporaryDirectory()
    >>> root = pathlib.Path(tmp.name)
    >>> lines = ["file,species,fold"]
    >>> for i, species in enumerate(["owl", "wren", "owl", "wren"]):
    ...     sf.write(root / f"clip{i}.flac", np.zeros(2205), 22050)
    ...     lines.append(f"clip{i}.flac,{species},{i // 2}")
    >>> _ = (root / "birds.csv").write_text("\\n".join(lines))
    >>> data = load_manifest(root / "birds.csv", "file", "species", fold_col="fold")
    >>> data.target.tolist(), data.folds.tolist(), data.sr
    ([0, 1, 0, 1], [0, 0, 1, 1], 22050)
    >>> [test.tolist() for _, test in data.cv.split(data.paths)]
    [[0, 1], [2, 3]]
    >>> tmp.cleanup()
    """
    if isinstance(csv, bytes) or not isinstance(csv, str | os.PathLike):
        raise TypeError(f"csv must be a str or os.PathLike file, got {type(csv).__name__}")
    csv_path = os.fspath(csv)
    if not os.path.isfile(csv_path):
        raise FileNotFoundError(
            f"manifest {csv_path!r} does not exist. Expected a CSV file with a header row and "
            f"one row per audio file, with columns {path_col!r} (file path, relative to the "
            f"CSV's folder or root=) and {label_col!r} (class label)"
        )
    if root is None:
        base = os.path.dirname(os.path.abspath(csv_path))
    else:
        base = check_folder(root, what="root", layout="the folder that relative paths start from")
    for param, col in (("path_col", path_col), ("label_col", label_col)):
        if not isinstance(col, str):
            raise TypeError(f"{param} must be a column name (str), got {type(col).__name__}")
    for param, col in (("fold_col", fold_col), ("group_col", group_col)):
        if col is not None and not isinstance(col, str):
            raise TypeError(f"{param} must be a column name (str) or None, got {col!r}")
    required = tuple(c for c in (path_col, label_col, fold_col, group_col) if c is not None)
    rows = read_csv(csv_path, required, what="manifest")
    for col in required:
        empty = [i + 2 for i, r in enumerate(rows) if not (r[col] or "").strip()]
        if empty:
            raise ValueError(f"column {col!r} of {csv_path!r} is empty on line(s) {shown(empty)}")
    paths = [os.path.join(base, r[path_col].strip()) for r in rows]
    check_files_exist(paths, what=csv_path)
    target, names = encode_labels(r[label_col].strip() for r in rows)
    if len(names) < 2:
        raise ValueError(
            f"{csv_path!r} has only one class ({names[0]!r}) in column {label_col!r}; "
            "classification needs at least two"
        )
    folds = None
    if fold_col is not None:
        folds = fold_ids([r[fold_col] for r in rows], what=f"column {fold_col!r}")
    groups = None
    if group_col is not None:
        groups = np.array([r[group_col].strip() for r in rows], dtype=object)
    elif folds is not None:
        groups = folds
    sr, duration = native_sr(paths[0])
    columns = {k: [r.get(k) for r in rows] for k in rows[0] if k is not None}
    columns[path_col] = paths
    columns["target"] = target
    return make_bunch(
        name=os.path.splitext(os.path.basename(csv_path))[0],
        paths=paths,
        target=target,
        target_names=names,
        groups=groups,
        folds=folds,
        cv=_protocol(target, groups, folds),
        sr=sr,
        duration=duration,
        descr=(
            f"Audio files listed in the manifest {csv_path!r} ({len(names)} classes, "
            f"{len(paths)} files). {_PROTOCOL_NOTE}"
        ),
        frame=frame_or_none(columns),
    )

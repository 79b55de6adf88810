"""UrbanSound8K (Salamon et al. 2014): file list, labels and the official 10-fold protocol."""

from __future__ import annotations

import os

import numpy as np

from ._common import (
    check_files_exist,
    check_folder,
    fold_split,
    frame_or_none,
    make_bunch,
    read_csv,
)

__all__ = ["load_urbansound8k"]

US8K_URL = "https://urbansounddataset.weebly.com/urbansound8k.html"
_COLUMNS = ("slice_file_name", "fsID", "start", "end", "salience", "fold", "classID", "class")
_LAYOUT = (
    "metadata/UrbanSound8K.csv and audio/fold1/ ... audio/fold10/, as in the extracted "
    f"UrbanSound8K archive ({US8K_URL})"
)
_DURATION = 4.0  # the documented maximum: slices are at most 4 s, many are shorter
US8K_DESCR = (
    "UrbanSound8K: 8732 labelled sound excerpts of at most 4 s from field recordings uploaded "
    "to Freesound, 10 classes (air_conditioner, car_horn, children_playing, dog_bark, "
    "drilling, engine_idling, gun_shot, jackhammer, siren, street_music). The WAV files keep "
    "their native sample rate, bit depth and channel count, which vary (sr is None: resample "
    f"when loading). Source: {US8K_URL}. License: Creative Commons Attribution-NonCommercial "
    "3.0. Official protocol: 10-fold cross-validation over the predefined folds (slices of one "
    "recording share a fold; never reshuffle). `cv` is a PredefinedSplit holding the folds "
    "(fold k is the test set of split k-1), usable as cross_val_score(est, X, y, cv=bunch.cv); "
    "report the mean accuracy over the 10 folds. Cite: J. Salamon, C. Jacoby and J. P. Bello, "
    "'A Dataset and Taxonomy for Urban Sound Research', 22nd ACM International Conference on "
    "Multimedia (ACM MM), Orlando, 2014."
)


def load_urbansound8k(path):
    """List UrbanSound8K with labels and the official 10-fold protocol.

    Reads ``metadata/UrbanSound8K.csv`` (columns ``slice_file_name``, ``fsID``, ``start``,
    ``end``, ``salience``, ``fold``, ``classID``, ``class``); the clips are in
    ``audio/fold{k}/``. No audio is read: the files keep their native, mixed sample rates, so
    ``sr`` is None.

    Parameters
    ----------
    path : str or os.PathLike
        The UrbanSound8K folder, holding ``metadata/`` and ``audio/``.

    Returns
    -------
    data : sklearn.utils.Bunch
        - ``paths`` : np.ndarray [shape=(n,)], object -- full paths, sorted by fold, then file
          name.
        - ``target`` : np.ndarray [shape=(n,)], int -- ``classID``, 0-9.
        - ``target_names`` : np.ndarray [shape=(10,)], object -- ``class`` of each classID.
        - ``groups``, ``folds`` : np.ndarray [shape=(n,)], int -- the official fold, 1-10.
        - ``cv`` : :class:`~sklearn.model_selection.PredefinedSplit` -- leave one fold out.
        - ``sr`` : None -- mixed native rates (pass ``sr=`` to the loader to resample).
        - ``duration`` : float -- 4.0 s, the documented maximum slice length.
        - ``DESCR``, ``name`` : str; ``frame`` : pandas.DataFrame or None -- the CSV in
          ``paths`` order with a ``path`` column (None without pandas).

    Raises
    ------
    FileNotFoundError
        If ``path``, the metadata CSV or listed audio files do not exist.
    ValueError
        If the CSV lacks a column, or one classID has two class names.
    TypeError
        If ``path`` is not a str or os.PathLike.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np, soundfile as sf
    >>> from specsk.datasets import load_urbansound8k
    >>> tmp = tempfile.TemporaryDirectory()
    >>> root = pathlib.Path(tmp.name)
    >>> (root / "metadata").mkdir()
    >>> lines = ["slice_file_name,fsID,start,end,salience,fold,classID,class"]
    >>> for fold in range(1, 11):
    ...     (root / "audio" / f"fold{fold}").mkdir(parents=True)
    ...     for class_id, name in [(0, "air_conditioner"), (1, "car_horn")]:
    ...         clip = f"{fold}{class_id}-{class_id}-0-0.wav"
    ...         sf.write(root / "audio" / f"fold{fold}" / clip, np.zeros(441), 44100)
    ...         lines.append(f"{clip},{fold}{class_id},0.0,0.01,1,{fold},{class_id},{name}")
    >>> _ = (root / "metadata" / "UrbanSound8K.csv").write_text("\\n".join(lines))
    >>> us8k = load_urbansound8k(root)
    >>> us8k.target_names
    array(['air_conditioner', 'car_horn'], dtype=object)
    >>> us8k.cv.get_n_splits(), us8k.duration
    (10, 4.0)
    >>> tmp.cleanup()
    >>> us8k = load_urbansound8k("UrbanSound8K")  # doctest: +SKIP
    """
    root = check_folder(path, what="UrbanSound8K", layout=_LAYOUT)
    csv_path = os.path.join(root, "metadata", "UrbanSound8K.csv")
    if not os.path.isfile(csv_path):
        raise FileNotFoundError(
            f"no metadata/UrbanSound8K.csv in {root!r}. Expected layout: {_LAYOUT}"
        )
    rows = read_csv(csv_path, _COLUMNS, what="UrbanSound8K metadata")
    rows.sort(key=lambda r: (int(r["fold"]), r["slice_file_name"]))
    folds = np.array([int(r["fold"]) for r in rows], dtype=int)
    paths = [
        os.path.join(root, "audio", f"fold{r['fold'].strip()}", r["slice_file_name"]) for r in rows
    ]
    check_files_exist(paths, what=csv_path)
    names: dict[int, str] = {}
    for r in rows:
        k, c = int(r["classID"]), r["class"]
        if names.setdefault(k, c) != c:
            raise ValueError(f"{csv_path!r} gives classID {k} two classes: {names[k]!r}, {c!r}")
    target = np.array([int(r["classID"]) for r in rows], dtype=int)
    frame = frame_or_none(
        {
            "path": paths,
            "slice_file_name": [r["slice_file_name"] for r in rows],
            "fsID": [int(r["fsID"]) for r in rows],
            "start": [float(r["start"]) for r in rows],
            "end": [float(r["end"]) for r in rows],
            "salience": [int(r["salience"]) for r in rows],
            "fold": folds,
            "classID": target,
            "class": [r["class"] for r in rows],
        }
    )
    return make_bunch(
        name="UrbanSound8K",
        paths=paths,
        target=target,
        target_names=[names.get(k, "") for k in range(max(names) + 1)],
        groups=folds,
        folds=folds,
        cv=fold_split(folds),
        sr=None,
        duration=_DURATION,
        descr=US8K_DESCR,
        frame=frame,
    )

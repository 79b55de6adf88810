"""What every dataset loader shares: path checks, label encoding, the protocol splitters and
the returned Bunch."""

from __future__ import annotations

import os
import re

import numpy as np
from sklearn.model_selection import PredefinedSplit, StratifiedGroupKFold, StratifiedKFold
from sklearn.utils import Bunch

__all__ = ["GroupedSplit"]

# how many offending entries an error message lists
_N_SHOWN = 5


class GroupedSplit:
    """A group-aware splitter with its groups baked in, so ``cv=`` needs no ``groups=``.

    ``cross_val_score(est, X, y, cv=GroupedSplit(StratifiedGroupKFold(5), groups))`` gives
    the same folds as passing ``groups`` to every call, which ``GridSearchCV`` inside
    ``cross_val_score`` (nested CV) and many helpers cannot do. The stored ``groups`` are tied
    to the order of the samples they were built with (a loader's ``paths``).

    Parameters
    ----------
    cv : cross-validation splitter
        A splitter whose ``split(X, y, groups)`` needs groups, such as
        :class:`~sklearn.model_selection.StratifiedGroupKFold` or
        :class:`~sklearn.model_selection.LeaveOneGroupOut`.
    groups : array-like [shape=(n_samples,)]
        The group of every sample.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import LeaveOneGroupOut
    >>> from specsk.datasets import GroupedSplit
    >>> cv = GroupedSplit(LeaveOneGroupOut(), groups=["a", "a", "b", "b"])
    >>> cv
    GroupedSplit(cv=LeaveOneGroupOut(), groups=<4 samples in 2 groups>)
    >>> [test.tolist() for _, test in cv.split(np.zeros((4, 1)))]
    [[0, 1], [2, 3]]
    """

    def __init__(self, cv, groups):
        self.cv = cv
        self.groups = groups

    def get_params(self, deep=True):
        """Parameters, as for an estimator (so :func:`sklearn.base.clone` works)."""
        return {"cv": self.cv, "groups": self.groups}

    def set_params(self, **params):
        """Set ``cv`` or ``groups``."""
        for key, value in params.items():
            if key not in ("cv", "groups"):
                raise ValueError(f"invalid parameter {key!r} for GroupedSplit; use cv or groups")
            setattr(self, key, value)
        return self

    def _checked_groups(self, X, groups):
        stored = np.asarray(self.groups)
        if groups is not None and not np.array_equal(np.asarray(groups), stored):
            raise ValueError(
                "this GroupedSplit already holds its groups; call split without groups= (or "
                "with the same groups)"
            )
        if X is not None and len(X) != len(stored):
            raise ValueError(
                f"GroupedSplit holds groups for {len(stored)} samples but got {len(X)}; it "
                "splits the samples it was built for, in the same order (a loader's paths)"
            )
        return stored

    def split(self, X, y=None, groups=None):
        """Yield ``(train, test)`` index arrays, using the stored groups."""
        stored = self._checked_groups(X, groups)
        if X is None:
            X = np.zeros((len(stored), 1))
        yield from self.cv.split(X, y, stored)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits."""
        stored = np.asarray(self.groups)
        if X is None:
            X = np.zeros((len(stored), 1))
        return self.cv.get_n_splits(X, y, stored)

    def __repr__(self):
        stored = np.asarray(self.groups)
        n_groups = len(np.unique(stored)) if stored.size else 0
        return (
            f"{type(self).__name__}(cv={self.cv!r}, "
            f"groups=<{len(stored)} samples in {n_groups} groups>)"
        )


def check_folder(path, *, what: str, layout: str) -> str:
    """``path`` as a str after checking its type and that the folder exists."""
    if isinstance(path, bytes) or not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or os.PathLike folder, got {type(path).__name__}")
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{what} folder {path!r} does not exist. Expected layout: {layout}")
    return path


def read_csv(csv_path: str, required: tuple[str, ...], *, what: str) -> list[dict]:
    """Rows of a CSV file as dicts; a missing column is a ValueError naming it."""
    import csv

    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        missing = [c for c in required if c not in columns]
        if missing:
            raise ValueError(
                f"{what} {csv_path!r} has no column {missing[0]!r}"
                + (f" (also missing: {missing[1:]})" if len(missing) > 1 else "")
                + f"; available columns: {columns}"
            )
        rows = list(reader)
    if not rows:
        raise ValueError(f"{what} {csv_path!r} has a header but no rows")
    return rows


def check_files_exist(paths, *, what: str) -> None:
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        shown = ", ".join(repr(p) for p in missing[:_N_SHOWN])
        raise FileNotFoundError(
            f"{len(missing)} of the {len(paths)} audio files listed by {what} do not exist, "
            f"e.g. {shown}"
        )


def shown(items) -> str:
    """A few items for an error message."""
    items = list(items)
    text = ", ".join(repr(x) for x in items[:_N_SHOWN])
    return text + (f", ... ({len(items)} in all)" if len(items) > _N_SHOWN else "")


def encode_labels(labels):
    """``(target, target_names)``: classes sorted (numerically if every label is an integer)."""
    labels = [str(v) for v in labels]
    names = sorted(set(labels))
    if all(re.fullmatch(r"[+-]?\d+", n) for n in names):
        names = sorted(names, key=int)
    index = {n: i for i, n in enumerate(names)}
    target = np.array([index[v] for v in labels], dtype=int)
    return target, np.array(names, dtype=object)


def fold_ids(values, *, what: str):
    """Official folds as ints: the values themselves if all are integers, else the index of
    each value among the sorted distinct values."""
    values = [str(v).strip() for v in values]
    if all(re.fullmatch(r"[+-]?\d+", v) for v in values):
        return np.array([int(v) for v in values], dtype=int)
    if any(v == "" for v in values):
        raise ValueError(f"{what}: some folds are empty")
    return encode_labels(values)[0]


def fold_split(folds) -> PredefinedSplit:
    """Each official fold is the test set once (leave-one-fold-out), groups not needed."""
    return PredefinedSplit(test_fold=np.asarray(folds, dtype=int))


def default_cv(target, groups=None):
    """No official protocol: stratified 5-fold, group-aware when groups exist.

    Fewer splits only when the data cannot make five (fewer members in the smallest class, or
    fewer groups), never fewer than two.
    """
    smallest = int(np.bincount(target).min()) if len(target) else 0
    if groups is None:
        return StratifiedKFold(n_splits=max(2, min(5, smallest)), shuffle=True, random_state=0)
    n_groups = len(np.unique(np.asarray(groups)))
    cv = StratifiedGroupKFold(n_splits=max(2, min(5, n_groups)), shuffle=True, random_state=0)
    return GroupedSplit(cv, groups=np.asarray(groups))


def native_sr(path):
    """``(sr, duration)`` of one file from its header, or ``(None, None)`` if unreadable."""
    import soundfile as sf

    try:
        info = sf.info(path)
    except (RuntimeError, OSError, TypeError, ValueError):
        return None, None
    return int(info.samplerate), float(info.frames / info.samplerate) if info.samplerate else None


def frame_or_none(columns: dict):
    """A pandas DataFrame of ``columns`` if pandas is installed, else None."""
    try:
        import pandas as pd
    except ImportError:
        return None
    return pd.DataFrame(columns)


def make_bunch(
    *, name, paths, target, target_names, groups, folds, cv, sr, duration, descr, frame, **extra
) -> Bunch:
    return Bunch(
        name=name,
        paths=np.asarray(paths, dtype=object),
        target=np.asarray(target, dtype=int),
        target_names=np.asarray(target_names, dtype=object),
        groups=None if groups is None else np.asarray(groups),
        folds=None if folds is None else np.asarray(folds, dtype=int),
        cv=cv,
        sr=sr,
        duration=duration,
        DESCR=descr,
        frame=frame,
        **extra,
    )

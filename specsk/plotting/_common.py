"""Helpers shared by the plotting modules (no matplotlib import at module level)."""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ImportError("specsk.plotting needs matplotlib: pip install 'specsk[plot]'") from None
    return plt


def _check_ax(ax):
    """``ax`` itself, or a new Axes on a new figure when ``None``."""
    if ax is None:
        _, ax = _pyplot().subplots()
        return ax
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _check_positive_int(value, name: str, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        what = "a positive integer or None" if allow_none else "a positive integer"
        raise ValueError(f"{name} must be {what}, got {value!r}")


def _class_name(cls, labels) -> str:
    """Display name of class ``cls``: ``labels`` is None, a dict or a sequence indexed by class."""
    if labels is None:
        return str(cls)
    if isinstance(labels, dict):
        return str(labels.get(cls, cls))
    return str(labels[int(cls)])

"""Plots of results: confusion matrix, per-class accuracy, feature importance."""

from __future__ import annotations

import warnings

import numpy as np

from ._common import _check_ax, _check_positive_int

__all__ = ["plot_confusion_matrix", "plot_feature_importance", "plot_per_class_accuracy"]

_NORMALIZE = (None, "true", "pred", "all")
_CBAR_LABELS = {
    None: "count",
    "true": "fraction of the true class",
    "pred": "fraction of the predicted class",
    "all": "fraction of all rows",
}


def _class_ticks(ax, names) -> None:
    """Class names on the x axis, slanted when there are many."""
    many = len(names) > 4
    ax.set_xticks(
        np.arange(len(names)), names, rotation=45 if many else 0, ha="right" if many else "center"
    )


# -- predictions from an EvaluationResult or arrays ------------------------------------------
def _is_result(obj) -> bool:
    from ..evaluation._results import EvaluationResult

    if isinstance(obj, EvaluationResult):
        return True
    return all(hasattr(obj, a) for a in ("names", "oof_pred", "target", "target_names"))


def _pipelines(result, pipeline, *, many: bool) -> list:
    names = list(result.names)
    if not names:
        raise ValueError("the evaluation result holds no pipeline")
    if pipeline is None:
        if many:
            return names
        if len(names) != 1:
            raise ValueError(
                f"the evaluation result holds {len(names)} pipelines {names}: pass pipeline=<name>"
            )
        return names
    if isinstance(pipeline, str):
        chosen = [pipeline]
    elif many:
        chosen = list(pipeline)
    else:
        raise TypeError(f"pipeline must be a pipeline name (str), got {type(pipeline).__name__}")
    unknown = [p for p in chosen if p not in names]
    if unknown or not chosen:
        raise ValueError(f"pipeline must be one of the pipeline names {names}, got {pipeline!r}")
    return chosen


def _result_pairs(result, name):
    """``(y_true, y_pred)`` class indices of the rows ``name`` predicted out of fold."""
    pred = np.asarray(result.oof_pred[name])
    target = np.asarray(result.target)
    tested = pred >= 0
    test_fold = getattr(result, "test_fold", None)
    if test_fold is not None:
        tested &= np.asarray(test_fold) >= 0
    return target[tested], pred[tested]


def _result_classes(result, labels):
    """Class indices to show and their names (``labels``: a subset of the class names)."""
    names = [str(c) for c in result.target_names]
    if labels is None:
        return np.arange(len(names)), names
    labels = [str(c) for c in labels]
    unknown = [c for c in labels if c not in names]
    if unknown or not labels:
        raise ValueError(f"labels {unknown} are not class names of the result ({names})")
    return np.array([names.index(c) for c in labels]), labels


def _array_pairs(y_true, y_pred, labels):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must be 1-D of the same length, got shapes {y_true.shape} and "
            f"{y_pred.shape}"
        )
    if len(y_true) == 0:
        raise ValueError("y_true and y_pred are empty")
    if labels is None:
        classes = np.unique(np.concatenate([y_true, y_pred]))
    else:
        classes = np.asarray(list(labels))
        if classes.size == 0:
            raise ValueError("labels is empty")
    return y_true, y_pred, classes


def _predictions(result_or_y_true, y_pred, pipeline, labels, *, many=False):
    """``(series, classes, class_names)``; series: list of ``(name, y_true, y_pred)``."""
    if _is_result(result_or_y_true):
        result = result_or_y_true
        if y_pred is not None:
            raise TypeError(
                "y_pred goes with y_true arrays; with an evaluation result choose the pipeline "
                "with pipeline=<name>"
            )
        classes, names = _result_classes(result, labels)
        series = [(p, *_result_pairs(result, p)) for p in _pipelines(result, pipeline, many=many)]
        return series, classes, names
    if y_pred is None:
        raise TypeError(
            "pass an EvaluationResult (with pipeline=<name>), or y_true and y_pred arrays"
        )
    if pipeline is not None:
        raise TypeError("pipeline= selects a pipeline of an EvaluationResult, not of arrays")
    y_true, y_pred, classes = _array_pairs(result_or_y_true, y_pred, labels)
    return [(None, y_true, y_pred)], classes, [str(c) for c in classes]


# -- public functions -----------------------------------------------------------------------
def plot_confusion_matrix(
    result_or_y_true,
    y_pred=None,
    *,
    pipeline=None,
    labels=None,
    normalize="true",
    ax=None,
    colorbar=True,
    cmap="Blues",
    values_format=None,
):
    """Confusion matrix of out-of-fold predictions, with the count or rate in every cell.

    Parameters
    ----------
    result_or_y_true : EvaluationResult or array-like [shape=(n,)]
        What :func:`~specsk.evaluation.evaluate` returned (its out-of-fold predictions of
        ``pipeline`` over every tested row are used), or the true classes.
    y_pred : array-like [shape=(n,)] or None, default=None
        Predicted classes, with ``y_true`` arrays only.
    pipeline : str or None, default=None
        Pipeline name in the result; ``None`` is allowed when it holds a single pipeline.
    labels : sequence or None, default=None
        Classes to show, in order: class names for a result, class values for arrays
        (``None``: all classes; for arrays the sorted union of ``y_true`` and ``y_pred``).
    normalize : {"true", "pred", "all", None}, default="true"
        As :func:`sklearn.metrics.confusion_matrix`: ``"true"`` divides each row by its
        class count (the diagonal is the per-class recall), ``None`` shows counts.
    ax : matplotlib.axes.Axes or None, default=None
    colorbar : bool, default=True
    cmap : str or Colormap, default="Blues"
    values_format : str or None, default=None
        Format of the cell texts (``None``: ``".2f"`` for rates, ``"d"`` for counts).

    Returns
    -------
    ax : matplotlib.axes.Axes
        Rows are the true classes (top to bottom), columns the predicted ones;
        ``ax.images[0].get_array()`` is the matrix; ``ax.texts`` the cell values, row by row.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from specsk.plotting import plot_confusion_matrix
    >>> ax = plot_confusion_matrix(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    >>> [t.get_text() for t in ax.texts]
    ['0.50', '0.50', '0.00', '1.00']
    """
    from sklearn.metrics import confusion_matrix

    if normalize not in _NORMALIZE:
        raise ValueError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}")
    if not isinstance(colorbar, bool):
        raise TypeError(f"colorbar must be a bool, got {type(colorbar).__name__}")
    series, classes, names = _predictions(result_or_y_true, y_pred, pipeline, labels)
    title, y_true, y_hat = series[0]
    cm = confusion_matrix(y_true, y_hat, labels=classes, normalize=normalize)
    fmt = values_format or (".2f" if normalize else "d")
    ax = _check_ax(ax)
    vmax = 1.0 if normalize else max(float(cm.max()), 1.0)
    im = ax.imshow(cm, cmap=cmap, vmin=0.0, vmax=vmax, interpolation="nearest")
    cmap_obj = im.get_cmap()
    for r in range(cm.shape[0]):
        for c in range(cm.shape[1]):
            value = cm[r, c]
            # dark text on light cells, light text on dark ones
            lum = np.dot(cmap_obj(value / vmax)[:3], [0.299, 0.587, 0.114])
            ax.text(
                c,
                r,
                format(value.item() if fmt == "d" else float(value), fmt),
                ha="center",
                va="center",
                color="black" if lum > 0.5 else "white",
                fontsize="small",
            )
    k = len(names)
    _class_ticks(ax, names)
    ax.set_yticks(np.arange(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if title is not None:
        ax.set_title(title)
    if colorbar:
        cbar = ax.figure.colorbar(im, ax=ax)
        cbar.set_label(_CBAR_LABELS[normalize])
    return ax


def plot_per_class_accuracy(
    result_or_y_true,
    y_pred=None,
    *,
    pipeline=None,
    labels=None,
    error_bars=True,
    ax=None,
):
    """Bar chart of the accuracy of every class (its recall), for one or several pipelines.

    The value of a class is the fraction of its rows predicted correctly, pooled over all
    test folds (as :meth:`EvaluationResult.per_class_recall
    <specsk.evaluation.EvaluationResult.per_class_recall>`); the dashed line of each
    pipeline is the mean over classes (balanced accuracy).

    Parameters
    ----------
    result_or_y_true : EvaluationResult or array-like [shape=(n,)]
        An evaluation result, or the true classes.
    y_pred : array-like [shape=(n,)] or None, default=None
        Predicted classes, with ``y_true`` arrays only.
    pipeline : str or list of str or None, default=None
        Pipelines of the result to show side by side (``None``: all of them).
    labels : sequence or None, default=None
        Classes to show, in order (class names for a result, class values for arrays).
    error_bars : bool, default=True
        For a result with several folds: the standard deviation of the class's recall over
        folds (``ddof=1``, folds where the class was tested).
    ax : matplotlib.axes.Axes or None, default=None

    Returns
    -------
    ax : matplotlib.axes.Axes
        One ``BarContainer`` per pipeline in ``ax.containers`` (with an
        ``ErrorbarContainer`` when there are error bars), bars in class order; one dashed
        line per pipeline in ``ax.lines`` (the mean); a legend when there are several
        pipelines.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from specsk.plotting import plot_per_class_accuracy
    >>> ax = plot_per_class_accuracy(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    >>> [float(p.get_height()) for p in ax.patches]
    [0.5, 1.0]
    """
    series, classes, names = _predictions(result_or_y_true, y_pred, pipeline, labels, many=True)
    result = result_or_y_true if series[0][0] is not None else None
    ax = _check_ax(ax)
    k, m = len(classes), len(series)
    width = 0.8 / m
    x = np.arange(k)
    for j, (name, y_true, y_hat) in enumerate(series):
        recall = np.array(
            [np.mean(y_hat[y_true == c] == c) if np.any(y_true == c) else np.nan for c in classes]
        )
        yerr = None
        if error_bars and result is not None and name in getattr(result, "recall", {}):
            folds = np.asarray(result.recall[name], dtype=float)[:, classes]
            if len(folds) > 1:
                with warnings.catch_warnings():  # a class tested in one fold or none
                    warnings.simplefilter("ignore", RuntimeWarning)
                    yerr = np.nanstd(folds, axis=0, ddof=1)
        offset = (j - (m - 1) / 2) * width
        bars = ax.bar(x + offset, recall, width, yerr=yerr, capsize=3, label=name)
        if np.isfinite(recall).any():
            ax.axhline(np.nanmean(recall), color=bars.patches[0].get_facecolor(), ls="--", lw=1)
    _class_ticks(ax, names)
    ax.set_xlim(-0.5, k - 0.5)
    ax.set_ylim(0.0, 1.05)
    ax.set_ylabel("accuracy of the class (recall)")
    if m > 1:
        ax.legend(loc="lower right", fontsize="small")
    elif series[0][0] is not None:
        ax.set_title(series[0][0])
    return ax


def _estimator_values(est):
    """``(values, names, label)`` of a fitted estimator, pipeline or search."""
    est = getattr(est, "best_estimator_", est)
    final, names = est, None
    steps = getattr(est, "steps", None)
    if steps:
        final = steps[-1][1]
        if len(steps) > 1:
            try:
                names = est[:-1].get_feature_names_out()
            except (AttributeError, ValueError, TypeError):
                names = None  # a step without feature names: generic ones
    if names is None:
        names = getattr(final, "feature_names_in_", None)
    values = getattr(final, "feature_importances_", None)
    label = "importance"
    if values is None:
        coef = getattr(final, "coef_", None)
        if coef is None:
            raise ValueError(
                f"{type(final).__name__} has neither feature_importances_ nor coef_: fit it "
                "first, use a model that has them, or pass the values (e.g. from "
                "sklearn.inspection.permutation_importance)"
            )
        coef = np.asarray(coef, dtype=np.float64)
        if coef.ndim == 2 and coef.shape[0] > 1:
            values, label = np.mean(np.abs(coef), axis=0), "mean |coefficient| over classes"
        else:
            values, label = coef.ravel(), "coefficient"
    return np.asarray(values, dtype=np.float64), names, label


def plot_feature_importance(
    estimator_or_values, feature_names=None, *, top=20, ax=None, xlabel=None
):
    """Horizontal bars of the largest feature importances, labelled with the feature names.

    Parameters
    ----------
    estimator_or_values : estimator or array-like [shape=(n_features,)]
        A fitted model with ``feature_importances_`` or ``coef_`` (a multi-class ``coef_``
        is shown as the mean absolute coefficient over classes), a fitted ``Pipeline``
        ending in one (the names then come from ``get_feature_names_out()`` of the steps
        before it), a fitted search (its ``best_estimator_``), or the values themselves
        (a pandas Series brings its index as names). Coefficients are comparable only when
        the features share a scale (put a ``StandardScaler`` before the model).
    feature_names : sequence of str or None, default=None
        Names of the features; ``None``: from the estimator, else ``x0``, ``x1``, ...
    top : int or None, default=20
        Show the ``top`` largest values in absolute value (``None``: all), largest at the
        top.
    ax : matplotlib.axes.Axes or None, default=None
    xlabel : str or None, default=None
        ``None``: ``"importance"``, ``"coefficient"`` or ``"mean |coefficient| over
        classes"`` (or ``"value"`` for given values).

    Returns
    -------
    ax : matplotlib.axes.Axes
        ``ax.patches`` are the bars, bottom to top; the y tick labels their feature names.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from specsk.plotting import plot_feature_importance
    >>> ax = plot_feature_importance([0.1, 0.5, 0.2], ["mean", "std", "max"], top=2)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['max', 'std']
    """
    _check_positive_int(top, "top", allow_none=True)
    obj = estimator_or_values
    if hasattr(obj, "fit") or hasattr(obj, "steps"):
        values, names, label = _estimator_values(obj)
    else:
        if isinstance(obj, str | bytes) or np.ndim(obj) == 0:
            raise TypeError(
                "estimator_or_values must be a fitted estimator or an array of values, got "
                f"{type(obj).__name__}"
            )
        series = hasattr(obj, "index") and hasattr(obj, "to_numpy")  # a pandas Series
        names = [str(n) for n in obj.index] if series else None
        try:
            values = np.asarray(obj.to_numpy() if series else obj, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError("the values must be numbers") from None
        label = "value"
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"the values must be a non-empty 1-D array, got shape {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("the values contain NaN or infinity")
    if feature_names is not None:
        names = feature_names
    if names is None:
        names = [f"x{i}" for i in range(len(values))]
    names = [str(n) for n in names]
    if len(names) != len(values):
        raise ValueError(
            f"{len(names)} feature names for {len(values)} values: they must match one to one"
        )
    order = np.argsort(-np.abs(values), kind="stable")[: top or len(values)][::-1]
    shown = values[order]
    ax = _check_ax(ax)
    colours = np.where(shown >= 0, "tab:blue", "tab:red")
    ax.barh(np.arange(len(order)), shown, color=colours)
    ax.set_yticks(np.arange(len(order)), [names[i] for i in order])
    ax.set_ylim(-0.5, len(order) - 0.5)
    if (shown < 0).any():
        ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(label if xlabel is None else xlabel)
    ax.set_title(f"top {len(order)} of {len(values)} features")
    return ax

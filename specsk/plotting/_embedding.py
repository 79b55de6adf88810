"""2-D embeddings of feature tables and image batches.

``plot_spectrogram`` lives in :mod:`._spectrogram`; it is re-exported here for old imports.
"""

from __future__ import annotations

import numpy as np

from ..utils._validation import as_float_array
from ._common import _pyplot
from ._spectrogram import plot_spectrogram

__all__ = ["plot_embedding", "plot_spectrogram"]

_METHODS = ("pca", "tsne")


def _embed(X, method, random_state):
    if method == "pca":
        from sklearn.decomposition import PCA

        n_comp = min(2, *X.shape)
        Z = PCA(n_components=n_comp, random_state=random_state).fit_transform(X)
    else:
        from sklearn.manifold import TSNE

        # perplexity must stay below the number of samples
        perplexity = float(min(30.0, max(1.0, (len(X) - 1) / 3)))
        Z = TSNE(
            n_components=2, perplexity=perplexity, init="pca", random_state=random_state
        ).fit_transform(X)
    if Z.shape[1] < 2:  # a single feature (or sample): put everything on a line
        Z = np.column_stack([Z[:, 0] if Z.shape[1] else np.zeros(len(Z)), np.zeros(len(Z))])
    return Z


def plot_embedding(X, y=None, *, method="pca", ax=None, random_state=0, labels=None):
    """Scatter plot of a 2-D embedding of a feature table or an image batch, by class.

    Parameters
    ----------
    X : array-like [shape=(n, n_features) or (n, ...)]
        A feature table, or a batch of spectrograms (flattened to rows). A DataFrame works.
    y : array-like [shape=(n,)] or None, default=None
        Class labels; one colour and one legend entry per class.
    method : {"pca", "tsne"}, default="pca"
        :class:`sklearn.decomposition.PCA` or :class:`sklearn.manifold.TSNE` (perplexity
        ``min(30, (n - 1) / 3)``). Features are not rescaled: put a ``StandardScaler`` first
        if their units differ.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; a new figure if None.
    random_state : int or None, default=0
        Seed of t-SNE (and of randomised PCA solvers).
    labels : dict or sequence or None, default=None
        Display names of the classes: ``{class: name}``, or a sequence indexed by class
        (for integer classes ``0..k-1``).

    Returns
    -------
    ax : matplotlib.axes.Axes
        One scatter collection per class (``ax.collections``), in sorted class order.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from specsk.plotting import plot_embedding
    >>> X = np.random.default_rng(0).standard_normal((20, 5))
    >>> ax = plot_embedding(X, y=np.repeat([0, 1], 10), labels=["dog", "cat"])
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['dog', 'cat']
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    Xa = as_float_array(X.to_numpy() if hasattr(X, "to_numpy") else X)
    if Xa.ndim < 2:
        raise ValueError(
            f"X must be a batch: (n, n_features) or (n, ...) images, got shape {Xa.shape}"
        )
    Xa = Xa.reshape(len(Xa), -1)
    if not np.isfinite(Xa).all():
        raise ValueError("X contains NaN or infinity; clean it before plotting")
    if len(Xa) < 2:
        raise ValueError(f"an embedding needs at least 2 samples, got {len(Xa)}")
    if y is not None:
        y = np.asarray(y)
        if y.shape != (len(Xa),):
            raise ValueError(f"y must have shape ({len(Xa)},), got {y.shape}")
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots()
    Z = _embed(Xa.astype(np.float64), method, random_state)
    if y is None:
        ax.scatter(Z[:, 0], Z[:, 1], s=15)
    else:
        for cls in np.unique(y):
            if labels is None:
                name = str(cls)
            elif isinstance(labels, dict):
                name = str(labels.get(cls, cls))
            else:
                name = str(labels[int(cls)])
            sel = y == cls
            ax.scatter(Z[sel, 0], Z[sel, 1], s=15, label=name)
        ax.legend(loc="best", fontsize="small")
    prefix = "PC" if method == "pca" else "t-SNE "
    ax.set_xlabel(f"{prefix}1")
    ax.set_ylabel(f"{prefix}2")
    return ax

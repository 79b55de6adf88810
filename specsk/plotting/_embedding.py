"""2-D embeddings of feature tables and image batches, and a minimal spectrogram plot."""

from __future__ import annotations

import numpy as np

from ..utils._metadata import get_metadata
from ..utils._validation import as_float_array

__all__ = ["plot_embedding", "plot_spectrogram"]

_METHODS = ("pca", "tsne")
_Y_AXES = ("auto", "linear", "mel", "bins")


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ImportError("specsk.plotting needs matplotlib: pip install 'specsk[plot]'") from None
    return plt


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


def plot_spectrogram(
    S, *, sr=None, hop_length=None, frequencies=None, ax=None, y_axis="auto", title=None
):
    """Show one spectrogram as an image (low frequency at the bottom), axes in s and Hz.

    The axes are labelled from what ``S`` carries when a specsk step made it (sample rate,
    hop length, the frequency of every bin and the time of every frame; see
    :class:`~specsk.utils.SignalArray`), so ``plot_spectrogram(MelSpectrogram(fmin=300,
    fmax=3400).fit_transform(X)[0])`` shows 300-3400 Hz. Plain arrays take ``sr``,
    ``hop_length`` and ``frequencies``.

    Parameters
    ----------
    S : np.ndarray [shape=(n_bins, n_frames)]
        One spectrogram (e.g. ``S_batch[i]``); a batch of one, ``(1, n_bins, n_frames)``,
        is accepted too. Plotted as given: convert power to dB first for contrast.
    sr : float or None, default=None
        Sample rate; with ``hop_length`` the time axis is in seconds, and with
        ``y_axis="linear"`` or ``"mel"`` the frequency axis is in Hz. ``None`` takes the
        sample rate ``S`` carries. A value that disagrees with it is an error.
    hop_length : int or None, default=None
        Samples between frames (``None``: the one ``S`` carries).
    frequencies : array-like [shape=(n_bins,)] or None, default=None
        Frequency (Hz) of every bin, low first; ``None`` takes the ones ``S`` carries.
    ax : matplotlib.axes.Axes or None, default=None
    y_axis : {"auto", "linear", "mel", "bins"}, default="auto"
        ``"auto"``: the bin frequencies when known (evenly spaced bins as a Hz axis, others
        as Hz tick labels at their bins), else as ``"linear"``. ``"linear"``: bins evenly
        spaced from 0 to ``sr / 2`` (STFT); ``"mel"``: tick labels at the bin frequencies if
        known, else at the centre frequencies of a mel filter bank from 0 to ``sr / 2``
        (``librosa.mel_frequencies``); ``"bins"``: bin indices.
    title : str or None, default=None

    Returns
    -------
    ax : matplotlib.axes.Axes
        Its ``images[0]`` is the ``AxesImage``.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from specsk.plotting import plot_spectrogram
    >>> ax = plot_spectrogram(np.random.default_rng(0).random((64, 40)), sr=8000, hop_length=128)
    >>> ax.get_xlabel()
    'time (s)'
    """
    if y_axis not in _Y_AXES:
        raise ValueError(f"y_axis must be one of {_Y_AXES}, got {y_axis!r}")
    meta = get_metadata(S)
    S = as_float_array(S, name="S")
    if S.ndim == 3 and S.shape[0] == 1:
        S = S[0]
    if S.ndim != 2:
        raise ValueError(
            f"S must be one spectrogram (n_bins, n_frames), got shape {S.shape}; pass S[i] "
            "for one image of a batch"
        )
    if sr is not None and (not np.isscalar(sr) or sr <= 0):
        raise ValueError(f"sr must be a positive number or None, got {sr!r}")
    if hop_length is not None and (not isinstance(hop_length, int | np.integer) or hop_length < 1):
        raise ValueError(f"hop_length must be a positive integer or None, got {hop_length!r}")
    if sr is not None and meta.get("sr") is not None and float(sr) != meta["sr"]:
        raise ValueError(
            f"sr={sr:g} disagrees with the sample rate S carries ({meta['sr']:g} Hz); leave "
            "sr=None to use it"
        )
    n_bins, n_frames = S.shape
    sr = meta.get("sr") if sr is None else float(sr)
    hop_length = meta.get("hop_length") if hop_length is None else int(hop_length)
    if frequencies is None:
        frequencies = meta.get("frequencies")
    if frequencies is not None:
        frequencies = np.asarray(frequencies, dtype=np.float64).ravel()
        if frequencies.shape != (n_bins,) or not np.isfinite(frequencies).all():
            raise ValueError(
                f"frequencies must hold one finite frequency (Hz) per bin ({n_bins} bins), got "
                f"shape {frequencies.shape}"
            )
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots()
    times = meta.get("times")
    if times is not None and len(times) == n_frames and sr is not None and hop_length:
        x0, x1, xlabel = times[0], times[-1] + hop_length / sr, "time (s)"
    elif sr is not None and hop_length is not None:
        x0, x1, xlabel = 0.0, n_frames * hop_length / sr, "time (s)"
    else:
        x0, x1, xlabel = 0.0, float(n_frames), "frame"
    extent = [x0, x1, -0.5, n_bins - 0.5]
    ylabel = "bin"
    tick_freqs = None
    if y_axis == "auto" and frequencies is not None:
        steps = np.diff(frequencies)
        if n_bins > 1 and np.allclose(steps, steps[0], rtol=1e-6) and steps[0] > 0:
            df = steps[0]
            extent[2:] = [frequencies[0] - df / 2, frequencies[-1] + df / 2]
            ylabel = "frequency (Hz)"
        else:
            tick_freqs, ylabel = frequencies, "frequency (Hz)"
    elif y_axis in ("auto", "linear") and sr is not None:
        df = sr / 2 / max(n_bins - 1, 1)
        extent[2:] = [-df / 2, sr / 2 + df / 2]
        ylabel = "frequency (Hz)"
    elif y_axis == "mel" and (frequencies is not None or sr is not None):
        if frequencies is None:
            import librosa

            frequencies = librosa.mel_frequencies(n_mels=n_bins, fmin=0.0, fmax=sr / 2)
        tick_freqs, ylabel = frequencies, "frequency (Hz, mel scale)"
    ax.imshow(S, origin="lower", aspect="auto", extent=extent, interpolation="nearest")
    if tick_freqs is not None:
        ticks = np.unique(np.linspace(0, n_bins - 1, min(6, n_bins)).round().astype(int))
        ax.set_yticks(ticks)
        ax.set_yticklabels([f"{tick_freqs[t]:.0f}" for t in ticks])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    return ax

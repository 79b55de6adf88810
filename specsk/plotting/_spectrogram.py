"""Spectrogram plots: one image, a filter's before/after, a gallery by class, a segmentation.

All of them draw with :func:`librosa.display.specshow` on mesh coordinates computed here from
the metadata a specsk step tags its output with (:func:`specsk.utils.get_metadata`), so the
axes are in seconds and Hz whatever the frequency scale (linear STFT, mel, CQT, gammatone)
and whatever ``fmin``/``fmax`` made the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..utils._metadata import get_metadata
from ..utils._validation import as_float_array
from ._common import _check_ax, _check_positive_int, _class_name, _pyplot

__all__ = ["plot_filter_comparison", "plot_gallery", "plot_segmentation", "plot_spectrogram"]

_Y_AXES = ("auto", "linear", "mel", "log", "bins")
_TO_DB = (None, "power", "amplitude")
_SEG_KINDS = ("contour", "fill")
_TOP_DB = 80.0
# region colours that stand out on librosa's colour maps (magma, coolwarm)
_REGION_COLOURS = (
    "#00e5ff",
    "#76ff03",
    "#ff4081",
    "#ffea00",
    "#2979ff",
    "#ff9100",
    "#d500f9",
    "#ffffff",
)


# -- coordinates ----------------------------------------------------------------------------
def _spacing(c: np.ndarray) -> str:
    """How the centres ``c`` (increasing) are spaced: ``"linear"``, ``"log"`` or ``"mel"``."""
    if len(c) < 3:
        return "linear"
    d = np.diff(c)
    if np.allclose(d, d[0], rtol=1e-6, atol=0.0):
        return "linear"
    if c[0] > 0 and np.allclose(np.diff(np.log(c)), np.log(c[1] / c[0]), rtol=1e-6, atol=0.0):
        return "log"
    return "mel"  # mel, Bark, ERB (gammatone) and other warped scales


def _edges(c: np.ndarray, spacing: str, single_width: float) -> np.ndarray:
    """``len(c) + 1`` cell edges around the centres ``c``: midpoints in the warped scale
    of ``spacing``, half a step beyond the first and last centre."""
    c = np.asarray(c, dtype=np.float64)
    if len(c) == 1:
        return np.array([c[0] - single_width / 2, c[0] + single_width / 2])
    if spacing == "log":
        fwd, inv = np.log, np.exp
    elif spacing == "mel":
        import librosa

        fwd, inv = librosa.hz_to_mel, librosa.mel_to_hz
    else:
        fwd = inv = np.asarray
    w = np.asarray(fwd(c), dtype=np.float64)
    mid = (w[1:] + w[:-1]) / 2
    e = np.concatenate([[w[0] - (w[1] - w[0]) / 2], mid, [w[-1] + (w[-1] - w[-2]) / 2]])
    return np.asarray(inv(e), dtype=np.float64)


def _check_coords(values, n: int, name: str, what: str, per: str) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.shape != (n,) or not np.isfinite(values).all():
        raise ValueError(
            f"{name} must hold one finite {what} per {per} ({n} {per}s), got shape {values.shape}"
        )
    if n > 1 and not np.all(np.diff(values) > 0):
        raise ValueError(f"{name} must increase strictly (low first), got {values[:4]}...")
    return values


@dataclass
class _Axes:
    """Mesh of one image: edges (for specshow) and centres (for overlays) on both axes."""

    x_edges: np.ndarray
    y_edges: np.ndarray
    x_centres: np.ndarray
    y_centres: np.ndarray
    x_type: str | None
    y_type: str | None
    x_label: str
    y_label: str


def _resolve_axes(shape, meta, *, sr, hop_length, frequencies, times, y_axis) -> _Axes:
    """The mesh of an image of ``shape`` from explicit values, else the carried ``meta``."""
    if y_axis not in _Y_AXES:
        raise ValueError(f"y_axis must be one of {_Y_AXES}, got {y_axis!r}")
    if sr is not None and (isinstance(sr, bool) or not np.isscalar(sr) or not sr > 0):
        raise ValueError(f"sr must be a positive number or None, got {sr!r}")
    _check_positive_int(hop_length, "hop_length", allow_none=True)
    for name, value in (("sr", sr), ("hop_length", hop_length)):
        known = meta.get(name)
        if value is not None and known is not None and float(value) != float(known):
            raise ValueError(
                f"{name}={value:g} disagrees with the {name} S carries ({known:g}); leave "
                f"{name}=None to use it"
            )
    n_bins, n_frames = shape
    sr = meta.get("sr") if sr is None else float(sr)
    hop_length = meta.get("hop_length") if hop_length is None else int(hop_length)
    if frequencies is None:
        frequencies = meta.get("frequencies")
    if frequencies is not None:
        frequencies = _check_coords(frequencies, n_bins, "frequencies", "frequency (Hz)", "bin")
    if times is None:
        times = meta.get("times")
    if times is not None:
        times = _check_coords(times, n_frames, "times", "time (s)", "frame")

    # time axis: frame centres in seconds when known, else frame indices
    frame_s = hop_length / sr if sr and hop_length else None
    if times is None and frame_s is not None:
        times = np.arange(n_frames) * frame_s
    if times is not None:
        width = frame_s if frame_s is not None else 1.0
        x_edges = _edges(times, "linear", width)
        x_centres, x_type, x_label = times, "s", "time (s)"
    else:
        x_centres = np.arange(n_frames, dtype=np.float64)
        x_edges = np.arange(n_frames + 1) - 0.5
        x_type, x_label = None, "frame"

    # frequency axis
    bins = (np.arange(n_bins + 1) - 0.5, np.arange(n_bins, dtype=np.float64), None, "bin")
    if y_axis == "bins":
        y_edges, y_centres, y_type, y_label = bins
    else:
        # rows of an image a specsk step made without bin frequencies (MFCC, chroma, a
        # resized image) are not frequency bins: "auto" shows their indices
        not_bins = y_axis == "auto" and frequencies is None and bool(meta)
        if frequencies is None and (sr is None or not_bins):
            if y_axis in ("mel", "log"):
                raise ValueError(
                    f"y_axis={y_axis!r} needs the bin frequencies or the sample rate: pass "
                    "frequencies= or sr= (or use an image a specsk step made)"
                )
            y_edges, y_centres, y_type, y_label = bins
        else:
            if frequencies is None:
                if y_axis == "mel":
                    import librosa

                    frequencies = librosa.mel_frequencies(n_mels=n_bins, fmin=0.0, fmax=sr / 2)
                else:  # the bins of an STFT: 0 .. sr / 2
                    frequencies = np.linspace(0.0, sr / 2, n_bins)
            spacing = _spacing(frequencies)
            width = max(abs(frequencies[0]) * 0.1, 1.0)
            y_edges = _edges(frequencies, spacing, width)
            y_centres, y_label = frequencies, "frequency (Hz)"
            if y_axis == "auto":
                y_type = {"linear": "hz", "log": "cqt_hz", "mel": "mel"}[spacing]
            elif y_axis == "linear":
                y_type = "hz"
            elif y_axis == "mel":
                y_type = "mel"
            else:  # log: a true log axis when every edge is positive, else librosa's symlog
                y_type = "cqt_hz" if y_edges[0] > 0 else "log"
    return _Axes(x_edges, y_edges, x_centres, y_centres, x_type, y_type, x_label, y_label)


# -- images ---------------------------------------------------------------------------------
def _one_image(S, name="S") -> tuple[np.ndarray, dict]:
    """``(image, metadata)`` of one spectrogram ``(n_bins, n_frames)`` or a batch of one."""
    meta = get_metadata(S)
    arr = as_float_array(S, name=name)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be one spectrogram (n_bins, n_frames), got shape {arr.shape}; pass "
            f"{name}[i] for one image of a batch"
        )
    return arr, meta


def _batch(S, name="S") -> tuple[np.ndarray, dict]:
    """``(batch, metadata)`` of a batch of spectrograms ``(n, n_bins, n_frames)``."""
    meta = get_metadata(S)
    arr = as_float_array(S, name=name)
    if arr.ndim != 3:
        hint = " (select a channel: S[:, c])" if arr.ndim == 4 else ""
        raise ValueError(
            f"{name} must be a batch of spectrograms (n, n_bins, n_frames), got shape "
            f"{arr.shape}{hint}"
        )
    if len(arr) == 0:
        raise ValueError(f"{name} is an empty batch")
    return arr, meta


def _check_index(index, n: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int | np.integer):
        raise TypeError(f"index must be an integer, got {type(index).__name__}")
    if not -n <= index < n:
        raise ValueError(f"index {index} is out of range for a batch of {n} spectrograms")
    return int(index) % n


def _check_to_db(to_db) -> None:
    if to_db not in _TO_DB:
        raise ValueError(f"to_db must be one of {_TO_DB}, got {to_db!r}")


def _db(data: np.ndarray, to_db, ref: float) -> np.ndarray:
    """``data`` in dB relative to ``ref`` (floored ``_TOP_DB`` below it), or as is."""
    if to_db is None:
        return data
    import librosa

    ref = ref if ref > 0 else 1.0
    fn = librosa.power_to_db if to_db == "power" else librosa.amplitude_to_db
    # floored _TOP_DB below ref (librosa floors below each image's own maximum)
    return np.maximum(fn(np.abs(data), ref=ref, top_db=None), -_TOP_DB)


def _limits(images, vmin, vmax) -> tuple:
    """A common colour scale: the finite range of all ``images`` unless given."""
    finite = [im[np.isfinite(im)] for im in images]
    finite = [f for f in finite if f.size]
    if finite:
        lo = min(float(f.min()) for f in finite) if vmin is None else vmin
        hi = max(float(f.max()) for f in finite) if vmax is None else vmax
        if lo == hi:
            hi = lo + 1.0
        return lo, hi
    return vmin, vmax


def _check_colorbar(colorbar) -> None:
    if not isinstance(colorbar, bool | str):
        raise TypeError(f"colorbar must be a bool or a label (str), got {type(colorbar).__name__}")


def _add_colorbar(fig, mesh, colorbar, ax):
    if colorbar is False:
        return None
    label = "dB" if colorbar is True else colorbar
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label(label)
    return cbar


def _show(ax, data, axes: _Axes, *, cmap=None, vmin=None, vmax=None, title=None):
    """Draw ``data`` with ``librosa.display.specshow`` on the mesh ``axes``; the QuadMesh."""
    import librosa.display

    kwargs = {"vmin": vmin, "vmax": vmax}
    if cmap is not None:
        kwargs["cmap"] = cmap
    mesh = librosa.display.specshow(
        data,
        x_coords=axes.x_edges,
        y_coords=axes.y_edges,
        x_axis=axes.x_type,
        y_axis=axes.y_type,
        ax=ax,
        **kwargs,
    )
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    for axis, kind in ((ax.xaxis, axes.x_type), (ax.yaxis, axes.y_type)):
        if kind is None:  # specshow hides the ticks of an index axis: show the indices
            axis.set_major_locator(MaxNLocator(nbins=6, integer=True))
            axis.set_major_formatter(ScalarFormatter())
    ax.set_xlim(axes.x_edges[0], axes.x_edges[-1])
    ax.set_ylim(axes.y_edges[0], axes.y_edges[-1])
    ax.set_xlabel(axes.x_label)
    ax.set_ylabel(axes.y_label)
    if title is not None:
        ax.set_title(title)
    return mesh


# -- public functions -----------------------------------------------------------------------
def plot_spectrogram(
    S,
    *,
    sr=None,
    hop_length=None,
    frequencies=None,
    times=None,
    ax=None,
    y_axis="auto",
    to_db=None,
    colorbar=False,
    cmap=None,
    vmin=None,
    vmax=None,
    title=None,
):
    """Show one spectrogram (low frequency at the bottom), axes in seconds and Hz.

    Drawn with :func:`librosa.display.specshow` on the exact frequency of every bin and time
    of every frame, so mel, log and CQT axes are right for any ``fmin``/``fmax``. The axes
    come from what ``S`` carries when a specsk step made it (sample rate, hop length, bin
    frequencies, frame times; see :class:`~specsk.utils.SignalArray`), so
    ``plot_spectrogram(MelSpectrogram(fmin=300, fmax=3400).fit_transform(X)[0])`` shows
    300-3400 Hz. Plain arrays take ``sr``, ``hop_length`` and ``frequencies``.

    Every bin is a cell centred on its frequency (edges halfway between neighbouring bins,
    halfway in mel or log scale for mel- or log-spaced bins) and every frame a cell centred
    on its time, as ``specshow`` does: the axis limits extend half a cell beyond the first
    and last centre.

    Parameters
    ----------
    S : array-like [shape=(n_bins, n_frames)]
        One spectrogram (e.g. ``S_batch[i]``); a batch of one, ``(1, n_bins, n_frames)``,
        is accepted too.
    sr : float or None, default=None
        Sample rate (Hz). ``None`` takes the one ``S`` carries; a value that disagrees with
        it is an error. With ``hop_length`` and no frame times the time axis is
        ``k * hop_length / sr``; for a plain array without ``frequencies`` the bins are
        taken as STFT bins from 0 to ``sr / 2`` (``y_axis="mel"``: mel bands from 0 to
        ``sr / 2``, ``librosa.mel_frequencies``).
    hop_length : int or None, default=None
        Samples between frames (``None``: the one ``S`` carries).
    frequencies : array-like [shape=(n_bins,)] or None, default=None
        Frequency (Hz) of every bin, increasing; ``None`` takes the ones ``S`` carries.
    times : array-like [shape=(n_frames,)] or None, default=None
        Time (s) of every frame centre; ``None`` takes the ones ``S`` carries.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; a new figure if None.
    y_axis : {"auto", "linear", "mel", "log", "bins"}, default="auto"
        Scale of the frequency axis. ``"auto"`` follows the spacing of the bin frequencies:
        linear for evenly spaced (STFT) bins, log for geometric (CQT) bins, mel-like
        (librosa's symlog) otherwise (mel, Bark, gammatone); an image a specsk step made
        without bin frequencies (MFCC, chroma, a resized image) shows bin indices, as does a
        plain array without ``sr``. ``"linear"``, ``"mel"`` and ``"log"`` force the scale
        (librosa's ``"hz"``, ``"mel"`` and ``"log"``/``"cqt_hz"`` axes). ``"bins"``: bin
        indices.
    to_db : {None, "power", "amplitude"}, default=None
        Convert power or magnitude to dB relative to the image maximum (80 dB range) before
        plotting; ``None`` plots the values as given (e.g. the output of ``PowerToDb``).
    colorbar : bool or str, default=False
        Add a colour bar: ``True`` labels it ``"dB"`` (data in dB, e.g. ``to_db`` or a
        ``PowerToDb`` output); a string is used as its label instead.
    cmap : str or Colormap or None, default=None
        Colour map (``None``: librosa's choice, ``"magma"`` for non-negative data).
    vmin, vmax : float or None, default=None
        Colour scale limits (``None``: the data range).
    title : str or None, default=None

    Returns
    -------
    ax : matplotlib.axes.Axes
        Its ``collections[0]`` is the ``QuadMesh`` of the image (``.colorbar`` holds the
        colour bar when one was added).

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from specsk.plotting import plot_spectrogram
    >>> S = np.random.default_rng(0).random((65, 40))
    >>> ax = plot_spectrogram(S, sr=8000, hop_length=128, to_db="power", colorbar=True)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('time (s)', 'frequency (Hz)')
    >>> [round(float(v), 1) for v in ax.get_ylim()]  # bins centred on 0 ... 4000 Hz
    [-31.2, 4031.2]
    """
    data, meta = _one_image(S)
    _check_to_db(to_db)
    _check_colorbar(colorbar)
    axes = _resolve_axes(
        data.shape,
        meta,
        sr=sr,
        hop_length=hop_length,
        frequencies=frequencies,
        times=times,
        y_axis=y_axis,
    )
    if vmin is not None and vmax is not None and not vmin < vmax:
        raise ValueError(f"vmin must be below vmax, got vmin={vmin!r}, vmax={vmax!r}")
    data = _db(data, to_db, float(np.max(np.abs(data))) if data.size else 1.0)
    ax = _check_ax(ax)
    mesh = _show(ax, data, axes, cmap=cmap, vmin=vmin, vmax=vmax, title=title)
    _add_colorbar(ax.figure, mesh, colorbar, ax)
    return ax


def plot_filter_comparison(
    S,
    filter,
    *,
    index=0,
    y_axis="auto",
    to_db=None,
    colorbar=True,
    cmap=None,
    titles=None,
    figsize=None,
):
    """Show one spectrogram before and after a filter, side by side on one colour scale.

    ``filter`` is any transformer of spectrogram batches (e.g.
    :class:`~specsk.filters.MedianFilter`, :class:`~specsk.filters.NoiseFloorRemoval` or a
    ``Pipeline`` of them). A fitted one only transforms; an unfitted one is cloned and the
    clone is fitted on the whole batch ``S`` (what a dataset-level filter needs), so
    ``filter`` itself is left untouched. The two panels share their axes (in Hz and seconds
    from the metadata ``S`` carries) when the filter keeps the image shape, and one colour
    scale: the range of both images.

    Parameters
    ----------
    S : array-like [shape=(n, n_bins, n_frames) or (n_bins, n_frames)]
        Spectrograms (a single image is a batch of one).
    filter : estimator
        Has ``fit`` and ``transform``; returns spectrograms of the same rank.
    index : int, default=0
        Which spectrogram of the batch to show.
    y_axis : {"auto", "linear", "mel", "log", "bins"}, default="auto"
        See :func:`plot_spectrogram`.
    to_db : {None, "power", "amplitude"}, default=None
        Convert both images to dB relative to the larger of their two maxima (so an
        attenuation by the filter stays visible).
    colorbar : bool or str, default=True
        One colour bar for both panels (``True``: labelled ``"dB"``; a string: that label).
    cmap : str or Colormap or None, default=None
    titles : (str, str) or None, default=None
        Panel titles; ``None``: ``"before"`` and ``"after <FilterClass>"``.
    figsize : (float, float) or None, default=None

    Returns
    -------
    fig : matplotlib.figure.Figure
        ``fig.axes[:2]`` are the before and after panels.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from specsk.filters import MedianFilter
    >>> from specsk.plotting import plot_filter_comparison
    >>> S = np.random.default_rng(0).random((2, 32, 20), dtype=np.float32)
    >>> fig = plot_filter_comparison(S, MedianFilter(size=(3, 3)), index=1)
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['before', 'after MedianFilter']
    """
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    if not (hasattr(filter, "fit") and hasattr(filter, "transform")):
        raise TypeError(
            f"filter must be a transformer with fit and transform, got {type(filter).__name__}"
        )
    _check_to_db(to_db)
    _check_colorbar(colorbar)
    if titles is not None and (isinstance(titles, str) or len(titles) != 2):
        raise ValueError(f"titles must be a pair of strings, got {titles!r}")
    meta = get_metadata(S)
    if np.ndim(S) == 2:
        S = S.reshape((1, *np.shape(S))) if isinstance(S, np.ndarray) else np.asarray(S)[None]
    batch, _ = _batch(S)
    i = _check_index(index, len(batch))
    S_in = S if isinstance(S, np.ndarray) else batch
    try:
        check_is_fitted(filter)
        est = filter
    except NotFittedError:
        est = clone(filter).fit(S_in)
    after = est.transform(S_in[i : i + 1])
    after_meta = get_metadata(after)
    after = as_float_array(after, name="the filter's output")
    if after.ndim != 3 or after.shape[0] != 1:
        raise ValueError(
            "filter must return a batch of spectrograms (n, n_bins, n_frames); it returned "
            f"shape {after.shape}"
        )
    before, after = batch[i], after[0]
    same = before.shape == after.shape
    if same and not ({"frequencies", "times"} & set(after_meta)):
        after_meta = meta  # same-shape output of a filter that does not tag: same geometry
    kw = {"sr": None, "hop_length": None, "frequencies": None, "times": None, "y_axis": y_axis}
    before_axes = _resolve_axes(before.shape, _image_meta(meta, before.shape), **kw)
    after_axes = _resolve_axes(after.shape, _image_meta(after_meta, after.shape), **kw)
    ref = max(float(np.max(np.abs(before))), float(np.max(np.abs(after))))
    before, after = _db(before, to_db, ref), _db(after, to_db, ref)
    vmin, vmax = _limits([before, after], None, None)
    if titles is None:
        titles = ("before", f"after {type(filter).__name__}")
    plt = _pyplot()
    fig, (ax0, ax1) = plt.subplots(
        1, 2, sharex=same, sharey=same, figsize=figsize or (10, 4), layout="constrained"
    )
    _show(ax0, before, before_axes, cmap=cmap, vmin=vmin, vmax=vmax, title=titles[0])
    mesh = _show(ax1, after, after_axes, cmap=cmap, vmin=vmin, vmax=vmax, title=titles[1])
    if same:
        ax1.set_ylabel("")
    _add_colorbar(fig, mesh, colorbar, [ax0, ax1])
    return fig


def _image_meta(meta: dict, shape) -> dict:
    """Metadata of one image of a batch: coordinates that fit its shape, plus ``sr``/hop."""
    out = {k: v for k, v in meta.items() if k in ("sr", "hop_length")}
    f, t = meta.get("frequencies"), meta.get("times")
    if f is not None and len(f) == shape[0]:
        out["frequencies"] = f
    if t is not None and len(t) == shape[1]:
        out["times"] = t
    elif "hop_length" in out and t is not None:
        del out["hop_length"]
    return out


def plot_gallery(
    S,
    y,
    *,
    n_per_class=3,
    classes=None,
    labels=None,
    random_state=None,
    y_axis="auto",
    to_db=None,
    same_scale=True,
    colorbar=False,
    cmap=None,
    figsize=None,
):
    """A grid of example spectrograms: one row per class, ``n_per_class`` images per row.

    Rows are labelled with the class names; the axes are in Hz and seconds from the metadata
    ``S`` carries (see :func:`plot_spectrogram`) and shared by all panels.

    Parameters
    ----------
    S : array-like [shape=(n, n_bins, n_frames)]
        Spectrograms.
    y : array-like [shape=(n,)]
        Class of every spectrogram.
    n_per_class : int, default=3
        Images per class (columns); a class with fewer images leaves empty panels.
    classes : sequence or None, default=None
        Classes to show, in row order (``None``: every class of ``y``, sorted).
    labels : dict or sequence or None, default=None
        Display names of the classes: ``{class: name}``, or a sequence indexed by class
        (for integer classes ``0..k-1``).
    random_state : int or None, default=None
        ``None`` shows the first images of each class, in order; an int draws them at
        random (reproducibly).
    y_axis : {"auto", "linear", "mel", "log", "bins"}, default="auto"
        See :func:`plot_spectrogram`.
    to_db : {None, "power", "amplitude"}, default=None
        Convert to dB relative to the largest value shown (``same_scale``) or to each
        image's maximum.
    same_scale : bool, default=True
        One colour scale for all panels (the range of the images shown).
    colorbar : bool or str, default=False
        One colour bar for the grid (only with ``same_scale``); ``True`` labels it ``"dB"``.
    cmap : str or Colormap or None, default=None
    figsize : (float, float) or None, default=None

    Returns
    -------
    fig : matplotlib.figure.Figure
        ``fig.axes`` holds the ``len(classes) * n_per_class`` panels row by row (then the
        colour bar); each panel's title is the index of its spectrogram in ``S``.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from specsk.plotting import plot_gallery
    >>> S = np.random.default_rng(0).random((6, 16, 10))
    >>> fig = plot_gallery(S, [0, 1, 0, 1, 0, 1], n_per_class=2, labels=["dog", "cat"])
    >>> [ax.get_ylabel().split("\\n")[0] for ax in fig.axes[::2]]
    ['dog', 'cat']
    """
    batch, meta = _batch(S)
    y = np.asarray(y)
    if y.shape != (len(batch),):
        raise ValueError(f"y must have shape ({len(batch)},), one class per image, got {y.shape}")
    _check_positive_int(n_per_class, "n_per_class")
    _check_to_db(to_db)
    _check_colorbar(colorbar)
    if colorbar is not False and not same_scale:
        raise ValueError("colorbar needs same_scale=True (one colour scale for all panels)")
    present = np.unique(y)
    if classes is None:
        classes = list(present)
    else:
        classes = list(classes)
        missing = [c for c in classes if c not in set(present.tolist())]
        if missing or not classes:
            raise ValueError(f"classes {missing} are not in y (its classes: {present.tolist()})")
    rng = None if random_state is None else np.random.default_rng(random_state)
    picks = []
    for c in classes:
        idx = np.flatnonzero(y == c)
        if rng is not None and len(idx) > n_per_class:
            idx = np.sort(rng.choice(idx, n_per_class, replace=False))
        picks.append(idx[:n_per_class])
    axes_info = _resolve_axes(
        batch.shape[1:],
        _image_meta(meta, batch.shape[1:]),
        sr=None,
        hop_length=None,
        frequencies=None,
        times=None,
        y_axis=y_axis,
    )
    shown = np.concatenate(picks)
    ref = float(np.max(np.abs(batch[shown])))
    images = {
        i: _db(batch[i], to_db, ref if same_scale else float(np.max(np.abs(batch[i]))))
        for i in shown
    }
    vmin, vmax = _limits(list(images.values()), None, None) if same_scale else (None, None)
    n_rows = len(classes)
    plt = _pyplot()
    fig, grid = plt.subplots(
        n_rows,
        n_per_class,
        squeeze=False,
        sharex=True,
        sharey=True,
        figsize=figsize or (2.8 * n_per_class + 1.2, 2.2 * n_rows + 0.6),
        layout="constrained",
    )
    mesh = None
    for r, (c, idx) in enumerate(zip(classes, picks, strict=True)):
        for j in range(n_per_class):
            ax = grid[r, j]
            if j >= len(idx):
                ax.set_axis_off()
                continue
            i = int(idx[j])
            mesh = _show(ax, images[i], axes_info, cmap=cmap, vmin=vmin, vmax=vmax, title=f"#{i}")
            if r < n_rows - 1:
                ax.set_xlabel("")
        grid[r, 0].set_ylabel(f"{_class_name(c, labels)}\n{axes_info.y_label}")
        for j in range(1, n_per_class):
            grid[r, j].set_ylabel("")
    if mesh is not None:
        _add_colorbar(fig, mesh, colorbar, grid.ravel().tolist())
    return fig


def plot_segmentation(
    S,
    labels,
    *,
    index=0,
    kind="contour",
    ax=None,
    alpha=0.4,
    annotate=False,
    y_axis="auto",
    to_db=None,
    colorbar=False,
    cmap=None,
    title=None,
):
    """A spectrogram with the regions of a segmentation drawn over it.

    ``labels`` is a label image as a specsk segmenter returns it (e.g.
    :class:`~specsk.segmentation.ThresholdSegmenter`): 0 for background, ``1..k`` for the
    regions. Each region gets its own colour: its outline (``kind="contour"``) or a
    translucent fill (``kind="fill"``). The axes are in Hz and seconds from the metadata of
    ``S`` (or, for a plain ``S``, of ``labels``).

    Parameters
    ----------
    S : array-like [shape=(n_bins, n_frames) or (n, n_bins, n_frames)]
        One spectrogram or a batch (then ``index`` selects one).
    labels : array-like of int, same shape as ``S``
        Region labels (0 = background).
    index : int, default=0
        Which image of a batch to show.
    kind : {"contour", "fill"}, default="contour"
        ``"contour"``: one ``contour`` outline per region (closed at the image border);
        ``"fill"``: one translucent colour mesh over the regions.
    ax : matplotlib.axes.Axes or None, default=None
    alpha : float, default=0.4
        Opacity of the fill (``kind="fill"``).
    annotate : bool, default=False
        Write each region's label at its centroid.
    y_axis, to_db, colorbar, cmap, title
        As in :func:`plot_spectrogram`.

    Returns
    -------
    ax : matplotlib.axes.Axes
        ``ax.collections[0]`` is the spectrogram; then one contour set per region
        (``"contour"``) or one mesh of the regions (``"fill"``).

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from specsk.plotting import plot_segmentation
    >>> from specsk.segmentation import ThresholdSegmenter
    >>> S = np.zeros((1, 32, 40), dtype=np.float32)
    >>> S[0, 4:8, 5:12] = S[0, 20:26, 25:35] = 1.0
    >>> ax = plot_segmentation(S, ThresholdSegmenter().fit_transform(S), annotate=True)
    >>> len(ax.collections), [t.get_text() for t in ax.texts]
    (3, ['1', '2'])
    """
    if kind not in _SEG_KINDS:
        raise ValueError(f"kind must be one of {_SEG_KINDS}, got {kind!r}")
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    _check_to_db(to_db)
    _check_colorbar(colorbar)
    meta = get_metadata(S) or get_metadata(labels)
    arr = as_float_array(S, name="S")
    lab = np.asarray(labels)
    if lab.shape != arr.shape:
        raise ValueError(
            f"labels must have the shape of S {arr.shape} (one label per bin and frame), got "
            f"{lab.shape}"
        )
    if not (np.issubdtype(lab.dtype, np.integer) or lab.dtype == np.bool_):
        if not np.issubdtype(lab.dtype, np.floating) or not np.all(np.mod(lab, 1) == 0):
            raise TypeError(f"labels must hold integer region labels, got dtype {lab.dtype}")
    lab = lab.astype(np.int64)
    if lab.size and lab.min() < 0:
        raise ValueError("labels must be >= 0 (0 = background, 1..k = regions)")
    if arr.ndim == 3:
        i = _check_index(index, len(arr))
        arr, lab = arr[i], lab[i]
    elif arr.ndim != 2:
        raise ValueError(
            f"S must be one spectrogram (n_bins, n_frames) or a batch (n, n_bins, n_frames), "
            f"got shape {arr.shape}"
        )
    axes = _resolve_axes(
        arr.shape,
        _image_meta(meta, arr.shape),
        sr=None,
        hop_length=None,
        frequencies=None,
        times=None,
        y_axis=y_axis,
    )
    data = _db(arr, to_db, float(np.max(np.abs(arr))) if arr.size else 1.0)
    ax = _check_ax(ax)
    mesh = _show(ax, data, axes, cmap=cmap, title=title)
    regions = np.unique(lab[lab > 0])
    palette = _REGION_COLOURS
    if kind == "contour" and regions.size:
        # pad with background one cell outside, so outlines close on the image border
        xe, xc, ye, yc = axes.x_edges, axes.x_centres, axes.y_edges, axes.y_centres
        xs = np.concatenate([[2 * xe[0] - xc[0]], xc, [2 * xe[-1] - xc[-1]]])
        ys = np.concatenate([[2 * ye[0] - yc[0]], yc, [2 * ye[-1] - yc[-1]]])
        padded = np.pad(lab, 1)
        for k in regions:
            ax.contour(
                xs,
                ys,
                (padded == k).astype(np.float64),
                levels=[0.5],
                colors=[palette[(int(k) - 1) % len(palette)]],
                linewidths=1.5,
            )
    elif kind == "fill" and regions.size:
        from matplotlib.colors import ListedColormap

        shown = np.ma.masked_equal(lab, 0)
        colours = ListedColormap(palette)
        ax.pcolormesh(
            axes.x_edges,
            axes.y_edges,
            (shown - 1) % len(palette),
            cmap=colours,
            vmin=-0.5,
            vmax=len(palette) - 0.5,
            alpha=alpha,
            shading="flat",
        )
    if annotate:
        from matplotlib.patheffects import withStroke

        for k in regions:
            rows, cols = np.nonzero(lab == k)
            ax.text(
                float(np.mean(axes.x_centres[cols])),
                float(np.mean(axes.y_centres[rows])),
                str(int(k)),
                color=palette[(int(k) - 1) % len(palette)],
                path_effects=[withStroke(linewidth=2.5, foreground="black")],
                ha="center",
                va="center",
                fontsize="small",
                fontweight="bold",
            )
    ax.set_xlim(axes.x_edges[0], axes.x_edges[-1])
    ax.set_ylim(axes.y_edges[0], axes.y_edges[-1])
    _add_colorbar(ax.figure, mesh, colorbar, ax)
    return ax

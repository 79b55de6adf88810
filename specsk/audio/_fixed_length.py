"""Equal-length clips from ragged ones: ``to_fixed_length``, ``FixedLength``, fragments.

specsk never truncates silently: each mode says whether it may lengthen clips (``"pad"``,
``"tile"``), shorten them (``"crop"``), or both (``"pad_or_crop"``, ``"centre"``), and a clip
the mode cannot handle is an error that names the mode to use instead.
"""

from __future__ import annotations

import numbers
from collections import defaultdict

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.utils import check_random_state

from ..base import SpecskTransformer
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._common import FINITE, POSITIVE, as_clips

__all__ = ["FixedLength", "merge_fragments", "split_fragments", "to_fixed_length"]

MODES = ("pad", "crop", "pad_or_crop", "tile", "centre")
ALIGNS = ("start", "centre", "random")
_LENGTHENS = {"pad": True, "tile": True, "crop": False, "pad_or_crop": True, "centre": True}
_SHORTENS = {"pad": False, "tile": False, "crop": True, "pad_or_crop": True, "centre": True}

# one declaration, shared by the functions (decorator) and the estimator
_N_SAMPLES = Interval(numbers.Integral, 1, None, closed="left")
_HOW_PARAMS = {
    "mode": [StrOptions(set(MODES))],
    "pad_value": [FINITE],
    "align": [StrOptions(set(ALIGNS))],
    "random_state": ["random_state"],
}
_TO_FIXED_LENGTH_PARAMS = {"length": [_N_SAMPLES], **_HOW_PARAMS}
_FIXED_LENGTH_PARAMS = {
    "length": [_N_SAMPLES, None],
    "duration": [POSITIVE, None],
    "sr": [POSITIVE, None],
    **_HOW_PARAMS,
}
_SPLIT_PARAMS = {"length": [_N_SAMPLES], "hop": [_N_SAMPLES, None]}


def _offsets(diff: np.ndarray, align: str, rng) -> np.ndarray:
    """Start offsets in ``[0, diff]`` (diff >= 0) for each clip, as ``align`` says."""
    if align == "start":
        return np.zeros_like(diff)
    if align == "centre":
        return diff // 2
    return rng.randint(0, diff + 1) if diff.size else diff


def _check_fits(lengths: np.ndarray, length: int, mode: str) -> None:
    if not _LENGTHENS[mode]:
        short = np.flatnonzero(lengths < length)
        if short.size:
            raise ValueError(
                f"mode={mode!r} only shortens clips, but {short.size} clip(s) are shorter than "
                f"length={length} (e.g. clip {short[0]} has {lengths[short[0]]} samples); use "
                "mode='pad_or_crop' (or 'centre') to also pad them, or a smaller length"
            )
    if not _SHORTENS[mode]:
        long = np.flatnonzero(lengths > length)
        if long.size:
            raise ValueError(
                f"mode={mode!r} never truncates, but {long.size} clip(s) are longer than "
                f"length={length} (e.g. clip {long[0]} has {lengths[long[0]]} samples); use "
                "mode='crop' or 'pad_or_crop' to cut them, a larger length, or "
                "split_fragments to keep all of the audio"
            )


def _fix_array(X, length, mode, pad_value, align, rng):
    """Equal-length 2-D batch: one vectorised gather/scatter for all rows."""
    n, m = X.shape
    _check_fits(np.array([m]), length, mode)
    if m == length:
        return X
    offs = _offsets(np.full(n, abs(length - m)), align, rng)
    if m > length:
        return np.take_along_axis(X, offs[:, None] + np.arange(length), axis=1)
    if mode == "tile":
        # the clip repeats around its aligned copy: out[j] = x[(j - offset) mod m]
        return np.take_along_axis(X, (np.arange(length) - offs[:, None]) % m, axis=1)
    out = np.full((n, length), pad_value, dtype=X.dtype)
    np.put_along_axis(out, offs[:, None] + np.arange(m), X, axis=1)
    return out


def _fix_clips(clips, length, mode, pad_value, align, rng):
    """Ragged list: one slice copy per clip into a preallocated output.

    The clips are separate arrays already, so one memcpy-like slice assignment each is the
    cheapest way to move them; building a flat gather index would cost 8 bytes per output
    sample on top.
    """
    lengths = np.array([c.shape[-1] for c in clips])
    _check_fits(lengths, length, mode)
    offs = _offsets(np.abs(lengths - length), align, rng)
    dtype = np.result_type(*{c.dtype for c in clips})
    out = np.full((len(clips), length), pad_value, dtype=dtype)
    tile_idx = np.arange(length)
    for i, (c, m, o) in enumerate(zip(clips, lengths, offs, strict=True)):
        if m >= length:
            out[i] = c[o : o + length]
        elif mode == "tile":
            out[i] = c[(tile_idx - o) % m]
        else:
            out[i, o : o + m] = c
    return out


def _to_fixed_length(X, length, mode, pad_value, align, random_state):
    """Core of :func:`to_fixed_length` and :class:`FixedLength` on checked input."""
    if mode == "centre":
        align = "centre"
    rng = check_random_state(random_state) if align == "random" else None
    fix = _fix_clips if isinstance(X, list) else _fix_array
    return fix(X, int(length), mode, float(pad_value), align, rng)


@validate_params(_TO_FIXED_LENGTH_PARAMS, prefer_skip_nested_validation=True)
def to_fixed_length(X, *, length, mode="pad", pad_value=0.0, align="start", random_state=None):
    """Make clips of any length exactly ``length`` samples long.

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times)] or list of np.ndarray [shape=(n_times_i,)]
        Mono clips (downmix multichannel audio first with ``ToMono`` or
        ``AudioLoader(mono=True)``).
    length : int > 0
        Output length in samples.
    mode : {"pad", "crop", "pad_or_crop", "tile", "centre"}, default="pad"
        - ``"pad"``: shorter clips are padded with ``pad_value``; a longer clip is a
          ``ValueError`` (never silently truncated).
        - ``"crop"``: longer clips are cropped to a ``length`` window; a shorter clip is a
          ``ValueError``.
        - ``"pad_or_crop"``: both, each clip as it needs.
        - ``"tile"``: shorter clips are repeated end to end until ``length`` samples are
          filled (the last repetition is cut); a longer clip is a ``ValueError``.
        - ``"centre"``: ``"pad_or_crop"`` with ``align="centre"`` (the ``align`` argument is
          ignored): short clips sit in the middle of the padding, long clips keep their
          middle.
    pad_value : float, default=0.0
        Value of padded samples.
    align : {"start", "centre", "random"}, default="start"
        Where a short clip is placed in its padding (``"start"``: padding at the end), where
        the kept window of a long clip starts (``"start"``: the first ``length`` samples), and
        for ``"tile"`` where the first copy starts (earlier samples wrap around).
        ``"random"`` draws the offset uniformly per clip (a data-augmentation use), from
        ``random_state``.
    random_state : int, RandomState instance or None, default=None
        Seeds ``align="random"``; an int gives the same offsets at every call.

    Returns
    -------
    Y : np.ndarray [shape=(n, length)]
        float32 unless the input is float64.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.audio import to_fixed_length
    >>> clips = [np.ones(3, np.float32), np.ones(5, np.float32)]
    >>> to_fixed_length(clips, length=5)
    array([[1., 1., 1., 0., 0.],
           [1., 1., 1., 1., 1.]], dtype=float32)
    """
    return _to_fixed_length(as_clips(X), length, mode, pad_value, align, random_state)


class FixedLength(SpecskTransformer):
    """Make ragged clips equal length: ``(n, length)`` from clips of any length.

    Put it after :class:`~specsk.audio.AudioLoader` (which returns a ragged list) to get the
    2-D batch that time-frequency steps need. See :func:`to_fixed_length` for the modes; in
    short, ``"pad"`` and ``"tile"`` only lengthen, ``"crop"`` only shortens, ``"pad_or_crop"``
    and ``"centre"`` do both, and a clip the mode cannot handle raises a ``ValueError`` rather
    than being truncated silently. To keep all of a long clip, use :func:`split_fragments`.

    Parameters
    ----------
    length : int > 0 or None, default=None
        Output length in samples. ``None`` (and no ``duration``) learns it in ``fit``: the
        longest clip (the shortest for ``mode="crop"``, so that no clip has to be padded).
    duration : float > 0 or None, default=None
        Output length in seconds, with ``sr``; exclusive with ``length``.
    sr : float > 0 or None, default=None
        Sample rate, needed with ``duration``.
    mode : {"pad", "crop", "pad_or_crop", "tile", "centre"}, default="pad"
        How clips are brought to the length (see :func:`to_fixed_length`).
    pad_value : float, default=0.0
        Value of padded samples.
    align : {"start", "centre", "random"}, default="start"
        Position of the clip in its padding, or of the kept window when cropping.
    random_state : int, RandomState instance or None, default=None
        Seeds ``align="random"``. The offsets are drawn clip by clip in batch order, so with
        ``"random"`` a sub-batch does not get the offsets its clips had in the full batch.

    Attributes
    ----------
    length_ : int
        The output length in samples.

    Notes
    -----
    With a given ``length`` or ``duration`` the step is stateless (``transform`` works without
    ``fit``); with neither it must be fitted first. Accepted input: ``(n, n_times)`` arrays or
    lists of 1-D clips; multichannel ``(n, n_channels, n_times)`` input is rejected (downmix it
    with ``ToMono`` first).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.audio import FixedLength
    >>> clips = [np.ones(3, np.float32), np.ones(6, np.float32)]
    >>> FixedLength(length=4, mode="pad_or_crop").fit_transform(clips).shape
    (2, 4)
    """

    _input = "ragged"
    _output = "waveform"
    _kind = "audio"
    _stateless = False
    _parameter_constraints = _FIXED_LENGTH_PARAMS
    _N_FEATURES_REASON = (
        "FixedLength exists to accept clips of any length (a 'feature' is a sample): a "
        "transform batch of another length than in fit is padded or cropped to length_, or "
        "rejected by the mode's own rule, so the n_features_in_ mismatch error cannot apply"
    )

    @property
    def _expected_failed_checks(self):
        excused = {"check_n_features_in_after_fitting": self._N_FEATURES_REASON}
        if self.length is None and self.duration is None and _LENGTHENS[self.mode]:
            # fitted on the longest clip; shorter clips in transform are what padding is for
            excused["check_transformer_general"] = (
                "with a learned length_ (the longest training clip) shorter clips in transform "
                "are padded by design, so the check's 'fewer features than in fit must raise' "
                "step cannot apply; the rest of the check passes for the fixed-length "
                "parameter sets"
            )
        return excused

    def __init__(
        self,
        *,
        length=None,
        duration=None,
        sr=None,
        mode="pad",
        pad_value=0.0,
        align="start",
        random_state=None,
    ):
        self.length = length
        self.duration = duration
        self.sr = sr
        self.mode = mode
        self.pad_value = pad_value
        self.align = align
        self.random_state = random_state

    def _given_length(self) -> int | None:
        if self.length is not None and self.duration is not None:
            raise ValueError(
                f"give either length (samples) or duration (seconds, with sr), not both: got "
                f"length={self.length!r} and duration={self.duration!r}"
            )
        if self.duration is not None:
            sr = self._effective_sr()  # sr, else the sample rate the input carries
            if sr is None:
                raise ValueError(
                    "duration needs sr: FixedLength(duration=1.0, sr=22050), or input that "
                    "carries its sample rate (from AudioLoader or Resample)"
                )
            return max(1, round(self.duration * sr))
        return self.length

    def _fit(self, X, y):
        length = self._given_length()
        if length is None:
            lengths = [X.shape[1]] if isinstance(X, np.ndarray) else [len(c) for c in X]
            length = min(lengths) if self.mode == "crop" else max(lengths)
        self.length_ = int(length)

    def _transform(self, X):
        length = getattr(self, "length_", None)
        if length is None:
            length = self._given_length()
        return _to_fixed_length(X, length, self.mode, self.pad_value, self.align, self.random_state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.length is None and self.duration is None
        return tags

    @classmethod
    def _get_test_params(cls):
        return [
            {},
            {"length": 16, "mode": "pad_or_crop", "align": "centre"},
            {"length": 6, "mode": "centre", "pad_value": 0.5},
        ]


# -- fragments --------------------------------------------------------------------------------
def _n_fragments(lengths: np.ndarray, length: int, hop: int, pad_last: bool) -> np.ndarray:
    extra = np.maximum(lengths - length, 0)
    if pad_last:
        return 1 + -(-extra // hop)
    return np.where(lengths >= length, 1 + extra // hop, 0)


@validate_params(_SPLIT_PARAMS, prefer_skip_nested_validation=True)
def split_fragments(X, *, length, hop=None, pad_last=True, pad_value=0.0):
    """Cut every clip into fixed-length fragments (for fragment-level training).

    Fragment ``k`` of a clip covers samples ``[k * hop, k * hop + length)``. Clips of equal
    length are framed together with one strided view (no copy until the output is built);
    a ragged batch is grouped by clip length.

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_times)] or list of np.ndarray [shape=(n_times_i,)]
        Mono clips.
    length : int > 0
        Fragment length in samples.
    hop : int > 0 or None, default=None
        Step between fragment starts; ``None`` means ``length`` (no overlap).
    pad_last : bool, default=True
        ``True``: a last fragment covers the end of the clip, padded with ``pad_value``
        (clips shorter than ``length`` give one padded fragment), so no sample is lost.
        ``False``: only complete fragments; the tail after the last one is dropped, and a clip
        shorter than ``length`` (which would give no fragment) is a ``ValueError``.
    pad_value : float, default=0.0
        Value of padded samples.

    Returns
    -------
    fragments : np.ndarray [shape=(n_fragments, length)]
        All fragments, clip by clip, in time order within a clip.
    clip_index : np.ndarray [shape=(n_fragments,)], int
        Row of ``X`` each fragment comes from: ``y[clip_index]`` labels the fragments, and
        :func:`merge_fragments` turns fragment predictions back into clip predictions.

    Examples
    --------
    Train on 1-second fragments, predict a clip by averaging its fragments' probabilities:

    >>> import numpy as np
    >>> from specsk.audio import merge_fragments, split_fragments
    >>> clips = [np.zeros(2500, np.float32), np.zeros(1000, np.float32)]
    >>> frags, idx = split_fragments(clips, length=1000)
    >>> frags.shape, idx
    ((4, 1000), array([0, 0, 0, 1]))
    >>> proba = np.array([[0.8, 0.2], [0.6, 0.4], [0.7, 0.3], [0.1, 0.9]])
    >>> merge_fragments(proba, idx)          # doctest: +NORMALIZE_WHITESPACE
    array([[0.7, 0.3], [0.1, 0.9]])
    """
    length = int(length)
    hop = length if hop is None else int(hop)
    Xv = as_clips(X)
    if isinstance(Xv, np.ndarray):
        groups = {Xv.shape[1]: (np.arange(len(Xv)), Xv)}
        lengths = np.full(len(Xv), Xv.shape[1])
    else:
        lengths = np.array([c.shape[-1] for c in Xv])
        members: dict[int, list[int]] = defaultdict(list)
        for i, m in enumerate(lengths):
            members[int(m)].append(i)
        groups = {m: (np.array(ix), np.stack([Xv[i] for i in ix])) for m, ix in members.items()}
    n_frag = _n_fragments(lengths, length, hop, pad_last)
    empty = np.flatnonzero(n_frag == 0)
    if empty.size:
        raise ValueError(
            f"{empty.size} clip(s) are shorter than length={length} (e.g. clip {empty[0]} has "
            f"{lengths[empty[0]]} samples) and give no complete fragment with pad_last=False; "
            "use pad_last=True to pad them, or a smaller length"
        )
    dtype = np.result_type(*{g.dtype for _, g in groups.values()})
    starts = np.concatenate(([0], np.cumsum(n_frag)[:-1]))
    out = np.empty((int(n_frag.sum()), length), dtype=dtype)
    for m, (ix, G) in groups.items():
        k = int(n_frag[ix[0]])
        need = (k - 1) * hop + length
        if need > m:
            G = np.pad(G, ((0, 0), (0, need - m)), constant_values=pad_value)
        frames = sliding_window_view(G[:, :need], length, axis=1)[:, ::hop][:, :k]
        # a 2-D row index takes the strided view as it is (reshaping it would copy first)
        out[starts[ix][:, None] + np.arange(k)] = frames
    clip_index = np.repeat(np.arange(len(lengths)), n_frag)
    return out, clip_index


def merge_fragments(values, clip_index, *, n_clips=None, method="mean"):
    """Combine fragment-level outputs into one row per clip.

    Parameters
    ----------
    values : np.ndarray [shape=(n_fragments,) or (n_fragments, k)]
        Per-fragment outputs, e.g. ``predict_proba`` (mean), scores, or labels (vote).
    clip_index : np.ndarray [shape=(n_fragments,)], int
        The clip of each fragment, as returned by :func:`split_fragments`.
    n_clips : int or None, default=None
        Number of clips; ``None`` means ``clip_index.max() + 1``. Every clip must have at
        least one fragment.
    method : {"mean", "max", "vote"}, default="mean"
        ``"mean"`` averages (probability averaging), ``"max"`` takes the maximum,
        ``"vote"`` returns the most frequent label per clip (ties: the smallest label).

    Returns
    -------
    merged : np.ndarray [shape=(n_clips,) or (n_clips, k)]

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.audio import merge_fragments
    >>> merge_fragments(np.array([1, 1, 0, 2]), np.array([0, 0, 0, 1]), method="vote")
    array([1, 2])
    """
    values = np.asarray(values)
    clip_index = np.asarray(clip_index)
    if clip_index.ndim != 1 or len(clip_index) != len(values):
        raise ValueError(
            f"clip_index must be 1-D with one entry per row of values ({len(values)}), got "
            f"shape {clip_index.shape}"
        )
    if clip_index.size == 0:
        raise ValueError("values and clip_index are empty: nothing to merge")
    if not np.issubdtype(clip_index.dtype, np.integer) or clip_index.min() < 0:
        raise ValueError("clip_index must hold non-negative integers (clip rows)")
    if method not in ("mean", "max", "vote"):
        raise ValueError(f"method must be 'mean', 'max' or 'vote', got {method!r}")
    n_clips = int(clip_index.max()) + 1 if n_clips is None else int(n_clips)
    counts = np.bincount(clip_index, minlength=n_clips)
    if len(counts) > n_clips or (counts == 0).any():
        missing = np.flatnonzero(counts[:n_clips] == 0)
        raise ValueError(
            f"every clip needs at least one fragment and clip_index must be < n_clips="
            f"{n_clips}; clips without fragments: {missing[:10].tolist()}"
        )
    if method == "vote":
        labels, inv = np.unique(values, return_inverse=True)
        if values.ndim != 1:
            raise ValueError("method='vote' merges 1-D label vectors")
        tally = np.zeros((n_clips, len(labels)), dtype=np.intp)
        np.add.at(tally, (clip_index, inv.ravel()), 1)
        return labels[tally.argmax(axis=1)]
    if not np.issubdtype(values.dtype, np.number):
        raise TypeError(f"values must be numeric for method={method!r}, got {values.dtype}")
    shape = (n_clips, *values.shape[1:])
    if method == "max":
        out = np.full(shape, -np.inf)
        np.maximum.at(out, clip_index, values)
        return out.astype(np.result_type(values.dtype, np.float32), copy=False)
    sums = np.zeros(shape, dtype=np.float64)
    np.add.at(sums, clip_index, values)
    out = sums / counts.reshape((-1,) + (1,) * (values.ndim - 1))
    return out.astype(np.result_type(values.dtype, np.float32), copy=False)

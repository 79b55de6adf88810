"""Signal metadata that travels with the data (issue 10, item 5).

A specsk step that knows the sample rate of what it returns tags its output:
waveforms carry ``sr``; time-frequency images carry ``sr``, ``hop_length``, ``frequencies``
(Hz of every bin along axis -2, low first) and ``times`` (seconds of every frame along
axis -1). The carrier is :class:`SignalArray`, an ``ndarray`` subclass, so outputs stay
NumPy arrays: ``np.asarray`` gives the plain array back without a copy, and any code that
takes arrays takes it. A ragged batch (a list of clips of different lengths, as
``AudioLoader`` returns) is a :class:`SignalList`, a ``list`` subclass with ``sr``.

The metadata survives pickling (hence ``joblib`` and ``Pipeline(memory=...)``), ``clone``
(which does not touch data) and indexing along the batch axis (what cross-validation
does). Slicing bins or frames with a slice adjusts ``frequencies``/``times``; any other
index on those two axes returns a plain ``ndarray``, since the coordinates would no longer
be known. A computation whose result no longer matches the coordinates (a reduction over
frames, a resize) drops the coordinates that do not fit, and keeps ``sr``.

Consumers (:class:`specsk.base.SpecskTransformer`) read the metadata with
:func:`get_metadata` *before* converting the input to a plain array, compare it with their
explicit parameters and take from it what they were not given.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SignalArray", "SignalList", "get_metadata", "with_metadata"]

FIELDS = ("sr", "hop_length", "frequencies", "times")


def _consistent(meta: dict, shape: tuple) -> dict:
    """``meta`` without the coordinates whose length no longer matches ``shape``."""
    f = meta.get("frequencies")
    if f is not None and (len(shape) < 2 or len(f) != shape[-2]):
        meta = {k: v for k, v in meta.items() if k != "frequencies"}
    t = meta.get("times")
    if t is not None and (len(shape) < 1 or len(t) != shape[-1]):
        meta = {k: v for k, v in meta.items() if k not in ("times", "hop_length")}
    return meta


class SignalArray(np.ndarray):
    """An ``ndarray`` that carries signal metadata (``None`` where unknown).

    Attributes
    ----------
    sr : float
        Sample rate of the audio the data comes from, in Hz.
    hop_length : int
        Samples between frames (time-frequency images).
    frequencies : ndarray [shape=(n_bins,)]
        Frequency of every bin (axis -2) in Hz, low first.
    times : ndarray [shape=(n_frames,)]
        Time of every frame (axis -1) in seconds.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.utils import SignalArray
    >>> X = SignalArray.wrap(np.zeros((4, 8000), np.float32), sr=8000)
    >>> X[:2].sr, type(np.asarray(X)).__name__
    (8000.0, 'ndarray')
    """

    _meta: dict

    @classmethod
    def wrap(cls, array, **meta) -> SignalArray:
        """View ``array`` (no copy) with the given metadata; ``None`` values are left out."""
        out = np.asarray(array).view(cls)
        out._meta = _consistent(_clean(meta), out.shape)
        return out

    def __array_finalize__(self, obj):
        meta = getattr(obj, "_meta", None)
        if not meta:
            self._meta = {}
        elif obj is not None and getattr(obj, "shape", None) == self.shape:
            self._meta = meta
        else:
            self._meta = _consistent(meta, self.shape)

    # -- attributes ----------------------------------------------------------------------
    @property
    def metadata(self) -> dict:
        """A copy of the metadata that is known (``{}`` when none)."""
        return dict(self._meta)

    @property
    def sr(self):
        return self._meta.get("sr")

    @property
    def hop_length(self):
        return self._meta.get("hop_length")

    @property
    def frequencies(self):
        return self._meta.get("frequencies")

    @property
    def times(self):
        return self._meta.get("times")

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        if arr.ndim == 0:  # a full reduction gives a NumPy scalar, as for plain arrays
            return arr.view(np.ndarray)[()]
        return super().__array_wrap__(arr, context, return_scalar)

    # -- indexing ------------------------------------------------------------------------
    def __getitem__(self, key):
        out = super().__getitem__(key)
        if not isinstance(out, SignalArray) or not self._meta:
            return out
        meta = _index_meta(self._meta, self.ndim, key)
        if meta is None:
            return out.view(np.ndarray)
        out._meta = _consistent(meta, out.shape)
        return out

    # -- pickling ------------------------------------------------------------------------
    def __reduce__(self):
        fn, args, state = super().__reduce__()
        return fn, args, (*state, self._meta)

    def __setstate__(self, state):
        super().__setstate__(state[:-1])
        self._meta = state[-1]

    def __repr__(self):
        body = repr(self.view(np.ndarray))
        known = ", ".join(
            f"{k}={v!r}" if k in ("sr", "hop_length") else f"{k}=<{len(v)} values>"
            for k, v in self._meta.items()
        )
        return f"SignalArray({body}, {known})" if known else f"SignalArray({body})"


class SignalList(list):
    """A ragged batch of clips (a ``list``) with the sample rate ``sr``."""

    def __init__(self, clips=(), *, sr=None):
        super().__init__(clips)
        self.sr = None if sr is None else float(sr)

    @property
    def metadata(self) -> dict:
        return {} if self.sr is None else {"sr": self.sr}

    def __getitem__(self, key):
        out = super().__getitem__(key)
        # a slice of clips is still a batch at the same rate (what chunked loops take)
        return SignalList(out, sr=self.sr) if isinstance(key, slice) else out

    def __reduce__(self):
        return SignalList, (list(self),), {"sr": self.sr}


def _clean(meta: dict) -> dict:
    out = {}
    for k, v in meta.items():
        if k not in FIELDS:
            raise TypeError(f"unknown signal metadata {k!r}; known: {', '.join(FIELDS)}")
        if v is None:
            continue
        if k == "sr":
            v = float(v)
        elif k == "hop_length":
            v = int(v)
        else:
            v = np.asarray(v, dtype=np.float64)
        out[k] = v
    return out


def _index_meta(meta: dict, ndim: int, key) -> dict | None:
    """Metadata of ``X[key]``, or ``None`` when the coordinates cannot be followed."""
    if not isinstance(key, tuple):
        return meta  # only the batch axis is indexed
    ell = [j for j, k in enumerate(key) if k is Ellipsis]
    if any(k is None for k in key) or len(ell) > 1:
        return None
    if ell:
        i = ell[0]
        key = key[:i] + (slice(None),) * (ndim - (len(key) - 1)) + key[i + 1 :]
    key = key + (slice(None),) * (ndim - len(key))
    if len(key) > ndim:
        return None
    coords = {ndim - 1: "times"}
    if ndim >= 2:
        coords[ndim - 2] = "frequencies"
    meta = dict(meta)
    for axis, name in coords.items():
        k = key[axis]
        if axis == 0 or (isinstance(k, slice) and k == slice(None)):
            continue
        if name not in meta:
            # nothing to follow: samples of a waveform (sr stays valid)
            if name == "times" and "hop_length" not in meta and isinstance(k, slice):
                continue
            if name == "frequencies" and isinstance(k, slice):
                continue
            return None
        if not isinstance(k, slice):
            return None
        meta[name] = meta[name][k]
        if name == "times" and k.step not in (None, 1) and "hop_length" in meta:
            meta["hop_length"] = meta["hop_length"] * k.step
    return meta


def get_metadata(X) -> dict:
    """The signal metadata ``X`` carries (``{}`` for plain arrays, lists and the rest)."""
    if isinstance(X, SignalArray | SignalList):
        return X.metadata
    return {}


def with_metadata(X, meta: dict | None):
    """``X`` tagged with ``meta`` (no copy), or ``X`` unchanged when there is nothing to tag.

    Arrays become :class:`SignalArray`, lists of clips :class:`SignalList` (only ``sr``
    applies to them); anything else is returned as is.
    """
    if not meta:
        return X
    if isinstance(X, np.ndarray):
        if X.dtype == object:
            return X
        return SignalArray.wrap(X, **meta)
    if type(X) is list or isinstance(X, SignalList):
        return SignalList(X, sr=meta.get("sr"))
    return X

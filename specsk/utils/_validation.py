"""Input validation shared by every specsk function and estimator.

The data contract (``docs/user_guide.md``, section 1):

* waveforms: 2-D ``(n_clips, n_times)`` or a ragged sequence of 1-D clips; multichannel
  ``(n_clips, n_channels, n_times)`` only where a step says so;
* spectrograms: 3-D ``(n, n_bins, n_frames)`` or 4-D ``(n, n_channels, n_bins, n_frames)``;
* floating dtype is kept (float32 or float64); anything else becomes float32.
"""

from __future__ import annotations

import numbers
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp

from ..exceptions import ShortClipWarning
from ._sklearn_compat import Interval, StrOptions

__all__ = [
    "Names",
    "Pair",
    "as_float_array",
    "as_pair",
    "call_inner",
    "check_names",
    "check_ragged_waveforms",
    "check_spectrograms",
    "check_sr",
    "check_waveforms",
    "is_ragged",
    "pad_short_clips",
]

_FLOATS = (np.float32, np.float64)


def _float_dtype(dtype) -> np.dtype:
    """float32 and float64 are kept; any other numeric dtype becomes float32."""
    return np.dtype(dtype) if np.dtype(dtype) in (np.float32, np.float64) else np.dtype(np.float32)


def as_float_array(x, *, name: str = "X") -> np.ndarray:
    """Convert ``x`` to a float32/float64 array with a clear error for non-numeric data."""
    if sp.issparse(x):
        raise TypeError(
            f"{name} is a sparse matrix, but sparse input is not supported: audio and "
            "spectrogram batches are dense; convert with X.toarray()"
        )
    try:
        arr = np.asarray(x)
    except ValueError as exc:  # inhomogeneous nested sequences
        raise ValueError(
            f"{name} could not be converted to an array ({exc}); pass a NumPy array or a list "
            "of 1-D clips"
        ) from None
    if arr.dtype == object and arr.ndim == 1 and all(np.ndim(a) >= 1 for a in arr):
        # a 1-D object array of equal-length clips (e.g. a pandas column of arrays)
        arr = np.stack([np.asarray(a) for a in arr])
    if arr.dtype == object:
        # numbers stored as Python objects (e.g. from a DataFrame) are accepted
        try:
            arr = arr.astype(np.float32)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} must hold real numbers (float or integer samples); converting its "
                f"object dtype failed: {exc}"
            ) from None
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(
            f"{name} must hold real numbers (float or integer samples), got dtype "
            f"{arr.dtype!s}; decode or convert the data first"
        )
    if np.iscomplexobj(arr):
        # ValueError and this wording follow scikit-learn's convention for complex input
        raise ValueError(
            f"Complex data not supported: {name} must be real-valued, got {arr.dtype!s}; pass "
            "np.abs(X) or the real/imaginary parts as channels"
        )
    if np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        # integer PCM passed directly: keep the values (AudioLoader scales PCM to [-1, 1])
        return arr.astype(np.float32)
    return arr.astype(_float_dtype(arr.dtype), copy=False)


def _check_finite(arr: np.ndarray, name: str) -> None:
    if not np.isfinite(arr).all():
        kind = "NaN" if np.isnan(arr).any() else "infinity"
        raise ValueError(
            f"Input {name} contains {kind}; audio samples and spectrogram values must be "
            "finite. Replace or drop the affected clips (np.nan_to_num, or AudioLoader with "
            "on_error='skip')."
        )


def is_ragged(X) -> bool:
    """True if ``X`` is a sequence of clips with different lengths (not a rectangular array)."""
    if isinstance(X, np.ndarray):
        if X.dtype != object or X.ndim != 1:
            return False
    elif not isinstance(X, list | tuple):
        return False
    if len(X) == 0 or not all(np.ndim(x) >= 1 for x in X):
        return False
    return len({np.shape(x)[-1] for x in X}) > 1


def check_ragged_waveforms(X, *, name: str = "X", allow_multichannel: bool = False):
    """Validate a (possibly ragged) batch of clips and return a list of float arrays.

    Parameters
    ----------
    X : ndarray [shape=(n_clips, n_times)] or sequence of ndarray [shape=(n_times,)]
        Clips; each may be ``(n_channels, n_times)`` if ``allow_multichannel``.

    Returns
    -------
    clips : list of ndarray
        One float32/float64 array per clip.
    """
    if isinstance(X, str | bytes):
        raise TypeError(f"{name} must be a batch of clips, got a single string {X!r}")
    if isinstance(X, np.ndarray) and X.dtype != object:
        arr = as_float_array(X, name=name)
        if arr.ndim == 1:
            raise ValueError(
                f"{name} must be a batch of clips: 2-D (n_clips, n_times) or a list of 1-D "
                f"clips, got a 1-D array of shape {arr.shape}. Reshape your data: wrap a "
                "single clip as x[np.newaxis]."
            )
        clips = list(arr)
    else:
        try:
            clips = [as_float_array(c, name=f"{name}[{i}]") for i, c in enumerate(X)]
        except TypeError as exc:
            if "not iterable" in str(exc):
                raise TypeError(
                    f"{name} must be a batch of clips (2-D array or list of 1-D arrays), got "
                    f"{type(X).__name__}"
                ) from None
            raise
    if len(clips) == 0:
        raise ValueError(f"{name} is empty: expected at least one clip")
    max_ndim = 2 if allow_multichannel else 1
    for i, c in enumerate(clips):
        if c.ndim == 0 or c.ndim > max_ndim:
            hint = (
                " Multichannel clips are not accepted here: downmix with AudioLoader(mono=True)"
                " or ToMono first."
                if c.ndim == 2 and not allow_multichannel
                else ""
            )
            raise ValueError(
                f"{name}[{i}] has {c.ndim} dimension(s) (shape {c.shape}); expected "
                f"{'(n_times,) or (n_channels, n_times)' if allow_multichannel else '(n_times,)'}"
                f".{hint}"
            )
        if c.shape[-1] == 0:
            raise ValueError(f"{name}[{i}] is an empty clip (0 samples); drop it or pad it")
        _check_finite(c, f"{name}[{i}]")
    return clips


def check_waveforms(X, *, name: str = "X", allow_multichannel: bool = False) -> np.ndarray:
    """Validate a rectangular batch of waveforms.

    Parameters
    ----------
    X : array-like [shape=(n_clips, n_times)]
        Equal-length clips (``(n_clips, n_channels, n_times)`` if ``allow_multichannel``).

    Returns
    -------
    X : ndarray, float32 or float64

    Raises
    ------
    ValueError
        Wrong rank, ragged clips, empty clips, NaN/inf, multichannel where mono is needed.
    TypeError
        Non-numeric data.
    """
    if is_ragged(X):
        lengths = [np.shape(c)[-1] for c in X]
        raise ValueError(
            f"{name} holds clips of different lengths (min {min(lengths)}, max {max(lengths)} "
            "samples) but this step needs equal-length clips; put FixedLength(length=...) "
            "before it (pad, crop, tile or centre)."
        )
    arr = as_float_array(X, name=name)
    expected = 3 if allow_multichannel else 2
    if arr.ndim == 3 and not allow_multichannel:
        raise ValueError(
            f"{name} has shape {arr.shape}: that looks like multichannel (e.g. stereo) audio "
            "(n_clips, n_channels, n_times), but this step needs mono (n_clips, n_times). "
            "Downmix with AudioLoader(mono=True) or ToMono first."
        )
    if arr.ndim not in (2, expected):
        raise ValueError(
            f"{name} must be 2-D (n_clips, n_times)"
            + (" or 3-D (n_clips, n_channels, n_times)" if allow_multichannel else "")
            + f", got a {arr.ndim}-D array of shape {arr.shape}."
            + (" Reshape your data: wrap a single clip as x[np.newaxis]." if arr.ndim == 1 else "")
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: expected at least one clip")
    if arr.ndim == 3 and arr.shape[1] == 0:
        raise ValueError(
            f"{name} holds clips without channels: found array with 0 feature(s) (shape="
            f"{arr.shape}) while a minimum of 1 is required (features are channels)."
        )
    if arr.shape[-1] == 0:
        raise ValueError(
            f"{name} holds empty clips: found array with 0 feature(s) (shape={arr.shape}) while "
            "a minimum of 1 is required (features are samples per clip)."
        )
    _check_finite(arr, name)
    return arr


def check_spectrograms(X, *, name: str = "X", ranks=(3, 4)) -> np.ndarray:
    """Validate a batch of time-frequency images.

    Parameters
    ----------
    X : array-like [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]

    Returns
    -------
    X : ndarray, float32 or float64
    """
    arr = as_float_array(X, name=name)
    if arr.ndim not in ranks:
        shapes = {3: "(n, n_bins, n_frames)", 4: "(n, n_channels, n_bins, n_frames)"}
        allowed = " or ".join(f"{r}-D {shapes[r]}" for r in ranks)
        hint = ""
        if arr.ndim == 2:
            hint = (
                " Reshape your data: a single spectrogram S must be passed as S[np.newaxis]; "
                "waveforms go to a time-frequency transform (e.g. MelSpectrogram) first."
            )
        raise ValueError(
            f"{name} must be a batch of spectrograms, {allowed}; got a {arr.ndim}-D array of "
            f"shape {arr.shape}.{hint}"
        )
    # scikit-learn's wording for empty input, as its estimator checks expect it
    if arr.shape[0] == 0:
        raise ValueError(
            f"{name} has an empty dimension: found array with 0 sample(s) (shape={arr.shape}) "
            "while a minimum of 1 is required."
        )
    if arr.shape[1] == 0:
        raise ValueError(
            f"{name} has an empty dimension: found array with 0 feature(s) (shape={arr.shape}) "
            "while a minimum of 1 is required (features are frequency bins, or channels for "
            "4-D input)."
        )
    if 0 in arr.shape:
        raise ValueError(f"{name} has an empty dimension: shape {arr.shape}")
    _check_finite(arr, name)
    return arr


def check_sr(sr, *, name: str = "sr") -> float:
    """Validate a sample rate: a positive finite number."""
    if isinstance(sr, bool) or not isinstance(sr, numbers.Real) or not np.isfinite(sr) or sr <= 0:
        raise ValueError(f"{name} must be a positive number of samples per second, got {sr!r}")
    return float(sr)


def pad_short_clips(X: np.ndarray, min_length: int, *, what: str = "n_fft") -> np.ndarray:
    """Zero-pad clips (last axis) shorter than ``min_length`` at the end, with a warning.

    specsk's documented policy: a clip shorter than the analysis window is padded with zeros
    to the window length and a :class:`~specsk.exceptions.ShortClipWarning` says so; it is
    never silently dropped or truncated.
    """
    n = X.shape[-1]
    if n >= min_length:
        return X
    warnings.warn(
        f"clips have {n} samples, fewer than {what}={min_length}; they were zero-padded at the "
        f"end to {min_length} samples. Use a smaller {what} or FixedLength to control this.",
        ShortClipWarning,
        stacklevel=3,
    )
    pad = [(0, 0)] * (X.ndim - 1) + [(0, min_length - n)]
    return np.pad(X, pad)


class Pair(Interval):
    """Parameter constraint: a number in an interval, or a (frequency, time) pair of them.

    Used in ``_parameter_constraints`` like :class:`~sklearn.utils._param_validation.Interval`
    (same arguments); a scalar means the same value on both image axes. With
    ``type=Integral``, integral floats such as ``3.0`` are accepted too (:func:`as_pair`
    turns them into ints). Booleans, NaN and infinity never are.

    Examples
    --------
    >>> from numbers import Integral
    >>> from specsk.utils.validation import Pair
    >>> size = Pair(Integral, 1, None, closed="left")
    >>> size.is_satisfied_by(3), size.is_satisfied_by((3, 5)), size.is_satisfied_by((3, 0))
    (True, True, False)
    """

    def __init__(self, type, left, right, *, closed, names=("frequency", "time"), scalar=True):
        super().__init__(type, left, right, closed=closed)
        self.names = tuple(names)
        self.scalar = scalar  # False: a pair is required

    def _item_ok(self, v) -> bool:
        if isinstance(v, bool | np.bool_) or not isinstance(v, Real):
            return False
        if self.type is Integral and not (isinstance(v, Integral) or float(v).is_integer()):
            return False
        return v in self

    def is_satisfied_by(self, val) -> bool:
        if isinstance(val, str | bytes):
            return False
        try:
            arr = np.asarray(val)
        except (TypeError, ValueError):
            return False
        if arr.ndim == 0:
            return self.scalar and self._item_ok(val)
        if arr.ndim != 1 or arr.shape[0] != 2 or arr.dtype == object:
            return False
        items = list(val) if isinstance(val, tuple | list) else arr.tolist()
        return all(self._item_ok(v) for v in items)

    def __str__(self) -> str:
        axes = ", ".join(self.names)
        if self.scalar:
            return f"{super().__str__()} or a ({axes}) pair of them"
        return f"a ({axes}) pair, each {super().__str__()}"


def as_pair(value, *, integer: bool) -> tuple:
    """A :class:`Pair`-checked ``value`` as a (frequency, time) tuple of ints or floats."""
    items = (value, value) if np.ndim(value) == 0 else tuple(np.asarray(value).tolist())
    return tuple(int(v) if integer else float(v) for v in items)


class Names(StrOptions):
    """Parameter constraint: a name, or a sequence of distinct names, among ``options``.

    For parameters that select several outputs (``stats=("mean", "std")``); a single string
    means a one-name selection. ``empty=True`` also accepts an empty sequence.

    Examples
    --------
    >>> from specsk.utils.validation import Names
    >>> stats = Names({"mean", "std", "max"})
    >>> stats.is_satisfied_by("mean"), stats.is_satisfied_by(("mean", "std"))
    (True, True)
    >>> stats.is_satisfied_by(("mean", "mean")), stats.is_satisfied_by(("var",))
    (False, False)
    """

    def __init__(self, options, *, empty: bool = False):
        super().__init__(set(options))
        self.empty = empty

    def is_satisfied_by(self, val) -> bool:
        if isinstance(val, str):
            return val in self.options
        if not isinstance(val, tuple | list | np.ndarray) or np.ndim(val) != 1:
            return False
        names = list(val)
        return (
            (self.empty or len(names) > 0)
            and all(isinstance(v, str) and v in self.options for v in names)
            and len(set(names)) == len(names)
        )

    def __str__(self) -> str:
        opts = ", ".join(repr(o) for o in sorted(self.options))
        return f"a name or a sequence of distinct names among {{{opts}}}"


def as_names(value) -> tuple[str, ...]:
    """A :class:`Names`-checked ``value`` as a tuple of names."""
    return (value,) if isinstance(value, str) else tuple(value)


def check_names(value, name: str, allowed, *, empty: bool = False) -> tuple[str, ...]:
    """``value`` (a name or a sequence of names drawn from ``allowed``) as a tuple.

    The value check behind selection parameters such as ``stats`` or ``features``, for steps
    whose messages name the bad entries; :class:`Names` is the declarative equivalent.
    """
    allowed = tuple(allowed)
    if isinstance(value, str):
        value = (value,)
    try:
        out = tuple(value)
    except TypeError:
        raise TypeError(
            f"{name} must be a tuple of names from {allowed}, got {type(value).__name__}"
        ) from None
    if not out and not empty:
        raise ValueError(f"{name} must name at least one of {allowed}, got an empty sequence")
    bad = [v for v in out if v not in allowed]
    if bad:
        raise ValueError(f"{name} has unknown entries {bad}; choose from {allowed}")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat names, got {out}")
    return out


def call_inner(owner, param: str, inner, method: str, *args, expects: str = ""):
    """``getattr(inner, method)(*args)`` for a meta-estimator's inner estimator ``param``.

    An error of the inner estimator (e.g. a scikit-learn scaler given 3-D spectrograms) is
    re-raised with the owner's parameter named first, so the message says which argument of
    which step is wrong and what it ``expects``; the inner message is kept (and chained).
    """
    from ..exceptions import NonFiniteResultError

    try:
        return getattr(inner, method)(*args)
    except NonFiniteResultError:
        raise
    except (ValueError, TypeError) as exc:
        owner_name = type(owner).__name__
        msg = f"{owner_name}'s {param}={type(inner).__name__}(...) failed in {method}: {exc}" + (
            f" ({param} must be {expects})" if expects else ""
        )
        try:
            new = type(exc)(msg)
        except Exception:  # an exception type that takes other arguments
            new = ValueError(msg)
        raise new from exc

"""Pool frame-wise representations (MFCC, spectral features, any spectrogram) over time."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.signal import savgol_filter
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._sklearn_compat import Interval, validate_params
from ..utils._validation import check_names, check_spectrograms

__all__ = ["TemporalStats", "temporal_stats"]

TEMPORAL_STATS = ("mean", "std", "min", "max", "median", "skew", "kurtosis")


# one declaration, shared by temporal_stats (decorator) and TemporalStats; the entries of
# stats and percentiles, and how the parameters go together, are checked in _temporal_stats
_TEMPORAL_PARAMS: dict = {
    "stats": [tuple, list, str],
    "percentiles": [tuple, list, Real, None],
    "deltas": [Interval(Integral, 0, 2, closed="both"), "boolean"],
    "delta_width": [Interval(Integral, 3, None, closed="left")],
}


def _check_stats(stats) -> tuple[str, ...]:
    return check_names(stats, "stats", TEMPORAL_STATS, empty=True)


def _check_percentiles(percentiles) -> tuple[float, ...]:
    if percentiles is None:
        return ()
    try:
        out = tuple(float(p) for p in np.atleast_1d(percentiles))
    except (TypeError, ValueError):
        raise ValueError(f"percentiles must be numbers in [0, 100], got {percentiles!r}") from None
    if any(not 0.0 <= p <= 100.0 for p in out):
        raise ValueError(f"percentiles must lie in [0, 100], got {percentiles!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"percentiles must not repeat values, got {percentiles!r}")
    return out


def _percentile_name(p: float) -> str:
    return f"p{int(p)}" if float(p).is_integer() else f"p{p:g}"


def _moments(X: np.ndarray, mean: np.ndarray):
    """Population skewness and excess kurtosis along the last axis; 0 for constant rows."""
    d = X - mean[..., None]
    d2 = d * d
    m2 = d2.mean(axis=-1)
    m3 = (d2 * d).mean(axis=-1)
    m4 = (d2 * d2).mean(axis=-1)
    # scipy's test for a (numerically) constant row, where it returns NaN
    eps = np.finfo(X.dtype).resolution * 10
    zero = m2 <= (eps * mean) ** 2
    safe = np.where(zero, 1, m2)
    skew = np.where(zero, 0, m3 / safe**1.5)
    kurt = np.where(zero, 0, m4 / (safe * safe) - 3)
    return skew, kurt


def _delta(X: np.ndarray, order: int, width: int) -> np.ndarray:
    # librosa.feature.delta(X, width=width, order=order, axis=-1, mode="interp")
    return savgol_filter(X, width, polyorder=order, deriv=order, axis=-1, mode="interp").astype(
        X.dtype, copy=False
    )


@validate_params(_TEMPORAL_PARAMS, prefer_skip_nested_validation=True)
def temporal_stats(
    X, *, stats=("mean", "std"), percentiles=(), deltas=0, delta_width=9
) -> np.ndarray:
    """Statistics over time (last axis) of every row of a frame-wise representation.

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_rows, n_frames) or (n, n_channels, n_rows, n_frames)]
        Frame-wise values: MFCC, spectral features, a (dB) spectrogram ...
    stats : tuple of str
        Any of ``"mean", "std", "min", "max", "median", "skew", "kurtosis"``.
    percentiles : tuple of float in [0, 100]
        Percentiles over time (``np.percentile``, linear interpolation), after ``stats``.
    deltas : int in {0, 1, 2} or bool
        Also pool the delta (1) or the delta and delta-delta (2) over time.
    delta_width : odd int >= 3
        Window of the deltas: ``librosa.feature.delta(X, width=delta_width, order=k,
        axis=-1, mode="interp")`` (a Savitzky-Golay derivative); needs
        ``n_frames >= delta_width``.

    Returns
    -------
    T : np.ndarray [shape=(n, n_features)]
        Columns ordered by delta order (0 = the values), then statistic, then channel, then
        row, in the dtype of ``X``.

    Notes
    -----
    ``std`` is the population standard deviation (``ddof=0``). ``skew`` and ``kurtosis`` are
    ``scipy.stats.skew(bias=True)`` and ``scipy.stats.kurtosis(fisher=True, bias=True)``
    (excess kurtosis), except that a constant row gives 0 where SciPy gives NaN, so that a
    silent row never puts NaN into a classifier.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(12, dtype=np.float32).reshape(1, 2, 6)
    >>> temporal_stats(X, stats=("mean", "max"))
    array([[ 2.5,  8.5,  5. , 11. ]], dtype=float32)
    """
    return _temporal_stats(check_spectrograms(X), stats, percentiles, deltas, delta_width)


def _temporal_stats(X, stats, percentiles, deltas, delta_width):
    stats = _check_stats(stats)
    percentiles = _check_percentiles(percentiles)
    if len(stats) + len(percentiles) == 0:
        raise ValueError("stats and percentiles are both empty: ask for at least one statistic")
    deltas = int(deltas)
    if deltas:
        if delta_width % 2 == 0:
            raise ValueError(f"delta_width must be an odd integer >= 3, got {delta_width!r}")
        if X.shape[-1] < delta_width:
            raise ValueError(
                f"delta_width={delta_width} needs at least {delta_width} frames, X has "
                f"{X.shape[-1]}; use a smaller delta_width or longer clips"
            )
    blocks = [X] + [_delta(X, k, int(delta_width)) for k in range(1, deltas + 1)]
    cols = []
    for B in blocks:
        mean = B.mean(axis=-1)
        moments = None
        for s in stats:
            if s == "mean":
                cols.append(mean)
            elif s == "std":
                cols.append(B.std(axis=-1))
            elif s == "min":
                cols.append(B.min(axis=-1))
            elif s == "max":
                cols.append(B.max(axis=-1))
            elif s == "median":
                cols.append(np.median(B, axis=-1))
            else:
                if moments is None:
                    moments = _moments(B, mean)
                cols.append(moments[0] if s == "skew" else moments[1])
        if percentiles:
            cols.extend(np.percentile(B, percentiles, axis=-1))
    n = len(X)
    return np.concatenate([c.reshape(n, -1) for c in cols], axis=1).astype(X.dtype, copy=False)


class TemporalStats(FeatureExtractorMixin, SpecskTransformer):
    """Pool any frame-wise representation over time into a feature table.

    The standard way to feed MFCC frames (or :class:`SpectralFeatures` rows, or a whole
    spectrogram) to an SVM: each row becomes its mean, standard deviation, ... over time.
    See :func:`temporal_stats`.

    Parameters
    ----------
    stats : tuple of str, default=("mean", "std")
        Any of ``"mean", "std", "min", "max", "median", "skew", "kurtosis"``.
    percentiles : tuple of float, default=()
        Percentiles over time, e.g. ``(10, 90)``.
    deltas : int or bool, default=False
        Also pool the first-order delta (``True``/1), or the first and second (2).
    delta_width : int, default=9
        Window of the deltas (``librosa.feature.delta``'s ``width``).

    Attributes
    ----------
    n_rows_ : int
        Rows (axis -2) seen in ``fit``.
    n_channels_ : int or None
        Channels of 4-D input, ``None`` for 3-D input.

    Examples
    --------
    >>> import numpy as np
    >>> mfcc = np.random.default_rng(0).standard_normal((5, 20, 44)).astype(np.float32)
    >>> ts = TemporalStats(stats=("mean", "std"), deltas=True).fit(mfcc)
    >>> ts.transform(mfcc).shape
    (5, 80)
    >>> ts.get_feature_names_out()[[0, 20, 40]].tolist()
    ['mean_r0', 'std_r0', 'delta_mean_r0']
    """

    _input = "spectrogram"
    _kind = "feature"

    _parameter_constraints: dict = _TEMPORAL_PARAMS

    # fit computes only what the parameters and the input shape fix: see specsk.base
    _learns_from_data = False

    def __init__(self, *, stats=("mean", "std"), percentiles=(), deltas=False, delta_width=9):
        self.stats = stats
        self.percentiles = percentiles
        self.deltas = deltas
        self.delta_width = delta_width

    def _fit(self, X, y):
        self.n_rows_ = X.shape[-2]
        self.n_channels_ = X.shape[1] if X.ndim == 4 else None
        # fail in fit, not in transform, for bad combinations
        _temporal_stats(X[:1], self.stats, self.percentiles, self.deltas, self.delta_width)

    def _transform(self, X):
        n_channels = X.shape[1] if X.ndim == 4 else None
        if n_channels != self.n_channels_ or X.shape[-2] != self.n_rows_:
            raise ValueError(
                f"X has shape {X.shape[1:-1]} (without frames) per clip, but TemporalStats "
                f"was fitted on {self.n_rows_} rows"
                + (f" x {self.n_channels_} channels" if self.n_channels_ else " (3-D input)")
            )
        return _temporal_stats(X, self.stats, self.percentiles, self.deltas, self.delta_width)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        stat_names = list(_check_stats(self.stats)) + [
            _percentile_name(p) for p in _check_percentiles(self.percentiles)
        ]
        chans = [""] if self.n_channels_ is None else [f"ch{c}_" for c in range(self.n_channels_)]
        prefixes = ["", "delta_", "delta2_"][: int(self.deltas) + 1]
        return [
            f"{c}{d}{s}_r{r}"
            for d in prefixes
            for s in stat_names
            for c in chans
            for r in range(self.n_rows_)
        ]

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [
            {},
            {
                "stats": ("mean", "std", "min", "max", "median", "skew", "kurtosis"),
                "percentiles": (10, 90),
                "deltas": 2,
                "delta_width": 5,
            },
        ]

"""Dataset screening: flag silent, clipped, DC-offset, noise-like and duplicate clips."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.utils.validation import check_is_fitted

from ..base import SpecskTransformer
from ..utils._chunking import iter_batches
from ..utils._sklearn_compat import Interval, validate_params
from ..utils._validation import check_ragged_waveforms

__all__ = ["REASONS", "ClipScreener", "screen_clips"]

REASONS = ("silent", "clipped", "dc_offset", "noise", "duplicate")
_AMIN = 1e-10  # librosa.feature.spectral_flatness's floor on power
_DB_FLOOR = -200.0
_FP_RANGE_DB = 30.0  # dynamic range of the duplicate fingerprints
_BLOCK = 256  # clips per block: bounds the framed-spectrum and similarity memory


# one declaration, shared by screen_clips (decorator) and ClipScreener
_SCREEN_PARAMS: dict = {
    "silence_db": [Interval(Real, None, None, closed="neither")],
    "clip_threshold": [Interval(Real, 0, 1, closed="right")],
    "clip_fraction": [Interval(Real, 0, 1, closed="left")],
    "dc_threshold": [Interval(Real, 0, None, closed="left")],
    "flatness_threshold": [Interval(Real, 0, 1, closed="both")],
    "duplicate_threshold": [Interval(Real, -1, 1, closed="both")],
    "n_fft": [Interval(Integral, 16, None, closed="left")],
}


def _padded(clips):
    lengths = np.array([c.shape[-1] for c in clips])
    dtype = np.result_type(*[c.dtype for c in clips])
    if len(set(lengths.tolist())) == 1:
        return np.stack(clips).astype(dtype, copy=False), lengths
    P = np.zeros((len(clips), lengths.max()), dtype=dtype)
    for i, c in enumerate(clips):
        P[i, : len(c)] = c
    return P, lengths


def _frame_stats(P, lengths, n_fft, silence_db):
    """Mean spectral flatness and mean power spectrum over the non-silent frames of each clip.

    Frames are ``n_fft`` long with hop ``n_fft // 2``, Hann window, no centring; a clip
    shorter than ``n_fft`` is one zero-padded frame. Zero padding of ragged clips lies in
    frames past each clip's own frame count, which are ignored.
    """
    hop = n_fft // 2
    if P.shape[1] < n_fft:
        P = np.pad(P, ((0, 0), (0, n_fft - P.shape[1])))
    frames = sliding_window_view(P, n_fft, axis=-1)[:, ::hop]  # (n, n_frames, n_fft)
    n_frames = frames.shape[1]
    counts = np.where(lengths >= n_fft, 1 + (lengths - n_fft) // hop, 1)
    valid = np.arange(n_frames)[None, :] < counts[:, None]
    # samples actually inside each frame (only a short clip's single frame has fewer)
    inside = np.where(lengths < n_fft, lengths, n_fft)[:, None]
    frame_ms = np.einsum("nft,nft->nf", frames, frames) / inside
    active = valid & (10 * np.log10(np.maximum(frame_ms, 1e-20)) > silence_db)
    window = np.hanning(n_fft + 1)[:-1].astype(P.dtype)  # periodic Hann, as scipy/librosa
    power = np.abs(np.fft.rfft(frames * window, axis=-1)) ** 2
    S = np.maximum(power, _AMIN)
    flat = np.exp(np.log(S).mean(axis=-1)) / S.mean(axis=-1)  # (n, n_frames)
    n_active = active.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        flatness = np.where(n_active > 0, (flat * active).sum(axis=1) / n_active, np.nan)
        mean_power = np.einsum("nf,nfk->nk", active.astype(power.dtype), power)
        mean_power /= np.maximum(n_active, 1)[:, None]
    return flatness, mean_power, n_active > 0


def _fingerprints(mean_power, usable):
    """Centred, unit-norm log spectra; rows that cannot be compared are zero."""
    logs = 10 * np.log10(mean_power + _AMIN)
    # the floor keeps the fingerprint to the sound's structure: below it, bins hold the noise
    # floor, whose random ups and downs would otherwise dominate the similarity
    logs = np.maximum(logs, logs.max(axis=1, keepdims=True) - _FP_RANGE_DB)
    logs -= logs.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(logs, axis=1, keepdims=True)
    ok = usable[:, None] & (norm > 1e-6)
    return np.where(ok, logs / np.where(norm > 0, norm, 1), 0.0), ok[:, 0]


def _duplicates(fp, ok, threshold):
    """Index of the first earlier clip whose fingerprint is that similar, else -1."""
    n = len(fp)
    dup = np.full(n, -1)
    for rows in iter_batches(n, _BLOCK):
        sim = fp[rows] @ fp[: rows.stop].T  # (block, rows.stop)
        j = np.arange(rows.start, rows.stop)
        earlier = np.arange(rows.stop)[None, :] < j[:, None]
        hit = (sim > threshold) & earlier & ok[None, : rows.stop] & ok[rows, None]
        first = hit.argmax(axis=1)
        dup[rows] = np.where(hit.any(axis=1), first, -1)
    return dup


def _as_report(columns):
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a test dependency
        dtype = [(k, "U64" if k == "reasons" else np.asarray(v).dtype) for k, v in columns.items()]
        out = np.empty(len(columns["index"]), dtype=dtype)
        for k, v in columns.items():
            out[k] = v
        return out
    return pd.DataFrame(columns).set_index("index", drop=False).rename_axis(None)


@validate_params({"X": "no_validation", **_SCREEN_PARAMS}, prefer_skip_nested_validation=True)
def screen_clips(
    X,
    *,
    silence_db=-60.0,
    clip_threshold=0.999,
    clip_fraction=0.001,
    dc_threshold=0.05,
    flatness_threshold=0.5,
    duplicate_threshold=0.99,
    n_fft=512,
):
    """Check a batch of clips for common dataset problems; one report row per clip.

    Parameters
    ----------
    X : np.ndarray [shape=(n_clips, n_times)] or list of np.ndarray [shape=(n_times,)]
        Waveforms scaled to [-1, 1] (full scale = 1, as :class:`~specsk.audio.AudioLoader`
        returns them); clips may have different lengths.
    silence_db : float, default=-60.0
        A clip whose RMS level is below this (dB re full scale) is ``"silent"``; frames below
        it are left out of the flatness and duplicate measures.
    clip_threshold : float in (0, 1], default=0.999
        Samples with ``|x| >= clip_threshold`` count as clipped.
    clip_fraction : float in [0, 1), default=0.001
        A clip with more than this fraction of clipped samples is ``"clipped"``.
    dc_threshold : float >= 0, default=0.05
        A clip whose mean ``|mean(x)|`` exceeds this is ``"dc_offset"``.
    flatness_threshold : float in [0, 1], default=0.5
        A non-silent clip whose mean spectral flatness (Wiener entropy, as
        :func:`librosa.feature.spectral_flatness`) exceeds this is ``"noise"``: white noise
        measures about 0.56 (``exp(-euler_gamma)``), tones and speech far less.
    duplicate_threshold : float in [-1, 1], default=0.99
        A clip whose spectral fingerprint (mean log power spectrum over its non-silent frames,
        floored 30 dB below its peak, centred and normalised: the correlation of the two dB
        spectra) has a cosine similarity above this with an earlier clip's is
        a ``"duplicate"`` of the first such clip. It is level-invariant and ignores time
        shifts, so re-encoded, gain-changed or trimmed copies are found; silent clips are not
        compared.
    n_fft : int >= 16, default=512
        Frame length of the spectral measures (hop ``n_fft // 2``, Hann window).

    Returns
    -------
    report : pandas.DataFrame or numpy structured array [shape=(n_clips,)]
        A DataFrame if pandas is installed. Columns: ``index``, ``flagged`` (any problem),
        ``reasons`` (``";"``-joined names from ``silent, clipped, dc_offset, noise,
        duplicate``, empty if none), one boolean column per reason, and the measures
        ``rms_db``, ``peak``, ``dc``, ``clip_fraction``, ``flatness`` (NaN for silent clips)
        and ``duplicate_of`` (index of the earlier clip, -1 if none).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.screening import screen_clips
    >>> t = np.arange(8000) / 8000
    >>> X = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), np.zeros_like(t)])
    >>> screen_clips(X)["reasons"].tolist()
    ['', 'silent']
    """
    return _screen_clips(
        check_ragged_waveforms(X), float(silence_db), float(clip_threshold),
        float(clip_fraction), float(dc_threshold), float(flatness_threshold),
        float(duplicate_threshold), int(n_fft),
    )  # fmt: skip


def _screen_clips(
    clips, silence_db, clip_threshold, clip_fraction, dc_threshold, flatness_threshold,
    duplicate_threshold, n_fft,
):  # fmt: skip
    """Core of :func:`screen_clips` and :class:`ClipScreener` on checked input and values."""
    n = len(clips)
    cols = {k: np.empty(n) for k in ("rms_db", "peak", "dc", "clip_fraction", "flatness")}
    fps = np.empty((n, n_fft // 2 + 1))
    usable = np.empty(n, dtype=bool)
    for rows in iter_batches(n, _BLOCK):
        P, lengths = _padded(clips[rows])
        P = P.astype(np.float64)  # sums of squares over long clips
        ms = np.einsum("nt,nt->n", P, P) / lengths
        cols["rms_db"][rows] = np.maximum(10 * np.log10(np.maximum(ms, 1e-30)), _DB_FLOOR)
        a = np.abs(P)
        cols["peak"][rows] = a.max(axis=1)
        cols["dc"][rows] = P.sum(axis=1) / lengths
        cols["clip_fraction"][rows] = (a >= clip_threshold).sum(axis=1) / lengths
        flat, mean_power, active = _frame_stats(P, lengths, n_fft, silence_db)
        cols["flatness"][rows] = flat
        fps[rows] = mean_power
        usable[rows] = active

    silent = cols["rms_db"] < silence_db
    fp, ok = _fingerprints(fps, usable & ~silent)
    dup_of = _duplicates(fp, ok, duplicate_threshold)
    flags = {
        "silent": silent,
        "clipped": cols["clip_fraction"] > clip_fraction,
        "dc_offset": np.abs(cols["dc"]) > dc_threshold,
        "noise": ~silent & (np.nan_to_num(cols["flatness"], nan=0.0) > flatness_threshold),
        "duplicate": dup_of >= 0,
    }
    matrix = np.stack([flags[r] for r in REASONS], axis=1)
    reasons = [";".join(r for r, f in zip(REASONS, row, strict=True) if f) for row in matrix]
    report = {
        "index": np.arange(n),
        "flagged": matrix.any(axis=1),
        "reasons": np.array(reasons, dtype=object),
        **flags,
        **cols,
        "duplicate_of": dup_of,
    }
    return _as_report(report)


class ClipScreener(SpecskTransformer):
    """Screen a dataset for silent, clipped, DC-offset, noise-like and duplicate clips.

    A diagnostic step: ``fit`` measures every clip and stores the report; ``transform``
    passes its input through unchanged, so the screener can sit at the head of a pipeline
    without changing it. To drop the flagged clips, call :meth:`filter` *before* the pipeline:
    removing rows inside a ``Pipeline`` would misalign ``X`` and ``y``. See
    :func:`screen_clips` for the measures and thresholds.

    Parameters
    ----------
    silence_db : float, default=-60.0
    clip_threshold : float, default=0.999
    clip_fraction : float, default=0.001
    dc_threshold : float, default=0.05
    flatness_threshold : float, default=0.5
    duplicate_threshold : float, default=0.99
    n_fft : int, default=512

    Attributes
    ----------
    report_ : pandas.DataFrame or numpy structured array
        One row per clip seen in ``fit`` (see :func:`screen_clips`).
    flags_ : np.ndarray of bool [shape=(n_clips,)]
        True for flagged clips.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.screening import ClipScreener
    >>> t = np.arange(8000) / 8000
    >>> X = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), np.zeros_like(t)])
    >>> y = np.array(["tone", "empty"])
    >>> screener = ClipScreener().fit(X)
    >>> screener.flags_.tolist()
    [False, True]
    >>> X_kept, y_kept = screener.filter(X, y)
    >>> X_kept.shape, y_kept.tolist()
    ((1, 8000), ['tone'])
    """

    _input = "ragged"
    _output = "waveform"
    _kind = "audio"
    _stateless = False

    _parameter_constraints: dict = _SCREEN_PARAMS
    _expected_failed_checks = {
        "check_n_features_in_after_fitting": (
            "ClipScreener is a passthrough diagnostic that accepts clips of any length (also "
            "ragged lists), so a transform batch of another length than in fit is valid input"
        ),
        "check_transformer_general": (
            "its last step requires transform to reject clips of another length than in fit, "
            "which a passthrough that accepts clips of any length must not do; the rest of "
            "the check (fit_transform == fit().transform) is covered in test_screener.py"
        ),
    }

    def __init__(
        self,
        *,
        silence_db=-60.0,
        clip_threshold=0.999,
        clip_fraction=0.001,
        dc_threshold=0.05,
        flatness_threshold=0.5,
        duplicate_threshold=0.99,
        n_fft=512,
    ):
        self.silence_db = silence_db
        self.clip_threshold = clip_threshold
        self.clip_fraction = clip_fraction
        self.dc_threshold = dc_threshold
        self.flatness_threshold = flatness_threshold
        self.duplicate_threshold = duplicate_threshold
        self.n_fft = n_fft

    def _fit(self, X, y):
        self.report_ = _screen_clips(
            list(X) if isinstance(X, np.ndarray) else X,
            float(self.silence_db), float(self.clip_threshold), float(self.clip_fraction),
            float(self.dc_threshold), float(self.flatness_threshold),
            float(self.duplicate_threshold), int(self.n_fft),
        )  # fmt: skip
        self.flags_ = np.asarray(self.report_["flagged"], dtype=bool)

    def _transform(self, X):
        return X

    def filter(self, X, y=None):
        """Screen ``X`` (fitting the screener on it) and keep the clips that pass.

        Parameters
        ----------
        X : np.ndarray [shape=(n_clips, n_times)] or list of np.ndarray
        y : array-like [shape=(n_clips,)] or None

        Returns
        -------
        X_kept : np.ndarray or list
            The unflagged clips, in order (a list if ``X`` was ragged).
        y_kept : np.ndarray or None
            The matching labels.

        Examples
        --------
        The recipe for training on a screened dataset::

            X_clean, y_clean = ClipScreener().filter(X_train, y_train)
            pipeline.fit(X_clean, y_clean)
        """
        self.fit(X, y)
        keep = ~self.flags_
        Xv = self._validate_input(X, reset=False)
        if isinstance(Xv, list):
            X_kept = [c for c, k in zip(Xv, keep, strict=True) if k]
        else:
            X_kept = Xv[keep]
        if y is None:
            return X_kept, None
        y_arr = np.asarray(y)
        if len(y_arr) != len(keep):
            raise ValueError(f"y has {len(y_arr)} labels for {len(keep)} clips in X")
        return X_kept, y_arr[keep]

    @property
    def n_flagged_(self) -> int:
        """Number of flagged clips."""
        check_is_fitted(self)
        return int(self.flags_.sum())

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{}, {"n_fft": 64, "duplicate_threshold": 0.95, "silence_db": -40.0}]

"""Frame-wise spectral descriptors of STFT spectrograms and waveform descriptors (RMS, ZCR).

Every descriptor is computed for the whole batch at once: matrix products with the bin
frequencies, cumulative sums and sorts along the bin axis (axis -2), never a loop over clips.
The librosa descriptors (centroid, bandwidth, rolloff, flatness, contrast, rms, zcr) follow
librosa 0.11 to floating-point rounding; flux, entropy and slope follow the definitions in
:func:`spectral_features`.
"""

from __future__ import annotations

import warnings
from itertools import pairwise
from numbers import Integral, Real

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import xlogy
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..exceptions import ShortClipWarning
from ..utils._sklearn_compat import Interval, StrOptions, available_if, validate_params
from ..utils._validation import (
    check_names,
    check_spectrograms,
    check_waveforms,
    pad_short_clips,
)

__all__ = [
    "SpectralFeatures",
    "WaveformFeatures",
    "spectral_features",
    "waveform_features",
]

SPECTRAL_FEATURES = (
    "centroid",
    "bandwidth",
    "rolloff",
    "flatness",
    "contrast",
    "flux",
    "entropy",
    "slope",
)
WAVEFORM_FEATURES = ("rms", "zcr")

# librosa's floor for power values (spectral_flatness, power_to_db)
_AMIN = 1e-10
# librosa.feature.spectral_contrast converts with power_to_db(..., top_db=80)
_TOP_DB = 80.0


# one declaration each, shared by the function (decorator) and its estimator; the entries of
# features are checked (naming the bad ones) where they are used
_SPECTRAL_PARAMS: dict = {
    "sr": [Interval(Real, 0, None, closed="neither")],
    "n_fft": [Interval(Integral, 1, None, closed="left"), None],
    "features": [tuple, list, str],
    "roll_percent": [Interval(Real, 0, 1, closed="neither")],
    "n_bands": [Interval(Integral, 1, None, closed="left")],
    "fmin": [Interval(Real, 0, None, closed="neither")],
    "quantile": [Interval(Real, 0, 1, closed="neither")],
    "power": [Interval(Real, 0, None, closed="neither")],
}
_WAVEFORM_PARAMS: dict = {
    "frame_length": [Interval(Integral, 1, None, closed="left")],
    "hop_length": [Interval(Integral, 1, None, closed="left")],
    "center": ["boolean"],
    "pad_mode": [StrOptions({"constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp"})],
    "features": [tuple, list, str],
}


def _resolve_n_fft(n_bins: int, n_fft) -> int:
    if n_fft is None or n_bins < 2:
        if n_bins < 2:
            raise ValueError(
                f"S has {n_bins} feature(s) (frequency bins): spectral features need at least "
                "2 bins of a linear-frequency STFT spectrogram"
            )
        # the even FFT length that gives n_bins (the usual case)
        return 2 * (n_bins - 1)
    if 1 + n_fft // 2 != n_bins:
        raise ValueError(
            f"n_fft={n_fft} gives {1 + n_fft // 2} frequency bins (1 + n_fft // 2), but S has "
            f"{n_bins} feature(s) (frequency bins on axis -2). Pass the n_fft used to compute "
            f"S (e.g. n_fft={2 * (n_bins - 1)}), or n_fft=None to infer it; S must be a "
            "linear-frequency STFT spectrogram (not mel or CQT)."
        )
    return int(n_fft)


def _contrast_bands(freq: np.ndarray, sr: float, n_bands: int, fmin: float, quantile: float):
    """Bin masks and quantile counts of librosa's octave bands (data independent)."""
    octa = np.zeros(n_bands + 2)
    octa[1:] = fmin * (2.0 ** np.arange(0, n_bands + 1))
    if np.any(octa[:-1] >= 0.5 * sr):
        raise ValueError(
            f"spectral contrast: the octave bands from fmin={fmin} over n_bands={n_bands} "
            f"exceed the Nyquist frequency {0.5 * sr} Hz (sr={sr}); reduce n_bands or fmin "
            "(at sr=8000 and fmin=200, n_bands <= 4)."
        )
    bands = []
    for k, (f_low, f_high) in enumerate(pairwise(octa)):
        band = np.logical_and(freq >= f_low, freq <= f_high)
        idx = np.flatnonzero(band)
        # librosa drops the top bin of every band but the last: a one-bin lower band is empty
        if idx.size == 0 or (k == 0 and k < n_bands and idx.size < 2):
            raise ValueError(
                f"spectral contrast: octave band {k} ({f_low:g}-{f_high:g} Hz) holds no STFT "
                f"bin once librosa drops the top bin of a lower band ({len(freq)} bins from "
                f"{freq[0]:g} to {freq[-1]:g} Hz); use a larger n_fft, a larger fmin or fewer "
                "n_bands."
            )
        if k > 0:
            band[idx[0] - 1] = True
        if k == n_bands:
            band[idx[-1] + 1 :] = True
        n_take = int(max(np.rint(quantile * np.sum(band)), 1))
        # librosa drops the top bin of every band but the last (it belongs to the next band)
        bands.append((np.flatnonzero(band), k < n_bands, n_take))
    return bands


def _power_to_db_per_image(x: np.ndarray) -> np.ndarray:
    """librosa.power_to_db(x, ref=1, amin=1e-10, top_db=80) with the max taken per image."""
    db = 10.0 * np.log10(np.maximum(x, x.dtype.type(_AMIN)))
    floor = db.max(axis=(-2, -1), keepdims=True) - x.dtype.type(_TOP_DB)
    return np.maximum(db, floor)


@validate_params(_SPECTRAL_PARAMS, prefer_skip_nested_validation=True)
def spectral_features(
    S,
    *,
    sr=22050,
    n_fft=2048,
    features=SPECTRAL_FEATURES,
    roll_percent=0.85,
    n_bands=6,
    fmin=200.0,
    quantile=0.02,
    power=2.0,
):
    """Frame-wise spectral descriptors of a batch of STFT spectrograms.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Non-negative linear-frequency STFT magnitude (or power) spectrograms with
        ``n_bins = 1 + n_fft // 2``, low frequency first.
    sr : float > 0
        Sample rate of the audio, to map bins to Hz (``np.fft.rfftfreq(n_fft, 1 / sr)``).
    n_fft : int > 0 or None
        FFT length used for ``S``; ``None`` infers ``2 * (n_bins - 1)``.
    features : tuple of str
        Any of ``"centroid", "bandwidth", "rolloff", "flatness", "contrast", "flux",
        "entropy", "slope"``, in the order of the output rows.
    roll_percent : float in (0, 1)
        Energy fraction for the roll-off frequency.
    n_bands : int >= 1
        Number of octave bands of spectral contrast (it gives ``n_bands + 1`` rows).
    fmin : float > 0
        Upper edge of the lowest contrast band (librosa's ``fmin``).
    quantile : float in (0, 1)
        Fraction of a band's bins averaged for its peak and valley (contrast).
    power : float > 0
        Exponent that turns ``S`` into a power spectrum for flatness, entropy and slope:
        2.0 for magnitude input (librosa's default), 1.0 for power input.

    Returns
    -------
    F : np.ndarray [shape=(n, n_rows, n_frames) or (n, n_channels, n_rows, n_frames)]
        One row per feature (``n_bands + 1`` rows for contrast), in the dtype of ``S``.

    Notes
    -----
    With bin frequencies :math:`f_k`, :math:`p_k = S_k / \\sum_j S_j` per frame and
    :math:`P_k = S_k^{power}`:

    - centroid :math:`c = \\sum_k f_k p_k`; bandwidth :math:`(\\sum_k p_k (f_k - c)^2)^{1/2}`;
      rolloff, flatness and contrast: as ``librosa.feature.spectral_*`` with ``S=S, freq=f``
      (an all-zero frame has centroid, bandwidth and rolloff 0). Contrast's 80 dB floor is taken
      per image (clip, or clip and channel), as librosa takes it per call on one clip.
    - flux: :math:`\\lVert S_{:,t} - S_{:,t-1} \\rVert_2`, 0 for the first frame.
    - entropy: Shannon entropy of :math:`P / \\sum_k P_k`, divided by :math:`\\log n_{bins}`
      so that it lies in [0, 1] (1 for a flat spectrum, 0 for a single bin; 0 for silence).
    - slope: least-squares slope of :math:`10 \\log_{10}\\max(P_k, 10^{-10})` against
      :math:`f_k`, in dB per kHz (spectral tilt; independent of level).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.zeros((1, 5, 3), dtype=np.float32)
    >>> S[0, 2] = 1.0                     # only bin 2 is active: 2 * 8000 / 8 Hz
    >>> spectral_features(S, sr=8000, n_fft=8, features=("centroid",))[0, 0]
    array([2000., 2000., 2000.], dtype=float32)
    """
    S = check_spectrograms(S, name="S")
    freq = np.fft.rfftfreq(_resolve_n_fft(S.shape[-2], n_fft), 1.0 / float(sr))
    return _spectral_features(S, freq, sr, features, roll_percent, n_bands, fmin, quantile, power)


def _spectral_features(S, freq, sr, features, roll_percent, n_bands, fmin, quantile, power):
    """Spectral descriptors of checked ``S`` whose bins lie at ``freq`` Hz (sample rate ``sr``)."""
    feats = check_names(features, "features", SPECTRAL_FEATURES)
    sr = float(sr)
    if np.any(S < 0):
        raise ValueError(
            "S must be a non-negative magnitude or power spectrogram; it has negative values "
            "(a dB spectrogram?). Compute spectral features before PowerToDb."
        )
    n_bins = S.shape[-2]
    dtype = S.dtype
    bands = (
        _contrast_bands(freq, sr, int(n_bands), float(fmin), float(quantile))
        if "contrast" in feats
        else None
    )
    freq = freq.astype(dtype)
    one = dtype.type(1)

    Snorm = centroid = P = None
    if "centroid" in feats or "bandwidth" in feats:
        total = S.sum(axis=-2, keepdims=True)
        # librosa.util.normalize(norm=1) leaves frames below `tiny` as they are, which gives
        # a meaningless centroid for denormal frames (values near 1e-40): only all-zero
        # frames are left, the others are normalised (their ratios are well defined)
        Snorm = S / np.where(total > 0, total, one)
        centroid = np.matmul(freq, Snorm)  # (..., n_frames)
    if {"flatness", "entropy", "slope"} & set(feats):
        P = S**power if power != 1 else S

    rows = []
    for name in feats:
        if name == "centroid":
            rows.append(centroid[..., None, :])
        elif name == "bandwidth":
            dev2 = np.square(freq[:, None] - centroid[..., None, :])
            rows.append(np.sqrt(np.sum(Snorm * dev2, axis=-2, keepdims=True)))
        elif name == "rolloff":
            cum = np.cumsum(S, axis=-2)
            threshold = roll_percent * cum[..., -1:, :]
            # the cumulative sum is non-decreasing: bins below the threshold form a prefix
            k = np.count_nonzero(cum < threshold, axis=-2)
            rows.append(freq[np.minimum(k, n_bins - 1)][..., None, :])
        elif name == "flatness":
            Pt = np.maximum(P, dtype.type(_AMIN))
            gmean = np.exp(np.mean(np.log(Pt), axis=-2, keepdims=True))
            rows.append(gmean / np.mean(Pt, axis=-2, keepdims=True))
        elif name == "contrast":
            shape = list(S.shape)
            shape[-2] = len(bands)
            peak = np.empty(shape, dtype=dtype)
            valley = np.empty(shape, dtype=dtype)
            for k, (idx, drop_top, n_take) in enumerate(bands):
                sub = np.sort(S[..., idx[:-1] if drop_top else idx, :], axis=-2)
                valley[..., k, :] = np.mean(sub[..., :n_take, :], axis=-2)
                peak[..., k, :] = np.mean(sub[..., -n_take:, :], axis=-2)
            rows.append(_power_to_db_per_image(peak) - _power_to_db_per_image(valley))
        elif name == "flux":
            diff = np.diff(S, axis=-1)
            flux = np.sqrt(np.einsum("...kt,...kt->...t", diff, diff))
            pad = [(0, 0)] * (flux.ndim - 1) + [(1, 0)]
            rows.append(np.pad(flux, pad)[..., None, :])
        elif name == "entropy":
            # scale invariant: each frame is scaled by the power of two above its peak before
            # the power, so S**power neither overflows (power=50, values near 1e30) nor
            # underflows to 0 (denormals near 1e-40)
            peak = S.max(axis=-2, keepdims=True).astype(np.float64)
            unit = np.exp2(np.ceil(np.log2(np.where(peak > 0, peak, 1.0)))).astype(dtype)
            Pn = (S / unit) ** power if power != 1 else S / unit
            total = Pn.sum(axis=-2, keepdims=True)
            p = Pn / np.where(total > 0, total, one)
            h = -np.sum(xlogy(p, p), axis=-2, keepdims=True)
            rows.append(h / dtype.type(np.log(n_bins)) if n_bins > 1 else np.zeros_like(h))
        elif name == "slope":
            db = 10 * np.log10(np.maximum(P, dtype.type(_AMIN)))
            fk = (freq - freq.mean()) / dtype.type(1000.0)
            denom = np.dot(fk, fk)
            slope = np.matmul(fk, db) / denom if denom > 0 else np.zeros(db[..., 0, :].shape)
            rows.append(slope[..., None, :])
    return np.concatenate(rows, axis=-2).astype(dtype, copy=False)


def _row_names(features, n_bands) -> list[str]:
    names = []
    for name in features:
        if name == "contrast":
            names.extend(f"contrast_b{k}" for k in range(int(n_bands) + 1))
        else:
            names.append(name)
    return names


def _stats_output(est) -> bool:
    return est.output == "stats"


class SpectralFeatures(FeatureExtractorMixin, SpecskTransformer):
    """Spectral centroid, bandwidth, roll-off, flatness, contrast, flux, entropy and slope.

    Computed frame by frame from STFT magnitude (or power) spectrograms; see
    :func:`spectral_features` for the definitions.

    Parameters
    ----------
    sr : float or None, default=None
        Sample rate of the audio the spectrograms come from. ``None`` takes the sample rate
        the input carries (spectrograms made by specsk do; see
        :class:`~specsk.utils.SignalArray`), else 22050. A value that disagrees with the
        input's is an error.
    n_fft : int or None, default=None
        FFT length of linear STFT spectrograms: ``n_bins = 1 + n_fft // 2`` must hold
        (checked in ``fit``). ``None`` uses the bin frequencies the input carries (so mel,
        Bark, CQT or gammatone images work too), else infers ``2 * (n_bins - 1)``.
    features : tuple of str, default=("centroid", "bandwidth", "rolloff", "flatness", \
"contrast", "flux", "entropy", "slope")
        Descriptors to compute, in output order.
    roll_percent : float, default=0.85
        Energy fraction that defines the roll-off frequency.
    n_bands : int, default=6
        Octave bands of spectral contrast (``n_bands + 1`` rows). At sr=8000 use at most 4.
    fmin : float, default=200.0
        Upper edge of the lowest contrast band, in Hz.
    quantile : float, default=0.02
        Fraction of a band's bins averaged for contrast's peak and valley.
    power : float, default=2.0
        Exponent that turns the input into a power spectrum (flatness, entropy, slope):
        2.0 for magnitude spectrograms, 1.0 for power spectrograms.
    output : {"frames", "stats"}, default="frames"
        ``"frames"``: frame-wise rows, 3-D ``(n, n_rows, n_frames)`` (4-D input gives 4-D),
        to be pooled by :class:`~specsk.features.TemporalStats` (the composable default).
        ``"stats"``: a 2-D table with the mean and (population) standard deviation over
        time of every row, with ``get_feature_names_out``.

    Attributes
    ----------
    sr_ : float
        Sample rate used (``sr``, else the input's, else 22050).
    n_fft_ : int or None
        FFT length checked against (or inferred from) the number of bins; ``None`` when the
        bin frequencies came from the input.
    freqs_ : np.ndarray [shape=(n_bins,)]
        Bin frequencies in Hz.
    feature_rows_ : list of str
        Name of each output row (``"contrast_b0"`` ... for contrast bands).
    n_channels_ : int or None
        Channels of 4-D input seen in ``fit``; ``None`` for 3-D input.

    Notes
    -----
    The registry tag ``_output`` is ``"spectrogram"``, the default ``output="frames"``;
    with ``output="stats"`` the step returns a feature table and has ``get_feature_names_out``.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.abs(np.random.default_rng(0).standard_normal((4, 129, 20))).astype(np.float32)
    >>> SpectralFeatures(sr=8000, n_fft=256, n_bands=4).fit_transform(S).shape
    (4, 12, 20)
    >>> SpectralFeatures(sr=8000, n_fft=256, n_bands=4, output="stats").fit_transform(S).shape
    (4, 24)
    """

    _input = "spectrogram"
    _output = "spectrogram"
    _kind = "feature"
    _stateless = False
    _positive_input = True  # magnitude or power spectrograms

    _parameter_constraints: dict = {
        **_SPECTRAL_PARAMS,
        "sr": [*_SPECTRAL_PARAMS["sr"], None],
        "output": [StrOptions({"frames", "stats"})],
    }

    # fit computes only what the parameters and the input shape fix: see specsk.base
    _learns_from_data = False

    def __init__(
        self,
        *,
        sr=None,
        n_fft=None,
        features=SPECTRAL_FEATURES,
        roll_percent=0.85,
        n_bands=6,
        fmin=200.0,
        quantile=0.02,
        power=2.0,
        output="frames",
    ):
        self.sr = sr
        self.n_fft = n_fft
        self.features = features
        self.roll_percent = roll_percent
        self.n_bands = n_bands
        self.fmin = fmin
        self.quantile = quantile
        self.power = power
        self.output = output

    def _fit(self, X, y):
        feats = check_names(self.features, "features", SPECTRAL_FEATURES)
        if np.any(X < 0):
            raise ValueError(
                "X must be a non-negative magnitude or power spectrogram; it has negative values "
                "(a dB spectrogram?). Put SpectralFeatures before PowerToDb."
            )
        n_bins = X.shape[-2]
        if n_bins < 2:
            raise ValueError(
                f"SpectralFeatures: X has {n_bins} feature(s) (frequency bins); spectral "
                "features need spectrograms with at least 2 bins"
            )
        self.sr_ = float(self._meta_value("sr", 22050.0))
        self.n_fft_, self.freqs_ = self._bin_frequencies(n_bins)
        if "contrast" in feats:
            _contrast_bands(self.freqs_, self.sr_, self.n_bands, self.fmin, self.quantile)
        self.feature_rows_ = _row_names(feats, self.n_bands)
        self.n_channels_ = X.shape[1] if X.ndim == 4 else None
        self.n_bins_ = n_bins

    def _bin_frequencies(self, n_bins):
        """``(n_fft_, freqs_)``: from the frequencies the input carries when it does (any
        frequency scale; ``n_fft_`` is then ``None`` unless given), else from ``n_fft`` (or
        ``2 * (n_bins - 1)``) and ``sr_`` for a linear STFT."""
        carried = self._input_metadata().get("frequencies")
        if carried is None or len(carried) != n_bins:
            n_fft = _resolve_n_fft(n_bins, self.n_fft)
            return n_fft, np.fft.rfftfreq(n_fft, 1.0 / self.sr_)
        if self.n_fft is not None:
            linear = np.fft.rfftfreq(self.n_fft, 1.0 / self.sr_)
            if len(linear) != n_bins or not np.allclose(linear, carried, rtol=1e-6):
                raise ValueError(
                    f"n_fft={self.n_fft} gives linear STFT bins, but the input carries other "
                    f"bin frequencies ({carried[0]:g} ... {carried[-1]:g} Hz over {n_bins} "
                    "bins, e.g. mel bands): set n_fft=None to use the frequencies the input "
                    "carries."
                )
        return self.n_fft, np.asarray(carried, dtype=np.float64)

    def _transform(self, X):
        carried = self._input_metadata().get("frequencies")
        if carried is not None and not (
            len(carried) == len(self.freqs_) and np.allclose(carried, self.freqs_, rtol=1e-6)
        ):
            raise ValueError(
                "the input carries bin frequencies other than those SpectralFeatures was "
                "fitted with: transform spectrograms made like the training ones, or refit."
            )
        n_channels = X.shape[1] if X.ndim == 4 else None
        if n_channels != self.n_channels_ or X.shape[-2] != self.n_bins_:
            raise ValueError(
                f"X has shape {X.shape[1:]} per clip, but SpectralFeatures was fitted on "
                f"{self.n_bins_} bins"
                + (f" and {self.n_channels_} channels" if self.n_channels_ else " (3-D input)")
            )
        F = _spectral_features(
            X,
            self.freqs_,
            self.sr_,
            self.features,
            self.roll_percent,
            self.n_bands,
            self.fmin,
            self.quantile,
            self.power,
        )
        if self.output == "frames":
            return F
        stats = np.stack([F.mean(axis=-1), F.std(axis=-1)], axis=-1)
        return stats.reshape(len(F), -1)

    @available_if(_stats_output)
    def get_feature_names_out(self, input_features=None):
        """Names of the ``output="stats"`` columns (``"centroid_mean"``, ``"ch1_flux_std"``).

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        feature_names_out : ndarray of str objects

        Notes
        -----
        Only available with ``output="stats"``: frame-wise output is not a feature table (its
        row names are in ``feature_rows_``), and scikit-learn's ``set_output`` wrapping keys
        on the presence of this method.
        """
        return super().get_feature_names_out(input_features)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        chans = [""] if self.n_channels_ is None else [f"ch{c}_" for c in range(self.n_channels_)]
        return [f"{c}{r}_{s}" for c in chans for r in self.feature_rows_ for s in ("mean", "std")]

    def set_output(self, *, transform=None):
        """Set the output container; DataFrames only apply to ``output="stats"``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None

        Returns
        -------
        self : object
        """
        if transform not in (None, "default", "pandas", "polars"):
            raise ValueError(
                f"transform must be 'default', 'pandas', 'polars' or None, got {transform!r}"
            )
        if transform is not None:
            # stored as scikit-learn does; the wrapper only acts while get_feature_names_out
            # exists, i.e. with output="stats"
            if not hasattr(self, "_sklearn_output_config"):
                self._sklearn_output_config = {}
            self._sklearn_output_config["transform"] = transform
        return self

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        # the natural test input has 32 bins: n_fft=62
        return [
            {"sr": 8000, "n_fft": 62, "n_bands": 2, "fmin": 400.0},
            {"sr": 8000, "n_fft": None, "features": ("centroid", "flux", "slope")},
        ]


# -- waveform features ---------------------------------------------------------------------
@validate_params(_WAVEFORM_PARAMS, prefer_skip_nested_validation=True)
def waveform_features(
    y,
    *,
    frame_length=2048,
    hop_length=512,
    center=True,
    pad_mode="constant",
    features=WAVEFORM_FEATURES,
):
    """Frame-wise RMS energy and zero-crossing rate of a batch of waveforms.

    Parameters
    ----------
    y : np.ndarray [shape=(n, n_times)]
        Equal-length clips.
    frame_length : int > 0
        Samples per frame.
    hop_length : int > 0
        Samples between frame starts.
    center : bool
        Pad ``frame_length // 2`` samples on both sides so that frame ``t`` is centred on
        sample ``t * hop_length`` (RMS pads with ``pad_mode``, ZCR with edge values, as
        librosa does).
    pad_mode : {"constant", "edge", "reflect", ...}
        ``np.pad`` mode of the RMS padding (librosa.feature.rms's ``pad_mode``).
    features : tuple of {"rms", "zcr"}
        Rows of the output, in order.

    Returns
    -------
    F : np.ndarray [shape=(n, n_features, n_frames)]
        ``librosa.feature.rms`` and ``librosa.feature.zero_crossing_rate`` (threshold 1e-10,
        zero counted as positive) of each clip, in the dtype of ``y``. Clips shorter than
        ``frame_length`` (possible with ``center=False``) are zero-padded with a
        :class:`~specsk.exceptions.ShortClipWarning`.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.sin(2 * np.pi * 1000 * np.arange(8000) / 8000)[None].astype(np.float32)
    >>> F = waveform_features(y, frame_length=256, hop_length=128)
    >>> F.shape, round(float(F[0, 0, 10]), 3), round(float(F[0, 1, 10]), 3)
    ((1, 2, 63), 0.707, 0.246)
    """
    y = check_waveforms(y, name="y")
    return _waveform_features(y, frame_length, hop_length, center, pad_mode, features)


def _waveform_features(y, frame_length, hop_length, center, pad_mode, features):
    feats = check_names(features, "features", WAVEFORM_FEATURES)
    L, hop = int(frame_length), int(hop_length)
    dtype = y.dtype
    half = [(0, 0), (L // 2, L // 2)] if center else None
    if not center:
        y = pad_short_clips(y, L, what="frame_length")
    elif y.shape[-1] < L:
        # centred frames still work, but every frame is mostly padding: say so, as the STFT
        # steps do for clips shorter than n_fft
        warnings.warn(
            f"clips have {y.shape[-1]} samples, fewer than frame_length={L}: every frame is "
            "mostly padding; use a smaller frame_length",
            ShortClipWarning,
            stacklevel=3,
        )
    rows = []
    for name in feats:
        if name == "rms":
            x = np.pad(y, half, mode=pad_mode) if center else y
            frames = sliding_window_view(x, L, axis=-1)[:, ::hop]
            power = np.einsum("ntk,ntk->nt", frames, frames) / dtype.type(L)
            rows.append(np.sqrt(power))
        else:
            x = np.pad(y, half, mode="edge") if center else y
            # librosa.zero_crossings: |x| <= 1e-10 counts as 0, and 0 as positive (signbit)
            sign = np.signbit(np.where(np.abs(x) <= 1e-10, 0, x))
            change = sign[:, 1:] != sign[:, :-1]
            # int32 accumulation is much faster than bool -> int64 and cannot overflow here
            csum = np.cumsum(change, axis=1, dtype=np.int32)
            csum = np.concatenate([np.zeros((len(x), 1), dtype=np.int32), csum], axis=1)
            n_frames = 1 + (x.shape[1] - L) // hop
            starts = np.arange(n_frames) * hop
            # crossings inside frame [s, s + L): pairs (s, s+1) ... (s+L-2, s+L-1)
            count = csum[:, starts + L - 1] - csum[:, starts]
            rows.append(count.astype(dtype) / dtype.type(L))
    return np.stack(rows, axis=1).astype(dtype, copy=False)


class WaveformFeatures(SpecskTransformer):
    """Frame-wise RMS energy and zero-crossing rate of waveforms.

    Gives a 3-D frame-wise representation, like a spectrogram with one row per feature, so
    that :class:`~specsk.features.TemporalStats` pools it over time (or
    :class:`~sklearn.pipeline.FeatureUnion` it with other pooled features).

    Parameters
    ----------
    frame_length : int, default=2048
        Samples per frame.
    hop_length : int, default=512
        Samples between frames.
    center : bool, default=True
        Centre frames on ``t * hop_length`` by padding ``frame_length // 2`` on both sides.
    pad_mode : str, default="constant"
        ``np.pad`` mode of the RMS padding (ZCR pads with edge values, as librosa).
    features : tuple of {"rms", "zcr"}, default=("rms", "zcr")
        Output rows, in order.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal((3, 8000)).astype(np.float32)
    >>> WaveformFeatures(frame_length=512, hop_length=256).fit_transform(y).shape
    (3, 2, 32)
    """

    _input = "waveform"
    _output = "spectrogram"
    _kind = "feature"
    _stateless = True

    _parameter_constraints: dict = _WAVEFORM_PARAMS

    def __init__(
        self,
        *,
        frame_length=2048,
        hop_length=512,
        center=True,
        pad_mode="constant",
        features=WAVEFORM_FEATURES,
    ):
        self.frame_length = frame_length
        self.hop_length = hop_length
        self.center = center
        self.pad_mode = pad_mode
        self.features = features

    def _transform(self, X):
        return _waveform_features(
            X, self.frame_length, self.hop_length, self.center, self.pad_mode, self.features
        )

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        # sklearn's checks feed (20, 5)-like tables: tiny frames
        return [
            {"frame_length": 4, "hop_length": 2},
            {"frame_length": 3, "hop_length": 1, "center": False, "features": ("zcr",)},
        ]

"""Torch-free recipes: an MFCC baseline and the spectrogram-as-texture route, each one SVC.

Both builders return an unfitted :class:`~sklearn.pipeline.Pipeline` whose frame parameters
come from the sample rate and clip length (no per-dataset setting), and whose SVC
hyper-parameters are chosen by an inner cross-validation on the training data only
(:class:`~sklearn.model_selection.GridSearchCV` is the last step), so ``fit`` on the training
folds and ``score`` on a test fold is an honest estimate.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.validation import check_is_fitted

from ..audio import FixedLength
from ..base import FeatureExtractorMixin, SpecskTransformer
from ..features import (
    GaborFeatures,
    GLCMFeatures,
    HOGFeatures,
    LBPHistogram,
    TemporalStats,
    WaveformFeatures,
)
from ..features._image_kernels import band_edges
from ..filters import Resize
from ..spectrogram import MFCC
from ..utils._sklearn_compat import Interval
from ._base import TOP_DB, log_mel_steps

__all__ = [
    "RECIPES",
    "WindowPooling",
    "frame_parameters",
    "mfcc_svm",
    "texture_classifier",
    "texture_features",
    "texture_svm",
]

# analysis window of ~46 ms (1024 samples at 22.05 kHz, librosa's speech/music habit halved):
# long enough to resolve harmonics of most environmental sounds, short enough for onsets
_WINDOW_S = 0.046
_MAX_MELS = 128
# pooling window of the texture route's windowed band statistics: ~1 s, the length of one
# bark, knock or crackle, but at most half the clip so that a clip always has several windows
_POOL_S = 1.0


def frame_parameters(sr, duration=None):
    """STFT and mel parameters derived from the sample rate (and clip length).

    Parameters
    ----------
    sr : float > 0
        Sample rate in Hz.
    duration : float > 0 or None, default=None
        Clip length in seconds; when given, ``n_fft`` is halved until one window fits in
        the clip.

    Returns
    -------
    params : dict
        ``n_fft`` (the power of two nearest to 46 ms), ``hop_length`` (``n_fft // 4``),
        ``n_mels`` (128, fewer when the FFT has too few bins for 128 non-empty mel filters:
        at most ``n_fft // 8``), ``fmin`` (0) and ``fmax`` (``sr / 2``).

    Examples
    --------
    >>> from specsk.recipes._classical import frame_parameters
    >>> frame_parameters(22050)["n_fft"], frame_parameters(8000)["n_mels"]
    (1024, 64)
    """
    _check_positive(sr, "sr")
    n_fft = 2 ** max(5, round(math.log2(_WINDOW_S * sr)))
    if duration is not None:
        _check_positive(duration, "duration")
        n_samples = max(1, round(duration * sr))
        while n_fft > 32 and n_fft > n_samples:
            n_fft //= 2
    return {
        "n_fft": n_fft,
        "hop_length": n_fft // 4,
        "n_mels": int(min(_MAX_MELS, n_fft // 8)),
        "fmin": 0.0,
        "fmax": float(sr) / 2,
    }


def _check_positive(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def _inner_cv(random_state, n_splits=5):
    """The inner CV of a recipe's hyper-parameter search: stratified, shuffled, and seeded.

    Seeded with ``random_state``, or 0 when it is None, so that fitting the same recipe on
    the same data twice gives the same model (an unseeded shuffle let the chosen ``C``, and
    the ESC-10 figure, move by a point between identical runs).
    """
    seed = 0 if random_state is None else random_state
    return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)


def _svc_search(param_grid, n_jobs, random_state):
    """SVC whose hyper-parameters an inner stratified 5-fold CV picks on the training data."""
    # SVC(probability=True) is deprecated (scikit-learn 1.9): Platt scaling on 3 internal folds
    svc = CalibratedClassifierCV(SVC(kernel="rbf"), method="sigmoid", cv=3, ensemble=False)
    grid = {f"estimator__{k}": v for k, v in param_grid.items()}
    inner = _inner_cv(random_state)
    return GridSearchCV(svc, grid, cv=inner, n_jobs=n_jobs, error_score="raise")


# -- frequency bands as channels ---------------------------------------------------------------
class FrequencyBands(SpecskTransformer):
    """Cut each spectrogram into ``n_bands`` contiguous frequency bands, stacked as channels.

    Image features on 4-D input describe each channel on its own, so a texture descriptor
    after this step is computed per band (low band first). Bands are equal in height; the
    top ``n_bins % n_bands`` rows are dropped so that they are.

    Parameters
    ----------
    n_bands : int, default=4
        Number of bands (at most the number of frequency bins).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.recipes._classical import FrequencyBands
    >>> FrequencyBands(n_bands=4).fit_transform(np.zeros((2, 64, 10), np.float32)).shape
    (2, 4, 16, 10)
    """

    _input = "spectrogram"
    _output = "spectrogram"
    _kind = "filter"
    _stateless = True
    _spectrogram_ranks = (3,)
    _parameter_constraints = {"n_bands": [Interval(numbers.Integral, 1, None, closed="left")]}

    def __init__(self, *, n_bands=4):
        self.n_bands = n_bands

    def _transform(self, X):
        n, n_bins, n_frames = X.shape
        if self.n_bands > n_bins:
            raise ValueError(
                f"n_bands={self.n_bands} exceeds the {n_bins} frequency bins; use fewer bands"
            )
        height = n_bins // self.n_bands
        edges = band_edges(height * self.n_bands, self.n_bands)
        return np.ascontiguousarray(X[:, : edges[-1]].reshape(n, self.n_bands, height, n_frames))


class WindowPooling(FeatureExtractorMixin, SpecskTransformer):
    """Per frequency row, the mean over sliding windows, then its maximum and spread.

    Clip-level statistics dilute a short event (a bark in a 5 s clip of silence) in its
    background. Here each row (mel band) is averaged over windows of ``window`` frames
    (hop ``window // 2``); the maximum and the standard deviation of these window means over
    the clip describe the loudest stretch and how much the band varies between stretches.
    A clip shorter than one window is one window (maximum = mean, standard deviation 0).

    Parameters
    ----------
    window : int, default=86
        Window length in frames (86 frames of 256 samples are 1 s at 22.05 kHz).

    Attributes
    ----------
    n_rows_ : int
        Rows (frequency bins) seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.recipes._classical import WindowPooling
    >>> S = np.zeros((2, 8, 40), np.float32)
    >>> S[:, :, 10:20] = 1.0
    >>> F = WindowPooling(window=10).fit_transform(S)
    >>> F.shape, float(F[0, 0])
    ((2, 16), 1.0)
    """

    _input = "spectrogram"
    _kind = "feature"
    _spectrogram_ranks = (3,)
    _parameter_constraints = {"window": [Interval(numbers.Integral, 1, None, closed="left")]}
    _learns_from_data = False

    def __init__(self, *, window=86):
        self.window = window

    def _fit(self, X, y):
        self.n_rows_ = X.shape[1]

    def _transform(self, X):
        # (the base class checks the number of rows against fit)
        n_frames = X.shape[2]
        window = min(self.window, n_frames)
        hop = max(1, window // 2)
        # window means from a cumulative sum: one vectorised pass over the batch
        csum = np.cumsum(X, axis=2, dtype=np.float64)
        csum = np.concatenate([np.zeros((*X.shape[:2], 1)), csum], axis=2)
        starts = np.arange(0, n_frames - window + 1, hop)
        means = (csum[:, :, starts + window] - csum[:, :, starts]) / window
        return np.concatenate([means.max(axis=2), means.std(axis=2)], axis=1).astype(X.dtype)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        return [f"window_{s}_r{r}" for s in ("max", "std") for r in range(self.n_rows_)]

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{}, {"window": 3}]


# -- recipes -----------------------------------------------------------------------------------
def mfcc_svm(*, sr, duration, n_jobs=None, random_state=None):
    """MFCC statistics and an RBF SVC: the baseline a user writes by hand.

    ``FixedLength`` (pad or crop to ``duration``) -> 20 MFCCs with first and second deltas,
    pooled over time by mean and standard deviation, with the mean and standard deviation of
    the frame RMS and zero-crossing rate -> ``StandardScaler`` -> RBF ``SVC``
    (Platt-calibrated probabilities) with ``C`` in ``{1, 10, 100}`` chosen by an inner
    stratified 5-fold CV on the training data. ESC-10 (official 5 folds): see ``RECIPES``.

    Parameters
    ----------
    sr : float > 0
        Sample rate of the input waveforms in Hz (resample first if they differ).
    duration : float > 0
        Clip length in seconds: every clip is padded (zeros at the end) or cropped (its
        start kept) to it.
    n_jobs : int or None, default=None
        Jobs of the inner grid search (joblib's convention).
    random_state : int, RandomState instance or None, default=None
        Seeds the inner CV split.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted; accepts a ragged list of 1-D float waveforms or a 2-D batch at ``sr``.

    Examples
    --------
    >>> from specsk.datasets import make_sounds
    >>> from specsk.recipes._classical import mfcc_svm
    >>> X, y = make_sounds(n_per_class=8, duration=0.5, sr=8000, random_state=0)
    >>> pipe = mfcc_svm(sr=8000, duration=0.5, random_state=0).fit(X, y)
    >>> pipe.predict_proba(X[:2]).shape[0]
    2
    """
    _check_positive(duration, "duration")
    fp = frame_parameters(sr, duration)
    frames = {"n_fft": fp["n_fft"], "hop_length": fp["hop_length"]}
    mfcc = Pipeline(
        [
            (
                "mfcc",
                MFCC(sr=sr, n_mfcc=20, deltas=2, n_mels=fp["n_mels"], fmax=fp["fmax"], **frames),
            ),
            ("stats", TemporalStats(stats=("mean", "std"))),
        ]
    )
    waveform = Pipeline(
        [
            (
                "frames",
                WaveformFeatures(frame_length=fp["n_fft"], hop_length=fp["hop_length"]),
            ),
            ("stats", TemporalStats(stats=("mean", "std"))),
        ]
    )
    return Pipeline(
        [
            ("fixedlength", FixedLength(duration=duration, sr=sr, mode="pad_or_crop")),
            ("features", FeatureUnion([("mfcc", mfcc), ("waveform", waveform)])),
            ("scaler", StandardScaler()),
            ("svc", _svc_search({"C": [1.0, 10.0, 100.0]}, n_jobs, random_state)),
        ]
    )


def texture_features(*, sr, duration=None):
    """The data-independent front of ``texture_svm``: waveforms -> texture feature table.

    Mel spectrogram (``n_fft`` ~ 46 ms, hop ``n_fft // 4``, up to 128 mels over
    ``0 .. sr / 2``, see :func:`frame_parameters`) -> dB relative to each clip's peak,
    floored at -80 dB (level-invariant) -> the ``FeatureUnion`` described in
    :func:`texture_svm`. No step learns from the data, so ``specsk.evaluate`` (or
    ``Pipeline(memory=...)``) computes it once for all folds.

    Parameters
    ----------
    sr : float > 0
        Sample rate of the input waveforms in Hz.
    duration : float > 0 or None, default=None
        Clip length in seconds (bounds ``n_fft`` for very short clips).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        ``melspectrogram -> powertodb -> features``.
    """
    fp = frame_parameters(sr, duration)
    pool_s = _POOL_S if duration is None else min(_POOL_S, duration / 2)
    window = max(1, round(pool_s * sr / fp["hop_length"]))
    return Pipeline([*log_mel_steps(sr, **fp), ("features", _texture_union(window=window))])


def texture_classifier(*, n_jobs=None, random_state=None):
    """Standardised features, then a logistic regression or an RBF SVC, by inner CV.

    An inner stratified 5-fold CV on the training data picks the model and its ``C``: an
    L2 logistic regression (``C`` in 0.001 .. 1) or an RBF SVC (``gamma="scale"``, ``C`` in
    1 .. 100, Platt-calibrated probabilities). On ESC-10 the inner CV chose the logistic
    regression in every outer fold (the ~1,100 texture features of a few hundred clips are
    nearly linearly separable).

    Returns
    -------
    search : GridSearchCV
        Over ``Pipeline([("scaler", StandardScaler()), ("clf", ...)])``.
    """
    inner = _inner_cv(random_state)
    svc = CalibratedClassifierCV(SVC(kernel="rbf"), method="sigmoid", cv=3, ensemble=False)
    logistic = LogisticRegression(max_iter=3000, random_state=random_state)
    grid = [
        {"clf": [logistic], "clf__C": [0.001, 0.01, 0.1, 1.0]},
        {"clf": [svc], "clf__estimator__C": [1.0, 10.0, 100.0]},
    ]
    pipe = Pipeline([("scaler", StandardScaler()), ("clf", logistic)])
    return GridSearchCV(pipe, grid, cv=inner, n_jobs=n_jobs, error_score="raise")


def texture_svm(*, sr, duration, n_jobs=None, random_state=None):
    """Log-mel spectrogram as an image: texture and band statistics, then a kernel/linear model.

    ``FixedLength`` (pad or crop to ``duration``) -> :func:`texture_features` (mel
    spectrogram, dB relative to each clip's peak floored at -80 dB) -> a ``FeatureUnion`` of

    - ``bands``: per mel band, mean, standard deviation and maximum over time of the image
      and of its first time delta;
    - ``windows``: per mel band, the maximum and standard deviation of its means over ~1 s
      windows (at most half the clip, hop half a window; :class:`WindowPooling`), so that a
      short event is not diluted in the clip's background;
    - ``glcm``: GLCM properties (32 levels over the fixed -80..0 dB range, distances 1, 2, 4,
      along time and along frequency) of the whole image;
    - ``glcm_bands``: the same on 4 equal frequency bands (:class:`FrequencyBands`);
    - ``lbp``: uniform LBP histograms (P=8, R=1 and 2) in 4 frequency bands;
    - ``gabor``: mean and variance of 16 Gabor responses (4 frequencies x 4 orientations)

    -> :func:`texture_classifier` (``StandardScaler`` -> logistic regression or RBF SVC, the
    model and ``C`` chosen by an inner stratified 5-fold CV on the training data). Every step
    before the classifier learns nothing from the data, so ``Pipeline(memory=...)`` or
    ``specsk.evaluate`` can cache the features across folds. ESC-10: see ``RECIPES``.

    Parameters
    ----------
    sr : float > 0
        Sample rate of the input waveforms in Hz.
    duration : float > 0
        Clip length in seconds (pad or crop).
    n_jobs : int or None, default=None
        Jobs of the inner grid search.
    random_state : int, RandomState instance or None, default=None
        Seeds the inner CV split.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted; accepts a ragged list of 1-D float waveforms or a 2-D batch at ``sr``.

    Examples
    --------
    >>> from specsk.datasets import make_sounds
    >>> from specsk.recipes._classical import texture_svm
    >>> X, y = make_sounds(n_per_class=8, duration=0.5, sr=8000, random_state=0)
    >>> pipe = texture_svm(sr=8000, duration=0.5, random_state=0).fit(X, y)
    >>> pipe.predict_proba(X[:2]).shape[0]
    2
    """
    _check_positive(duration, "duration")
    return Pipeline(
        [
            ("fixedlength", FixedLength(duration=duration, sr=sr, mode="pad_or_crop")),
            *texture_features(sr=sr, duration=duration).steps,
            ("classifier", texture_classifier(n_jobs=n_jobs, random_state=random_state)),
        ]
    )


def _texture_union(
    blocks=("bands", "windows", "glcm", "glcm_bands", "lbp", "gabor"), n_bands=4, window=86
):
    glcm = {
        "levels": 32,
        "quantization": "uniform",
        "value_range": (-TOP_DB, 0.0),
        "distances": (1, 2, 4),
        "angles": (0.0, np.pi / 2),
    }
    gabor = {
        "frequencies": (0.05, 0.1, 0.2, 0.4),
        "thetas": (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4),
    }
    make = {
        "bands": lambda: TemporalStats(stats=("mean", "std", "max"), deltas=1),
        "windows": lambda: WindowPooling(window=window),
        "glcm": lambda: GLCMFeatures(**glcm),
        "glcm_bands": lambda: Pipeline(
            [("bands", FrequencyBands(n_bands=n_bands)), ("glcm", GLCMFeatures(**glcm))]
        ),
        "lbp": lambda: LBPHistogram(P=8, R=(1.0, 2.0), n_bands=n_bands),
        "gabor": lambda: GaborFeatures(**gabor),
        "hog": lambda: Pipeline(
            [
                ("resize", Resize(shape=(64, 64))),
                ("hog", HOGFeatures(pixels_per_cell=(16, 16), cells_per_block=(2, 2))),
            ]
        ),
        "gabor_bands": lambda: Pipeline(
            [("bands", FrequencyBands(n_bands=n_bands)), ("gabor", GaborFeatures(**gabor))]
        ),
    }
    return FeatureUnion([(name, make[name]()) for name in blocks])


RECIPES = {
    "mfcc_svm": (mfcc_svm, "MFCC + deltas and RMS/ZCR statistics, RBF SVC (ESC-10: 80.5 +- 7.1 %)"),
    "texture_svm": (
        texture_svm,
        "log-mel image: band + 1 s window stats, GLCM, LBP, Gabor; LR/SVC (ESC-10: 90.3 +- 1.6 %)",
    ),
}

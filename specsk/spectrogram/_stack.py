"""Multi-channel spectrograms: several time-frequency transforms stacked as image channels."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import clone

from ..base import SpecskTransformer
from ..exceptions import NonFiniteResultError
from ..utils._sklearn_compat import Interval, StrOptions, _BaseComposition, validate_params

__all__ = ["StackChannels", "resample_spectrograms"]

_SIZE = [Interval(numbers.Integral, 1, None, closed="left")]
_INTERPOLATION = [StrOptions({"linear", "nearest"})]


def _interp_axis(S: np.ndarray, n_out: int, axis: int, interpolation: str) -> np.ndarray:
    """Sample axis ``axis`` of ``S`` at ``linspace(0, n_in - 1, n_out)``.

    Linear interpolation is ``scipy.ndimage.map_coordinates(order=1)`` at those coordinates
    (first and last samples map onto each other, "align corners"). Index arithmetic on the
    two neighbours of every output sample: memory is that of the output, never a dense
    ``n_out x n_in`` matrix (a 60 s clip has ~2600 frames at hop 512, a 10 min one ~26000).
    """
    n_in = S.shape[axis]
    coords = np.linspace(0.0, n_in - 1.0, n_out)
    if interpolation == "nearest":
        return np.take(S, np.clip(np.floor(coords + 0.5).astype(np.intp), 0, n_in - 1), axis)
    i0 = np.clip(np.floor(coords).astype(np.intp), 0, n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    shape = [1] * S.ndim
    shape[axis] = n_out
    frac = (coords - i0).astype(S.dtype).reshape(shape)
    out = np.take(S, i0, axis)
    out *= 1 - frac
    out += np.take(S, i1, axis) * frac
    return out


@validate_params(
    {"n_bins": _SIZE, "n_frames": _SIZE, "interpolation": _INTERPOLATION},
    prefer_skip_nested_validation=True,
)
def resample_spectrograms(S, n_bins, n_frames, *, interpolation="linear"):
    """Resample a batch of images onto an ``(n_bins, n_frames)`` grid, batch axes untouched.

    Separable interpolation, one axis after the other (neighbour indices and weights, memory
    bounded by the input and output sizes), equal to
    ``scipy.ndimage.map_coordinates(S_i, coords, order=1)`` on the grid
    ``linspace(0, n_in - 1, n_out)`` of each of the two last axes.

    Parameters
    ----------
    S : np.ndarray [shape=(..., n_bins_in, n_frames_in)]
    n_bins, n_frames : int
        Output size of the two last axes.
    interpolation : {"linear", "nearest"}

    Returns
    -------
    S_resampled : np.ndarray [shape=(..., n_bins, n_frames)]
        Same dtype as ``S`` (float).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import resample_spectrograms
    >>> resample_spectrograms(np.ones((2, 10, 7)), 4, 5).shape
    (2, 4, 5)
    """
    return _resample(S, n_bins, n_frames, interpolation)


def _resample(S, n_bins, n_frames, interpolation):
    S = np.asarray(S)
    dtype = S.dtype if S.dtype in (np.float32, np.float64) else np.float64
    S = S.astype(dtype, copy=False)
    b, f = S.shape[-2:]
    if (b, f) == (n_bins, n_frames):
        return S.copy()
    # resample the axis that shrinks most first: the intermediate array is then the smaller
    if b * n_frames <= f * n_bins:
        return _interp_axis(_interp_axis(S, n_frames, -1, interpolation), n_bins, -2, interpolation)
    return _interp_axis(_interp_axis(S, n_bins, -2, interpolation), n_frames, -1, interpolation)


class StackChannels(SpecskTransformer, _BaseComposition):
    """Stack several time-frequency transforms as the channels of one image batch.

    Each transformer is fitted on the same waveforms; each output (3-D, or 4-D whose channels
    are kept as separate channels) is resampled onto one ``(n_bins, n_frames)`` grid and the
    results are stacked along a channel axis: e.g. CWT + mel + gammatone as a 3-channel image
    for a CNN. Resampling is image resampling (first and last rows and columns map onto each
    other); it does not align the transforms' frequency axes in Hz.

    Parameters of the transformers are reached as ``<name>__<param>``, as in
    :class:`~sklearn.pipeline.FeatureUnion`, so ``GridSearchCV`` can tune them.

    Parameters
    ----------
    transformers : list of (str, transformer)
        Named waveform-to-spectrogram transformers (cloned in ``fit``).
    n_bins : int or None, default=64
        Rows of the common grid (None: the first transformer's).
    n_frames : int or None, default=None
        Columns of the common grid (None: the first transformer's frame count).
    interpolation : {"linear", "nearest"}, default="linear"
        Resampling of each output onto the grid.

    Attributes
    ----------
    transformers_ : list of (str, transformer)
        The fitted clones.
    n_channels_ : int
        Number of output channels.
    n_features_in_ : int
        Samples per clip seen in ``fit``.

    Returns
    -------
    S : np.ndarray [shape=(n, n_channels, n_bins, n_frames)]
        From :meth:`transform`, in the input precision.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.spectrogram import BarkSpectrogram, GammatoneSpectrogram, StackChannels
    >>> X = np.random.default_rng(0).standard_normal((2, 8000)).astype(np.float32)
    >>> stack = StackChannels(
    ...     [("bark", BarkSpectrogram(sr=8000, n_fft=512, hop_length=256)),
    ...      ("gt", GammatoneSpectrogram(sr=8000, n_bands=40, hop_length=256, method="fft"))],
    ...     n_bins=32)
    >>> stack.fit_transform(X).shape
    (2, 2, 32, 32)
    >>> stack.set_params(gt__n_bands=20).fit_transform(X).shape
    (2, 2, 32, 32)
    """

    _input = "waveform"
    _output = "spectrogram"
    _kind = "spectrogram"
    _stateless = False

    _parameter_constraints = {
        "transformers": [list, None],
        "n_bins": [*_SIZE, None],
        "n_frames": [*_SIZE, None],
        "interpolation": _INTERPOLATION,
    }

    def __init__(self, transformers=None, *, n_bins=64, n_frames=None, interpolation="linear"):
        self.transformers = transformers
        self.n_bins = n_bins
        self.n_frames = n_frames
        self.interpolation = interpolation

    def get_params(self, deep=True):
        """Parameters of this estimator and, with ``deep``, of its transformers.

        Returns
        -------
        params : dict
            Including ``<name>`` and ``<name>__<param>`` entries.
        """
        return self._get_params("transformers", deep=deep)

    def set_params(self, **params):
        """Set parameters, including ``<name>__<param>`` of the transformers.

        Returns
        -------
        self : object
        """
        self._set_params("transformers", **params)
        return self

    def _check_transformers(self):
        t = self.transformers
        if not t or not all(isinstance(item, tuple) and len(item) == 2 for item in t):
            raise ValueError(
                f"transformers must be a non-empty list of (name, transformer) tuples, got {t!r}"
            )
        names = [name for name, _ in t]
        if not all(isinstance(n, str) and n and "__" not in n for n in names):
            raise ValueError(f"transformers names must be non-empty str without '__': {names}")
        self._validate_names(names)
        for name, est in t:
            if not (hasattr(est, "fit") and hasattr(est, "transform")):
                raise TypeError(
                    f"transformers[{name!r}] must have fit and transform, got {type(est).__name__}"
                )

    def _fit(self, X, y):
        self._check_transformers()
        self.transformers_ = [(name, clone(est).fit(X, y)) for name, est in self.transformers]
        self.n_channels_ = sum(c.shape[1] for c in self._outputs(X[:1]))

    def _outputs(self, X):
        outs = []
        for name, est in self.transformers_:
            try:
                S = np.asarray(est.transform(X))
            except NonFiniteResultError as exc:
                raise NonFiniteResultError(f"StackChannels, channel {name!r}: {exc}") from None
            if S.ndim not in (3, 4) or S.shape[0] != X.shape[0]:
                raise ValueError(
                    f"transformers[{name!r}] must return (n, n_bins, n_frames) or "
                    f"(n, n_channels, n_bins, n_frames) for n clips; got shape {S.shape}"
                )
            outs.append(S[:, np.newaxis] if S.ndim == 3 else S)
        return outs

    def _transform(self, X):
        outs = self._outputs(X)
        n_bins = self.n_bins if self.n_bins is not None else outs[0].shape[-2]
        n_frames = self.n_frames if self.n_frames is not None else outs[0].shape[-1]
        out = np.empty((X.shape[0], sum(o.shape[1] for o in outs), n_bins, n_frames), X.dtype)
        c = 0
        for S in outs:
            k = S.shape[1]
            out[:, c : c + k] = _resample(
                S.astype(X.dtype, copy=False), n_bins, n_frames, self.interpolation
            )
            c += k
        return out

    @classmethod
    def _get_test_params(cls):
        from ._bark import BarkSpectrogram
        from ._gammatone import GammatoneSpectrogram

        return [
            {
                "transformers": [
                    ("bark", BarkSpectrogram(sr=8000, n_bands=6, n_fft=32, hop_length=8)),
                    (
                        "gt",
                        GammatoneSpectrogram(
                            sr=8000, n_bands=8, fmin=100.0, hop_length=4, method="fft"
                        ),
                    ),
                ],
                "n_bins": 8,
            }
        ]

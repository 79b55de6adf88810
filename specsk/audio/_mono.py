"""Downmix multichannel clips to mono: ``to_mono`` and the ``ToMono`` estimator."""

from __future__ import annotations

from ..base import SpecskTransformer
from ..utils import check_waveforms
from ..utils._sklearn_compat import _check_feature_names

__all__ = ["ToMono", "to_mono"]


def _to_mono(X):
    """Core of :func:`to_mono` and :class:`ToMono` on a checked 2-D or 3-D batch."""
    return X if X.ndim == 2 else X.mean(axis=1, dtype=X.dtype)


def to_mono(X):
    """Average the channels of a batch of clips.

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_channels, n_times) or (n, n_times)]
        Multichannel clips; a 2-D batch is already mono and is returned unchanged.

    Returns
    -------
    Y : np.ndarray [shape=(n, n_times)]
        Channel mean, in the input's float dtype (like ``librosa.to_mono`` per clip).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.audio import to_mono
    >>> to_mono(np.ones((3, 2, 100), dtype=np.float32)).shape
    (3, 100)
    """
    return _to_mono(check_waveforms(X, allow_multichannel=True))


class ToMono(SpecskTransformer):
    """Downmix ``(n, n_channels, n_times)`` clips to ``(n, n_times)`` by the channel mean.

    Stateless. A 2-D batch is already mono and passes through unchanged, so ``ToMono`` can sit
    in a pipeline whatever the files' channel count. Ragged multichannel clips (a list of
    ``(n_channels, n_times)`` arrays of different lengths) are not accepted: load them with
    ``AudioLoader(mono=True)``, which downmixes while reading.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.audio import ToMono
    >>> ToMono().fit_transform(np.ones((3, 2, 100), dtype=np.float32)).shape
    (3, 100)
    """

    _input = "multichannel"
    _output = "waveform"
    _kind = "audio"
    _stateless = True
    _parameter_constraints: dict = {}
    _expected_failed_checks = {
        "check_n_features_in_after_fitting": (
            "ToMono is stateless and accepts clips of any length and channel count by design, "
            "so a transform batch of another width than in fit is valid input"
        ),
        "check_rejects_wrong_rank": (
            "specsk contract check: one multichannel clip X[0] of shape (n_channels, n_times) "
            "is indistinguishable from a 2-D batch of n_channels mono clips, which ToMono "
            "passes through unchanged by design"
        ),
    }

    def __init__(self):
        pass

    def _transform(self, X):
        return _to_mono(X)

    def _n_features_bookkeeping(self, X_orig, arr, *, reset):
        # any clip length and channel count is valid: record n_features_in_ in fit, but never
        # compare it in transform (column names, when given, are still checked)
        if reset:
            super()._n_features_bookkeeping(X_orig, arr, reset=True)
        else:
            _check_feature_names(self, X_orig, reset=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # mono 2-D input is accepted (passed through), so scikit-learn's 2-D checks apply
        tags.input_tags.two_d_array = True
        return tags

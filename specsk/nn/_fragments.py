"""FragmentClassifier: train on fixed-length fragments, aggregate per clip (no torch needed)."""

from __future__ import annotations

from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, _check_feature_names
from ..utils._validation import _check_finite, as_float_array, pad_short_clips

__all__ = ["FragmentClassifier", "make_fragments"]


def make_fragments(X, fragment_length: int, hop: int | None = None, axis: int = -1):
    """Cut every clip of a batch into fixed-length fragments along ``axis`` (a strided view).

    Parameters
    ----------
    X : np.ndarray [shape=(n, ..., n_times)]
        Waveforms ``(n, n_samples)`` or spectrograms ``(n, [n_channels,] n_bins, n_frames)``.
    fragment_length : int
        Samples or frames per fragment. Clips shorter than that are zero-padded at the end
        (with a :class:`~specsk.exceptions.ShortClipWarning`).
    hop : int, optional
        Step between fragment starts; default ``fragment_length`` (no overlap). A tail shorter
        than ``hop`` after the last full fragment is dropped.
    axis : int, default=-1
        The axis to cut (not 0, the batch axis).

    Returns
    -------
    fragments : np.ndarray [shape=(n * n_fragments, ..., fragment_length)]
        Fragments of clip ``i`` are rows ``i * n_fragments ... (i + 1) * n_fragments - 1``.
    n_fragments : int
        Fragments per clip.

    Examples
    --------
    >>> import numpy as np
    >>> F, k = make_fragments(np.arange(20.0).reshape(2, 10), 4, hop=3)
    >>> F.shape, k
    ((6, 4), 3)
    """
    hop = fragment_length if hop is None else hop
    ax = axis % X.ndim
    if ax == 0:
        raise ValueError("axis must not be 0: axis 0 indexes clips, fragments are cut along time")
    Xm = np.moveaxis(X, ax, -1)
    Xm = pad_short_clips(Xm, fragment_length, what="fragment_length")
    n_frag = 1 + (Xm.shape[-1] - fragment_length) // hop
    # (n, ..., n_frag, L) as a view; a single copy happens in the reshape below
    win = np.lib.stride_tricks.sliding_window_view(Xm, fragment_length, axis=-1)[..., ::hop, :]
    win = np.moveaxis(win, -2, 1)  # (n, n_frag, ..., L)
    win = np.moveaxis(win, -1, ax + 1)  # fragment axis back where it was
    return win.reshape(len(X) * n_frag, *win.shape[2:]), n_frag


class FragmentClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Classify clips from fixed-length fragments ("a video of short spectrogram frames").

    Each training clip is cut into fragments of ``fragment_length`` samples or frames along
    the last axis; ``estimator`` is trained on all fragments, each with its clip's label. At
    prediction the fragments' probabilities are aggregated per clip. This multiplies the
    training examples, lets a model trained on short windows classify clips of any length, and
    works around any classifier: a pipeline on waveforms, or a CNN on spectrograms.

    Parameters
    ----------
    estimator : classifier, default=None
        Fitted on the fragments (cloned). Needs ``predict_proba`` for ``aggregate="mean"`` or
        ``"max"``. None: ``LogisticRegression(max_iter=1000)`` (for 2-D fragments).
    fragment_length : int, default=32
        Fragment length in samples (waveforms) or frames (spectrograms).
    hop : int or None, default=None
        Step between fragments; None means ``fragment_length`` (no overlap).
    axis : int, default=-1
        Axis cut into fragments (time). Must not be 0.
    aggregate : {"mean", "max", "vote"}, default="mean"
        ``"mean"`` averages fragment probabilities; ``"max"`` takes each class's maximum over
        fragments, renormalised (good for short events in long clips); ``"vote"`` counts the
        fragments' predicted labels (needs only ``predict``).

    Attributes
    ----------
    estimator_ : classifier
        Fitted on the fragments.
    classes_ : ndarray [shape=(n_classes,)]
    n_fragments_ : int
        Fragments per training clip.
    n_features_in_ : int
        Size of axis 1 of the training ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.nn import FragmentClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20, 400))
    >>> y = np.repeat([0, 1], 10)
    >>> X[y == 1] += 0.5
    >>> clf = FragmentClassifier(fragment_length=100).fit(X, y)
    >>> clf.estimator_.n_features_in_, clf.n_fragments_
    (100, 4)
    """

    _kind: ClassVar[str] = "model"
    _input: ClassVar[str] = "waveform"
    _output: ClassVar[str] = "predictions"
    _stateless: ClassVar[bool] = False
    _expected_failed_checks: ClassVar[dict[str, str]] = {
        **{
            name: (
                "clips of any length are accepted at prediction by design (fragments are cut "
                "from whatever length comes), so a different number of samples per clip than "
                "in fit is not an error; the check requires one"
            )
            for name in (
                "check_n_features_in_after_fitting",
                "check_classifiers_train",
                "check_classifiers_train(readonly_memmap=True)",
                "check_classifiers_train(readonly_memmap=True,X_dtype=float32)",
            )
        },
    }

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "fragment_length": [Interval(Integral, 1, None, closed="left")],
        "hop": [Interval(Integral, 1, None, closed="left"), None],
        "axis": [Integral],
        "aggregate": [StrOptions({"mean", "max", "vote"})],
    }

    def __init__(self, estimator=None, *, fragment_length=32, hop=None, axis=-1, aggregate="mean"):
        self.estimator = estimator
        self.fragment_length = fragment_length
        self.hop = hop
        self.axis = axis
        self.aggregate = aggregate

    def _validate_X(self, X, *, reset: bool) -> np.ndarray:
        arr = as_float_array(X)
        if arr.ndim < 2:
            raise ValueError(
                f"X must be a batch of clips, 2-D (n_clips, n_samples) or 3-D/4-D spectrograms; "
                f"got a {arr.ndim}-D array of shape {arr.shape}. Reshape your data: wrap a "
                "single clip as x[np.newaxis]."
            )
        if arr.shape[0] == 0:
            raise ValueError(f"X is empty: expected at least one clip, got shape {arr.shape}")
        if 0 in arr.shape:
            raise ValueError(
                f"X holds empty clips: found array with 0 feature(s) (shape={arr.shape}) while "
                "a minimum of 1 is required."
            )
        if self.axis % arr.ndim == 0:
            raise ValueError(f"axis={self.axis} selects axis 0, the batch axis; use the time axis")
        _check_finite(arr, "X")
        _check_feature_names(self, X, reset=reset)
        if reset:
            self.n_features_in_ = arr.shape[1]
            self.ndim_in_ = arr.ndim
        else:
            if arr.ndim != self.ndim_in_:
                raise ValueError(
                    f"X is {arr.ndim}-D but {type(self).__name__} was fitted on "
                    f"{self.ndim_in_}-D input"
                )
            if arr.ndim > 2 and arr.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {arr.shape[1]} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input (size of axis 1)"
                )
        return arr

    def _fragments(self, X):
        return make_fragments(X, self.fragment_length, self.hop, self.axis)

    def fit(self, X, y, **fit_params):
        """Cut clips into fragments and fit ``estimator`` on them with repeated labels.

        Parameters
        ----------
        X : array-like [shape=(n, n_samples) or (n, [n_channels,] n_bins, n_frames)]
        y : array-like [shape=(n,)]
        **fit_params : dict
            Passed to ``estimator.fit``; arrays with one value per clip are repeated per
            fragment.

        Returns
        -------
        self : object
        """
        self._validate_params()
        X = self._validate_X(X, reset=True)
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} clips but y has {len(y)} labels")
        check_classification_targets(y)
        F, k = self._fragments(X)
        self.n_fragments_ = k
        params = {
            key: np.repeat(np.asarray(v), k, axis=0)
            if hasattr(v, "__len__") and len(v) == len(X)
            else v
            for key, v in fit_params.items()
        }
        est = LogisticRegression(max_iter=1000) if self.estimator is None else self.estimator
        self.estimator_ = clone(est).fit(F, np.repeat(y, k), **params)
        if not hasattr(self.estimator_, "classes_"):
            raise TypeError(
                f"FragmentClassifier's estimator={est!r} is not a classifier (it has no "
                "classes_ after fit); pass a classifier, e.g. LogisticRegression()"
            )
        self.classes_ = np.asarray(self.estimator_.classes_)
        return self

    def _fragment_scores(self, X):
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        F, k = self._fragments(X)
        n = len(X)
        if self.aggregate == "vote":
            pred = np.asarray(self.estimator_.predict(F))
            idx = np.searchsorted(self.classes_, pred)
            votes = np.zeros((n, len(self.classes_)))
            np.add.at(votes, (np.repeat(np.arange(n), k), idx), 1.0)
            return votes / k
        if not hasattr(self.estimator_, "predict_proba"):
            raise AttributeError(
                f"aggregate={self.aggregate!r} needs an estimator with predict_proba; "
                f"{type(self.estimator_).__name__} has none: use aggregate='vote' (or e.g. "
                "SVC(probability=True))"
            )
        proba = np.asarray(self.estimator_.predict_proba(F)).reshape(n, k, -1)
        if self.aggregate == "mean":
            return proba.mean(axis=1)
        mx = proba.max(axis=1)
        return mx / mx.sum(axis=1, keepdims=True)

    def predict_proba(self, X):
        """Per-clip class probabilities aggregated over fragments.

        Parameters
        ----------
        X : array-like [shape=(n, n_samples) or (n, [n_channels,] n_bins, n_frames)]
            Clips of any length along the fragment axis (>= ``fragment_length`` or padded).

        Returns
        -------
        proba : np.ndarray [shape=(n, n_classes)]
        """
        return self._fragment_scores(X)

    def predict(self, X):
        """Class label per clip (argmax of :meth:`predict_proba`; ties go to the first class).

        Parameters
        ----------
        X : array-like [shape=(n, n_samples) or (n, [n_channels,] n_bins, n_frames)]

        Returns
        -------
        y : np.ndarray [shape=(n,)]
        """
        scores = self._fragment_scores(X)
        return self.classes_[scores.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{"fragment_length": 2, "hop": 1}]

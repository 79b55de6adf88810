"""Base classes shared by every specsk estimator.

A specsk estimator declares, once, as class attributes, what it is, takes and gives. The
registry (:mod:`specsk.registry`), the tags (scikit-learn's ``__sklearn_tags__`` and
:func:`get_specsk_tags`) and the common tests (``tests/test_common.py`` with
:mod:`specsk.utils.estimator_checks`) are all derived from these declarations:

``_kind``
    the registry family: ``"audio"``, ``"spectrogram"``, ``"filter"``, ``"feature"``,
    ``"decomposition"``, ``"segmentation"``, ``"model"`` (plugins may use others). A built-in's
    family must be one its subpackage allows (``specsk.registry._PACKAGES``).
``_input``
    ``"waveform"`` (2-D ``(n_clips, n_times)``, equal lengths), ``"ragged"`` (2-D or a list of
    1-D clips of any length), ``"multichannel"`` (3-D ``(n_clips, n_channels, n_times)``),
    ``"spectrogram"`` (3-D/4-D image batches), ``"labels"`` (3-D/4-D integer label images, as
    a segmenter gives them), ``"paths"`` (file names) or ``"features"`` (2-D tables).
``_output``
    ``"waveform"``, ``"spectrogram"``, ``"labels"`` (integer label images: 0 = background,
    1..k = regions), ``"features"`` (2-D with ``get_feature_names_out``) or ``"predictions"``
    (models).
``_output_dtype``
    ``None`` (default) when the output keeps the input's floating dtype (float32 in, float32
    out); otherwise the dtype every output has whatever the input, e.g. ``"int32"`` for
    ``"labels"`` (which must declare an integer dtype).
``_stateless``
    ``True`` when ``fit`` learns nothing: the ``requires_fit`` tag is ``False`` and
    ``transform`` works before and after ``fit``.
``_learns_from_data``
    ``False`` when ``fit`` must run but computes only what the parameters and the input's
    shape determine (a filter bank, a frozen pretrained network, the image size): fitting on
    any batch of the same shape gives the same transform. :func:`specsk.evaluate` then
    computes such a step once for all folds and pipelines, without leakage. Default ``True``
    (the safe assumption); a property where it depends on the parameters.

Subclasses implement ``_transform(X)`` (and ``_fit(X, y)`` when stateful) on validated input;
the public ``fit``/``transform`` here do parameter validation, input validation, the
``n_features_in_`` bookkeeping and the fitted check, so every estimator behaves alike.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from .utils._finite import all_finite, as_float64, is_float32, non_finite_error, to_float32
from .utils._metadata import get_metadata, with_metadata
from .utils._sklearn_compat import _check_feature_names
from .utils._validation import (
    check_ragged_waveforms,
    check_spectrograms,
    check_waveforms,
    is_ragged,
)

__all__ = ["FeatureExtractorMixin", "SpecskTransformer", "get_specsk_tags"]

# the metadata of the input of the fit/transform call in progress (per thread and nesting
# level), so that _fit/_transform can read what they were not given without state on self
_INPUT_META: ContextVar[dict] = ContextVar("specsk_input_meta", default={})  # noqa: B039


class SpecskTransformer(TransformerMixin, BaseEstimator):
    """Base class of specsk transformers.

    Not meant to be used directly; see the module docstring for the contract subclasses fill
    in. ``set_output`` is accepted by every specsk transformer so that
    ``Pipeline.set_output(transform="pandas")`` works end to end: steps whose output is an
    image batch (3-D/4-D) keep returning arrays, since a DataFrame cannot hold them, and only
    steps with a 2-D feature table (``get_feature_names_out``) return DataFrames.
    """

    _input: ClassVar[str] = "spectrogram"
    _output: ClassVar[str] = "spectrogram"
    _output_dtype: ClassVar[str | None] = None
    _kind: ClassVar[str] = "other"
    _stateless: ClassVar[bool] = True
    _spectrogram_ranks: ClassVar[tuple[int, ...]] = (3, 4)
    # {parameter: metadata field} of the parameters that describe the input (see
    # specsk.utils.SignalArray): a value the user sets must equal what the input carries, and
    # None takes it from the input (_meta_value); only parameters the step has count
    _meta_params: ClassVar[dict[str, str]] = {"sr": "sr"}
    # input values must be >= 0 (power spectrograms): scikit-learn's positive_only tag, and
    # _validate_input refuses negative values; label images ("labels" input) always are
    _positive_input: ClassVar[bool] = False
    # every __init__ parameter needs an entry (tests/test_common.py checks it)
    _parameter_constraints: ClassVar[dict] = {}
    # {sklearn check name: why it cannot apply}; read by tests/test_common.py
    _expected_failed_checks: ClassVar[dict[str, str]] = {}

    # -- template methods -------------------------------------------------------------------
    def fit(self, X, y=None):
        """Validate ``X``, learn what the step needs (nothing for stateless steps).

        Parameters
        ----------
        X : array-like
            Input batch, as described in the class docstring.
        y : None or array-like [shape=(n,)]
            Ignored by unsupervised steps; kept for pipeline compatibility.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._fit_validated(X, y)
        return self

    def transform(self, X):
        """Apply the step to a batch.

        Parameters
        ----------
        X : array-like
            Input batch, as described in the class docstring.

        Returns
        -------
        Xt : ndarray
            Output batch; see the class docstring for its shape.
        """
        if get_tags(self).requires_fit:
            check_is_fitted(self)
        else:
            self._validate_params()
        meta = self._check_metadata(X, fitting=False)
        Xv = self._validate_input(X, reset=False)
        token = _INPUT_META.set(meta)
        try:
            Xt = self._finite_transform(Xv)
        finally:
            _INPUT_META.reset(token)
        return self._tag_output(Xt, meta)

    def fit_transform(self, X, y=None, **fit_params):
        """Fit to ``X`` and transform it, validating ``X`` once.

        Same result as ``fit(X, y).transform(X)``, without checking the batch a second time
        (rank, dtype and the NaN/inf scan are done once).

        Parameters
        ----------
        X, y : array-like, None or array-like
            As in :meth:`fit`.
        **fit_params : dict
            Passed to ``fit`` (specsk steps take none).

        Returns
        -------
        Xt : ndarray
            As :meth:`transform` returns it.
        """
        cls = type(self)
        if (
            fit_params
            or cls.fit is not SpecskTransformer.fit
            or cls.transform is not SpecskTransformer.transform
        ):
            # a subclass with its own fit or transform keeps the two-step path
            return super().fit_transform(X, y, **fit_params)
        self._validate_params()
        meta = self._check_metadata(X)
        token = _INPUT_META.set(meta)
        try:
            Xt = self._finite_transform(self._fit_validated(X, y, validated=True))
        finally:
            _INPUT_META.reset(token)
        return self._tag_output(Xt, meta)

    def _fit_validated(self, X, y, *, validated=False):
        """``fit``'s work: check the parameters and ``X``, learn; returns the checked ``X``."""
        if validated:  # fit_transform checked the parameters and the metadata
            Xv = self._validate_input(X, reset=True)
            self._fit(Xv, y)
            return Xv
        self._validate_params()
        meta = self._check_metadata(X)
        Xv = self._validate_input(X, reset=True)
        token = _INPUT_META.set(meta)
        try:
            self._fit(Xv, y)
        finally:
            _INPUT_META.reset(token)
        return Xv

    def _fit(self, X, y):
        """Learn fitted state from validated ``X``; stateless steps learn nothing."""

    def _finite_transform(self, Xv):
        """``_transform(Xv)``, with the rule "finite in, finite out" (``utils/_finite.py``).

        The input was checked finite, so a NaN or an infinity in the output comes from the
        step's own arithmetic: float32 input is then recomputed in float64 and cast back (an
        intermediate value out of the float32 range, such as a power or a denormal, is then
        harmless); if that is still not finite, a ``NonFiniteResultError`` names the step and
        the cause. Costs one ``isfinite`` pass over the output.
        """
        # numpy's overflow/invalid warnings would only repeat what the scan below reports
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            Xt = self._transform(Xv)
        if self._input == "paths" or all_finite(Xt):
            return Xt
        if is_float32(Xv):
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                Xt64 = self._transform(as_float64(Xv))
            if all_finite(Xt64):
                Xt32 = to_float32(Xt64)
                if all_finite(Xt32):
                    return Xt32
                Xt = Xt32
            else:
                Xt = Xt64
        raise non_finite_error(type(self).__name__, Xv, Xt, params=self.get_params(deep=False))

    def _transform(self, X):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- signal metadata --------------------------------------------------------------------
    def _explicit(self, name):
        """The value of parameter ``name`` if the user gave a number, else ``None``."""
        if name not in self._parameter_constraints:
            return None
        value = getattr(self, name, None)
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            return None
        return value

    def _sr_name(self):
        """The parameter that names the input's sample rate (``sr``, ``orig_sr``), or ``None``."""
        for name, field in self._meta_params.items():
            if field == "sr" and name in self._parameter_constraints:
                return name
        return None

    def _own_sr(self):
        """The step's explicit sample rate, or ``None``."""
        name = self._sr_name()
        value = None if name is None else self._explicit(name)
        return None if value is None else float(value)

    def _check_metadata(self, X, *, fitting: bool = True) -> dict:
        """Read the metadata ``X`` carries and check it against the step's parameters.

        Called on the raw input, before it is converted to a plain array. Every parameter in
        ``_meta_params`` that the user set must equal what the input carries; in
        ``transform``, a parameter left to ``None`` must equal the value ``fit`` took from its
        input (``sr_``, ``hop_length_``). A disagreement is a ``ValueError`` that says which.
        """
        meta = get_metadata(X)
        for name, field in self._meta_params.items():
            got = meta.get(field)
            if got is None or name not in self._parameter_constraints:
                continue
            own, fitted = self._explicit(name), False
            if own is None and not fitting and not self._stateless:
                own, fitted = getattr(self, name + "_", None), True
            if own is None or float(own) == float(got):
                continue
            cls = type(self).__name__
            if fitted:
                raise ValueError(
                    f"{cls} was fitted on input with {field}={own:g}, but this input carries "
                    f"{field}={got:g}: transform data made like the training data, or refit."
                )
            if field == "sr":
                raise ValueError(
                    f"{cls} has {name}={own:g} but its input was made at sr={got:g} Hz (the "
                    f"sample rate the upstream step, e.g. AudioLoader, Resample or "
                    f"FixedLength, tagged it with). Sample rates must agree: set "
                    f"{cls}({name}={got:g}) or {name}=None (take it from the input), or "
                    f"resample first with Resample(orig_sr={got:g}, target_sr={own:g})."
                )
            raise ValueError(
                f"{cls} has {name}={own:g} but its input carries {field}={got:g} (set by the "
                f"step that made it). Set {cls}({name}=None) to take it from the input, or "
                f"{name}={got:g}."
            )
        return meta

    def _input_metadata(self) -> dict:
        """Metadata of the input of the ``fit``/``transform`` call in progress (``{}``)."""
        return _INPUT_META.get()

    def _meta_value(self, name, default=None):
        """Parameter ``name`` resolved: the user's value, else what the input of the call in
        progress carries (its ``_meta_params`` field), else ``default``."""
        value = getattr(self, name, None)
        if value is not None:
            return value
        got = self._input_metadata().get(self._meta_params.get(name, name))
        return default if got is None else got

    def _effective_sr(self, meta=None):
        """The step's explicit sample rate, else the input's, else the one ``fit`` resolved
        (``sr_``, for plain-array input), else ``None``."""
        own = self._own_sr()
        if own is not None:
            return own
        sr = (self._input_metadata() if meta is None else meta).get("sr")
        if sr is not None:
            return sr
        name = self._sr_name() or "sr"
        fitted = getattr(self, name + "_", None)
        return None if fitted is None else float(fitted)

    def _output_metadata(self, meta: dict, Xt) -> dict | None:
        """Metadata of the output ``Xt`` given the input's ``meta``.

        Default: feature tables and predictions carry none; a waveform-to-image step that
        does not say more tags its images with ``sr`` only; every other step keeps the
        input's metadata (coordinates that no longer fit the output's shape are dropped) and
        adds its own ``sr``. Producers override this.
        """
        if self._output not in ("waveform", "spectrogram", "labels"):
            return None
        sr = self._effective_sr(meta)
        if self._input in ("waveform", "ragged", "multichannel", "paths") and self._output != (
            "waveform"
        ):
            return None if sr is None else {"sr": sr}
        out = dict(meta)
        if sr is not None:
            out["sr"] = sr
        return out

    def _tag_output(self, Xt, meta: dict):
        return with_metadata(Xt, self._output_metadata(meta, Xt))

    # -- validation -------------------------------------------------------------------------
    def _validate_input(self, X, *, reset: bool):
        kind = self._input
        if kind == "waveform":
            arr = check_waveforms(X)
        elif kind == "multichannel":
            arr = check_waveforms(X, allow_multichannel=True)
        elif kind == "ragged":
            if is_ragged(X):
                if reset and hasattr(self, "n_features_in_"):
                    del self.n_features_in_
                return check_ragged_waveforms(X, allow_multichannel=self._accepts_multichannel())
            arr = check_waveforms(X, allow_multichannel=self._accepts_multichannel())
            if reset:
                self._n_features_bookkeeping(X, arr, reset=True)
            return arr
        elif kind in ("spectrogram", "labels"):  # a labels step checks integrality itself
            arr = check_spectrograms(X, ranks=self._spectrogram_ranks)
        elif kind == "features":
            return validate_data(self, X, reset=reset, dtype=(np.float32, np.float64))
        else:  # "paths": subclasses validate themselves
            return X
        self._n_features_bookkeeping(X, arr, reset=reset)
        if get_tags(self).input_tags.positive_only and (arr < 0).any():
            # scikit-learn's wording (its estimator checks look for "Negative values in data")
            what = (
                "label images (0 = background, 1..k = regions)"
                if kind == "labels"
                else "non-negative spectrograms (magnitude or power; a dB or log spectrogram "
                "is negative: put this step before PowerToDb)"
            )
            raise ValueError(
                f"Negative values in data passed to {type(self).__name__}: it takes {what}, but "
                f"X has minimum {arr.min():g}."
            )
        return arr

    def _accepts_multichannel(self) -> bool:
        return False

    def _n_features_bookkeeping(self, X_orig, arr, *, reset: bool) -> None:
        """``n_features_in_`` / ``feature_names_in_`` as scikit-learn defines them.

        For waveforms a "feature" is a sample, so a mismatch means clips of another length than
        in ``fit``; for spectrograms it is the size of axis 1 (bins, or channels for 4-D).
        """
        _check_feature_names(self, X_orig, reset=reset)
        n = arr.shape[1]
        if reset:
            self.n_features_in_ = n
            return
        expected = getattr(self, "n_features_in_", None)
        if expected is not None and n != expected:
            if self._input in ("waveform", "ragged", "multichannel") and arr.ndim == 2:
                what = "samples per clip: clips must have the length seen in fit"
            elif self._input in ("ragged", "multichannel"):
                what = "channels per clip: clips must have the channel count seen in fit"
            else:
                what = "the size of axis 1 (frequency bins, or channels for 4-D input)"
            raise ValueError(
                f"X has {n} features, but {type(self).__name__} is expecting {expected} "
                f"features as input (features are {what})."
            )

    # -- scikit-learn plumbing --------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = not self._stateless
        tags.input_tags.two_d_array = self._input in ("waveform", "ragged", "features")
        tags.input_tags.three_d_array = self._input in (
            "spectrogram",
            "labels",
            "multichannel",
        ) or (self._input == "ragged" and self._accepts_multichannel())
        tags.input_tags.string = self._input == "paths"
        tags.input_tags.positive_only = self._positive_input or self._input == "labels"
        # a declared output dtype (integer label images) is not the input's
        tags.transformer_tags.preserves_dtype = (
            ["float64", "float32"] if self._output_dtype is None else []
        )
        return tags

    def set_output(self, *, transform=None):
        """Set the output container of ``transform`` and ``fit_transform``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None
            For 2-D feature tables, as in scikit-learn. Image and waveform batches cannot be
            DataFrames: they stay NumPy arrays whatever is asked, so that a whole pipeline can
            be configured at once.

        Returns
        -------
        self : object
        """
        if self._output == "features":
            return super().set_output(transform=transform)
        if transform not in (None, "default", "pandas", "polars"):
            raise ValueError(
                f"transform must be 'default', 'pandas', 'polars' or None, got {transform!r}"
            )
        return self

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        """Small parameter sets that make tests fast (sktime/skorch convention)."""
        return [{}]


class FeatureExtractorMixin:
    """Mixin for steps whose output is a 2-D feature table.

    Subclasses implement ``_feature_names()`` returning one name per output column, computed
    from fitted state (for example the input shape learned in ``fit``).
    """

    _output: ClassVar[str] = "features"
    _stateless: ClassVar[bool] = False

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : None
            Ignored: names come from the fitted parameters (spectrogram inputs have no column
            names).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        return np.asarray(self._feature_names(), dtype=object)

    def _feature_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError


def get_specsk_tags(estimator) -> dict:
    """specsk's description of an estimator (class or instance): family, input and output.

    Works on third-party estimators too: missing attributes get neutral defaults.

    Returns
    -------
    tags : dict
        ``{"kind", "input", "output", "requires_fit"}``.
    """
    cls = estimator if isinstance(estimator, type) else type(estimator)
    requires_fit = not getattr(cls, "_stateless", False)
    if not isinstance(estimator, type) and hasattr(estimator, "__sklearn_tags__"):
        # an instance knows better: some steps need fit only for some parameter values
        # (e.g. NoiseFloorRemoval(per="dataset"))
        requires_fit = get_tags(estimator).requires_fit
    return {
        "kind": getattr(cls, "_kind", "other"),
        "input": getattr(cls, "_input", "features"),
        "output": getattr(
            cls, "_output", "features" if hasattr(cls, "transform") else "predictions"
        ),
        "requires_fit": requires_fit,
    }

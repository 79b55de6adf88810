"""SpectrogramCNNClassifier: a skorch classifier for spectrogram batches."""

from __future__ import annotations

import contextlib
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d
from skorch import NeuralNetClassifier
from skorch.dataset import unpack_data
from skorch.utils import is_dataset, to_tensor

from ..utils._sklearn_compat import Interval, StrOptions, validate_parameter_constraints
from ..utils._validation import check_spectrograms
from ._augment import Augment
from ._device import check_device
from ._modules import MODULES

__all__ = ["SpectrogramCNNClassifier"]

_OPTIMIZERS = {
    "adamw": torch.optim.AdamW,
    "adam": torch.optim.Adam,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


def to_4d(X, *, name: str = "X") -> np.ndarray:
    """Validate a spectrogram batch and return it as float32 ``(n, c, n_bins, n_frames)``."""
    arr = check_spectrograms(X, name=name)
    if arr.ndim == 3:
        arr = arr[:, np.newaxis]
    return np.ascontiguousarray(arr, dtype=np.float32)


class SpectrogramCNNClassifier(NeuralNetClassifier):
    """Neural-network classifier for spectrogram batches (a thin ``skorch`` net).

    The architecture is chosen by name from :data:`specsk.nn.MODULES` and built at fit time
    for the shape of the training data, so it follows upstream changes (``n_mels`` in a grid
    search) by itself. Module hyper-parameters are ``module__*`` parameters, so grid search
    tunes them like any other parameter.

    Parameters
    ----------
    module : str, callable or torch.nn.Module, default="cnn2d"
        A registered name (``"cnn2d"``, ``"cnn1d"``, ``"crnn"``, ``"patch_transformer"``, ...);
        a builder ``f(input_shape, n_classes, **module__kwargs)``; or, as in skorch, an
        ``nn.Module`` class or instance (built with ``module__*`` only: it must know its input
        shape itself). The module returns logits.
    max_epochs : int, default=20
    lr : float, default=1e-3
    batch_size : int, default=32
    optimizer : {"adamw", "adam", "sgd", "rmsprop"} or torch optimizer class, default="adamw"
        Its own parameters go as ``optimizer__weight_decay=...``.
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
    random_state : int or None, default=0
        Seeds torch at initialisation (weights, batch order, dropout, augmentation). Fits run
        with deterministic algorithms and leave the caller's global torch RNG untouched, so two
        fits on CPU give identical ``predict_proba``. None: no seeding.
    pretrained : bool or None, default=None
        Passed to the module builder only when set (e.g. ``"efficientnet_lite0"``).
    freeze : {"backbone", "none"}, int or None, default=None
        Passed to the module builder only when set.
    augment : dict, :class:`Augment` or None, default=None
        Train-time augmentation (SpecAugment masks, time shift, mixup); never applied by
        ``predict``. A dict takes :class:`Augment`'s parameters, with ``freq_mask`` and
        ``time_mask`` also as ``n_masks`` or ``(n_masks, max_width)``.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        E.g. early stopping and learning-rate schedules, see Notes.
    train_split : callable or None, default=None
        None trains on all data (no validation loss). ``skorch.dataset.ValidSplit(0.2,
        stratified=True)`` holds out a validation fraction (needed by ``EarlyStopping``).
    verbose : int, default=0
    **kwargs
        Any other skorch parameter: ``module__*`` for the builder, ``optimizer__*``,
        ``iterator_train__*``, ``criterion`` (default ``torch.nn.CrossEntropyLoss``) ...
        Unlike skorch, ``iterator_train__shuffle`` defaults to True (seeded by
        ``random_state``): unshuffled batches of data sorted by class do not train.

    Attributes
    ----------
    classes_ : ndarray [shape=(n_classes,)]
        Original class labels (any type), in the order of ``predict_proba`` columns.
    input_shape_ : tuple of int
        ``(n_channels, n_bins, n_frames)`` of the training data.
    n_features_in_ : int
        Size of axis 1 of the training ``X``.
    module_, optimizer_, criterion_, history_ :
        As in skorch; ``history_[:, "train_loss"]`` holds the loss per epoch.

    Notes
    -----
    Input ``X`` is ``(n, n_bins, n_frames)`` (a channel axis is added) or ``(n, n_channels,
    n_bins, n_frames)``, computed in float32. ``y`` can hold any labels; they are encoded
    internally (``classes`` is not a parameter here: the classes are those of ``y``). A
    torch ``Dataset`` given to ``predict``/``predict_proba`` goes to skorch unchanged and
    ``predict`` then returns class indices, as skorch's scoring callbacks expect.

    Early stopping and a learning-rate schedule, with 20 % of the data held out::

        from skorch.callbacks import EarlyStopping, LRScheduler
        from skorch.dataset import ValidSplit

        net = SpectrogramCNNClassifier(
            max_epochs=100,
            train_split=ValidSplit(0.2, stratified=True, random_state=0),
            callbacks=[
                EarlyStopping(monitor="valid_loss", patience=5, load_best=True),
                LRScheduler(policy="CosineAnnealingLR", T_max=100),
            ],
        )

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.nn import SpectrogramCNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((16, 16, 12), dtype=np.float32)
    >>> y = np.repeat(["dog", "cat"], 8)
    >>> X[y == "dog", 4:6] += 3.0
    >>> net = SpectrogramCNNClassifier(max_epochs=2, module__n_filters=4).fit(X, y)
    >>> net.predict_proba(X).shape
    (16, 2)
    """

    _kind: ClassVar[str] = "model"
    _input: ClassVar[str] = "spectrogram"
    _output: ClassVar[str] = "predictions"
    _stateless: ClassVar[bool] = False
    _expected_failed_checks: ClassVar[dict[str, str]] = {
        "check_no_attributes_set_in_init": (
            "premise: __init__ stores only its parameters. The constructor is skorch's "
            "NeuralNet.__init__ (this is a thin skorch subclass by design), which also sets "
            "history_, initialized_ and virtual_params_ and stores module__* keyword "
            "arguments as attributes"
        ),
        "check_do_not_raise_errors_in_init_or_set_params": (
            "premise: set_params only stores values. skorch's NeuralNet.set_params "
            "re-initialises callbacks, module and optimizer from the new values at once, so "
            "nonsense values such as callbacks=-1 fail there, in skorch"
        ),
        "check_set_params": (
            "premise: every get_params key is a plain parameter. skorch's get_params also "
            "lists its internal _params_to_validate set, which the check overwrites with "
            "numbers that skorch's set_params then uses as a set"
        ),
        "check_classifiers_train": (
            "premise: one fit reaches 83% training accuracy on the check's Gaussian blobs. "
            "The test instances train a 4-filter CNN for 2 epochs (sized for CI time), short "
            "of that; learning to high accuracy is tested in tests/nn"
        ),
    }

    _own_constraints: ClassVar[dict] = {
        "module": [str, callable, torch.nn.Module],
        "criterion": [callable],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), callable],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "iterator_train": [callable],
        "iterator_valid": [callable],
        "dataset": [callable],
        "train_split": [callable, None],
        "callbacks": [list, StrOptions({"disable"}), None],
        "predict_nonlinearity": [StrOptions({"auto"}), callable, None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "device": [str, torch.device, None],
        "compile": ["boolean"],
        "use_caching": ["boolean", StrOptions({"auto"})],
        "torch_load_kwargs": [dict, None],
        "classes": [None],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
        "pretrained": ["boolean", None],
        "freeze": [
            StrOptions({"backbone", "none"}),
            Interval(Integral, 0, None, closed="left"),
            None,
        ],
        "augment": [dict, Augment, None],
    }

    def __init__(
        self,
        module="cnn2d",
        *,
        max_epochs=20,
        lr=1e-3,
        batch_size=32,
        optimizer="adamw",
        device="cpu",
        random_state=0,
        pretrained=None,
        freeze=None,
        augment=None,
        callbacks=None,
        train_split=None,
        verbose=0,
        criterion=torch.nn.CrossEntropyLoss,
        **kwargs,
    ):
        # skorch does not shuffle training batches by default; datasets listed class by class
        # (FSDD, make_sounds) then never train past chance, so specsk shuffles unless told not
        # to (the shuffle is seeded by random_state, so fits stay reproducible)
        kwargs.setdefault("iterator_train__shuffle", True)
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            device=device,
            callbacks=callbacks,
            train_split=train_split,
            verbose=verbose,
            **kwargs,
        )
        self.random_state = random_state
        self.pretrained = pretrained
        self.freeze = freeze
        self.augment = augment

    # -- parameters ---------------------------------------------------------------------------
    @property
    def _parameter_constraints(self) -> dict:
        """Constraints of every parameter; routed ones (``module__*``...) are the builder's."""
        out = dict(self._own_constraints)
        for key in self.get_params(deep=False):
            out.setdefault(key, ["no_validation"])
        return out

    def _check_own_params(self) -> None:
        params = {
            k: v for k, v in self.get_params(deep=False).items() if k in self._own_constraints
        }
        validate_parameter_constraints(
            {k: self._own_constraints[k] for k in params}, params, caller_name=type(self).__name__
        )

    # -- skorch hooks -------------------------------------------------------------------------
    def initialize(self):
        """Validate parameters, seed torch and build module, criterion and optimizer."""
        self._check_own_params()
        check_device(self.device, owner=type(self).__name__)
        self.augment_ = Augment.from_param(self.augment)
        if self.random_state is not None:
            torch.manual_seed(self.random_state)
        return super().initialize()

    def initialize_module(self):
        """Build the module for the training data's input shape and number of classes."""
        kwargs = self.get_params_for("module")
        mod = self.module
        # forwarded only when set, so builders without these options keep working
        extra = {"pretrained": self.pretrained, "freeze": self.freeze}
        extra = {k: v for k, v in extra.items() if v is not None}
        if isinstance(mod, torch.nn.Module) or (
            isinstance(mod, type) and issubclass(mod, torch.nn.Module)
        ):
            if extra:
                raise ValueError(
                    f"pretrained/freeze are passed to registered module builders only; the "
                    f"module {mod!r} is an nn.Module: give them as module__* instead"
                )
            return super().initialize_module()
        if isinstance(mod, str):
            if mod not in MODULES:
                raise ValueError(
                    f"module={mod!r} is not a registered architecture; known: "
                    f"{sorted(MODULES)}. Add one with specsk.nn.register_module(name, builder)."
                )
            builder, what = MODULES[mod], f"module {mod!r}"
        else:
            builder, what = mod, f"module builder {mod!r}"
        shape = getattr(self, "input_shape_", None)
        if shape is None:
            raise ValueError(
                f"{type(self).__name__} builds {what} for the shape of the training data: call "
                "fit(X, y) rather than initialize()"
            )
        try:
            module = builder(shape, self.n_classes_, **kwargs, **extra)
        except TypeError as exc:
            raise TypeError(
                f"{what} rejected its parameters {sorted({**kwargs, **extra})}: {exc}"
            ) from exc
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"{what} must return a torch.nn.Module, got {type(module).__name__}")
        self.module_ = module
        return self

    def initialize_optimizer(self, triggered_directly=None):
        """As skorch's, with optimizer names ("adamw", "sgd"...) accepted."""
        named_parameters = self.get_all_learnable_params()
        args, kwargs = self.get_params_for_optimizer("optimizer", named_parameters)
        opt = self.optimizer
        opt = _OPTIMIZERS[opt.lower()] if isinstance(opt, str) else opt
        self.optimizer_ = opt(*args, **kwargs)
        return self

    def train_step_single(self, batch, **fit_params):
        """One training step; augmentation (if any) is applied here, so only to training."""
        aug = getattr(self, "augment_", None)
        if aug is None or not aug.enabled:
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        Xi, yi = to_tensor(Xi, device=self.device), to_tensor(yi, device=self.device)
        Xi, yi = aug(Xi, yi, self.n_classes_)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    # -- scikit-learn API ---------------------------------------------------------------------
    @contextlib.contextmanager
    def _reproducible(self):
        """Deterministic algorithms during fit; the caller's CPU RNG state is restored."""
        previous = torch.are_deterministic_algorithms_enabled()
        warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
        with torch.random.fork_rng(devices=[], enabled=self.random_state is not None):
            torch.use_deterministic_algorithms(True, warn_only=True)
            try:
                yield
            finally:
                torch.use_deterministic_algorithms(previous, warn_only=warn_only)

    def _validate_X(self, X, *, reset: bool) -> np.ndarray:
        arr = check_spectrograms(X)
        n_features = arr.shape[1]  # bins (3-D) or channels (4-D), as specsk steps count them
        X4 = np.ascontiguousarray(arr[:, np.newaxis] if arr.ndim == 3 else arr, dtype=np.float32)
        if reset:
            self.n_features_in_ = n_features
            self.input_shape_ = tuple(int(s) for s in X4.shape[1:])
        elif n_features != self.n_features_in_:
            raise ValueError(  # scikit-learn's wording
                f"X has {n_features} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input (features are the size of axis 1: "
                "frequency bins, or channels for 4-D input)."
            )
        elif X4.shape[1:3] != tuple(self.input_shape_[:2]):
            raise ValueError(
                f"X has examples of shape {X4.shape[1:]} (channels, bins, frames) but "
                f"{type(self).__name__} was fitted on {self.input_shape_}: the number of "
                "channels and frequency bins must match"
            )
        return X4

    def _encode_y(self, X4, y, *, reset: bool) -> np.ndarray:
        if y is None:
            raise ValueError(  # scikit-learn's wording
                f"{type(self).__name__} requires y to be passed, but the target y is None: it "
                "needs the class labels to fit"
            )
        y = column_or_1d(y, warn=True)
        if len(y) != len(X4):
            raise ValueError(f"X has {len(X4)} examples but y has {len(y)} labels")
        check_classification_targets(y)
        if reset:
            self.label_encoder_ = LabelEncoder().fit(y)
            if len(self.label_encoder_.classes_) < 2:
                raise ValueError(
                    "y must hold at least 2 classes to train a classifier; got only 1 class: "
                    f"{self.label_encoder_.classes_.tolist()}"
                )
            self.n_classes_ = len(self.label_encoder_.classes_)
        unknown = np.setdiff1d(y, self.label_encoder_.classes_)
        if len(unknown):
            raise ValueError(f"y holds labels unseen in the first fit: {unknown.tolist()}")
        return self.label_encoder_.transform(y).astype(np.int64)

    def fit(self, X, y, **fit_params):
        """Build the module for ``X``'s shape and train it (from scratch unless ``warm_start``).

        Parameters
        ----------
        X : array-like [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        y : array-like [shape=(n,)]
            Class labels of any type.
        **fit_params : dict
            Passed to skorch (module ``forward`` arguments, ``train_split``).

        Returns
        -------
        self : object
        """
        self._check_own_params()
        if self.warm_start and getattr(self, "initialized_", False):
            return self.partial_fit(X, y, **fit_params)
        X4 = self._validate_X(X, reset=True)
        y_enc = self._encode_y(X4, y, reset=True)
        with self._reproducible():
            self.initialize()
            super().partial_fit(X4, y_enc, _routing_method="fit", **fit_params)
        return self

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs, building the module first if needed.

        Parameters
        ----------
        X : array-like [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        y : array-like [shape=(n,)]
        classes : None
            Unused (all classes must be present in the first call).

        Returns
        -------
        self : object
        """
        first = not getattr(self, "initialized_", False)
        X4 = self._validate_X(X, reset=first)
        y_enc = self._encode_y(X4, y, reset=first)
        with self._reproducible():
            if first:
                self.initialize()
            super().partial_fit(X4, y_enc, **fit_params)
        return self

    @property
    def classes_(self):
        """Class labels seen in ``fit``, in the order of ``predict_proba`` columns."""
        try:
            return self.label_encoder_.classes_
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_' before fit"
            ) from None

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits), in eval mode and without augmentation.

        Parameters
        ----------
        X : array-like [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]

        Returns
        -------
        proba : np.ndarray [shape=(n, n_classes)], float32
        """
        check_is_fitted(self)
        if is_dataset(X):  # skorch's own scoring callbacks pass (validation) datasets
            return super().predict_proba(X)
        return super().predict_proba(self._validate_X(X, reset=False))

    def predict(self, X):
        """Most probable class label of each example.

        Parameters
        ----------
        X : array-like [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]

        Returns
        -------
        y : np.ndarray [shape=(n,)]
            Labels of the type seen in ``fit``.
        """
        proba = self.predict_proba(X)
        if is_dataset(X):
            # datasets hold encoded targets (skorch's EpochScoring compares with them)
            return proba.argmax(axis=1)
        return self.classes_[proba.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [
            {"max_epochs": 2, "batch_size": 8, "module__n_filters": 4, "module__n_blocks": 2},
            {"module": "cnn1d", "max_epochs": 2, "module__n_filters": 4, "module__n_blocks": 2},
        ]

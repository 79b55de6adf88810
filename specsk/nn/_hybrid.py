"""Hybrid models: a network's embedding or probabilities as features for classical models.

:class:`NetTransformer` turns a :class:`SpectrogramCNNClassifier` into a transformer whose
2-D output goes into a ``FeatureUnion`` next to texture or cepstral features, then to an SVM or
logistic regression. For stacking, ``sklearn.ensemble.StackingClassifier`` takes the network
(inside a pipeline that computes its spectrogram) directly, since it is a classifier.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._sklearn_compat import HasMethods, StrOptions
from ..utils._validation import call_inner
from ._classifier import SpectrogramCNNClassifier

# what the net parameter must be, for error messages
_NET = (
    "a skorch classifier on spectrogram batches (n, n_bins, n_frames), e.g. "
    "SpectrogramCNNClassifier"
)

__all__ = ["NetTransformer", "net_embedding"]


def _last_linear(module: torch.nn.Module) -> torch.nn.Linear | None:
    last = None
    for m in module.modules():
        if isinstance(m, torch.nn.Linear):
            last = m
    return last


def net_embedding(net, X, *, batch_size: int | None = None) -> np.ndarray:
    """Penultimate-layer embedding of a fitted skorch net, computed batch by batch.

    Uses the module's ``forward_features`` when it has one (every specsk architecture does);
    otherwise the input of its last ``nn.Linear`` layer (the classification head), captured
    with a forward hook.

    Parameters
    ----------
    net : fitted SpectrogramCNNClassifier
    X : array-like [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
    batch_size : int, optional
        Default: the net's ``batch_size``.

    Returns
    -------
    E : np.ndarray [shape=(n, embedding_dim)], float32
    """
    check_is_fitted(net)
    X4 = net._validate_X(X, reset=False)
    module = net.module_
    bs = batch_size or net.batch_size
    captured = []
    hook = None
    if not hasattr(module, "forward_features"):
        head = _last_linear(module)
        if head is None:
            raise TypeError(
                f"cannot find the embedding of {type(module).__name__}: it has neither a "
                "forward_features method nor an nn.Linear head"
            )
        hook = head.register_forward_hook(lambda m, inp, out: captured.append(inp[0]))
    was_training = module.training
    module.eval()
    out = []
    try:
        with torch.no_grad():
            for i in range(0, len(X4), bs):
                xb = torch.as_tensor(X4[i : i + bs], device=net.device)
                if hook is None:
                    e = module.forward_features(xb)
                else:
                    captured.clear()
                    module(xb)
                    e = captured[-1]
                out.append(e.reshape(len(xb), -1).cpu().numpy())
    finally:
        if hook is not None:
            hook.remove()
        module.train(was_training)
    return np.concatenate(out).astype(np.float32, copy=False)


class NetTransformer(FeatureExtractorMixin, SpecskTransformer):
    """A network's penultimate embedding or class probabilities as a 2-D feature table.

    ``fit`` trains a clone of ``net`` on ``(X, y)`` (supervised), ``transform`` returns, per
    example, the input of the network's classification head (``output="embedding"``) or its
    class probabilities (``output="proba"``). Put it in a ``FeatureUnion`` with classical
    features (GLCM, MFCC statistics) and an SVM on top.

    Parameters
    ----------
    net : SpectrogramCNNClassifier or None, default=None
        The network (None: ``SpectrogramCNNClassifier()``).
    output : {"embedding", "proba"}, default="embedding"
    prefit : bool, default=False
        True: ``net`` is already fitted and used as is (not cloned, not retrained).

    Attributes
    ----------
    net_ : SpectrogramCNNClassifier
        The fitted network.
    n_features_out_ : int

    Notes
    -----
    Embeddings of the training clips come from a network that has seen them, so they
    separate classes better than embeddings of new clips; when an SVM is trained on top,
    prefer many clips, few epochs or a ``prefit`` net trained on other data.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.nn import NetTransformer, SpectrogramCNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((16, 16, 12), dtype=np.float32)
    >>> y = np.repeat([0, 1], 8)
    >>> net = SpectrogramCNNClassifier(max_epochs=1, module__n_filters=4, module__n_blocks=2)
    >>> NetTransformer(net).fit_transform(X, y).shape
    (16, 8)
    """

    _expected_failed_checks: ClassVar[dict[str, str]] = {
        "check_methods_subset_invariance": (
            "tolerance: premise: a sample alone and inside a batch give the same output to "
            "atol=1e-7. torch picks float32 convolution kernels by batch size, so they agree "
            "to about 1e-6 only (whether 1e-7 holds depends on the weights drawn); specsk's "
            "check_batch_independence checks rows at rtol=1e-4"
        ),
    }
    _kind: ClassVar[str] = "model"
    _input: ClassVar[str] = "spectrogram"
    _parameter_constraints: ClassVar[dict] = {
        "net": [HasMethods(["fit", "predict_proba"]), None],
        "output": [StrOptions({"embedding", "proba"})],
        "prefit": ["boolean"],
    }

    def __init__(self, net=None, *, output="embedding", prefit=False):
        self.net = net
        self.output = output
        self.prefit = prefit

    def _fit(self, X, y):
        if self.prefit:
            check_is_fitted(self.net)
            self.net_ = self.net
        else:
            if y is None:
                raise ValueError(
                    "NetTransformer trains its network on labels: fit(X, y) needs y (or pass a "
                    "fitted net with prefit=True)"
                )
            net = SpectrogramCNNClassifier() if self.net is None else self.net
            self._check_net(net)
            self.net_ = call_inner(self, "net", clone(net), "fit", X, y, expects=_NET)
        self._check_net(self.net_)
        self.n_features_out_ = self._transform(X[:1]).shape[1]

    def _check_net(self, net):
        # the embedding is read from a torch module's last linear layer: a skorch net only
        if self.output == "embedding" and not hasattr(net, "initialize"):
            raise TypeError(
                f"NetTransformer's net={type(net).__name__}(...) cannot give an embedding: "
                f"with output='embedding' net must be {_NET}; for any other classifier with "
                "predict_proba on spectrogram batches use output='proba'"
            )

    def _transform(self, X):
        if self.output == "proba":
            out = call_inner(self, "net", self.net_, "predict_proba", X, expects=_NET)
        else:
            out = net_embedding(self.net_, X)
        return np.asarray(out).astype(X.dtype, copy=False)

    def _feature_names(self):
        if self.output == "proba":
            return [f"proba_{c}" for c in self.net_.classes_]
        return [f"embedding{i}" for i in range(self.n_features_out_)]

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        net = SpectrogramCNNClassifier(
            max_epochs=1, batch_size=8, module__n_filters=4, module__n_blocks=2
        )
        return [{"net": net}, {"net": net, "output": "proba"}]

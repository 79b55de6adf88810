"""Small network architectures for spectrogram batches, chosen by name.

Every architecture comes with a *builder*: a function
``builder(input_shape, n_classes, **kwargs) -> torch.nn.Module`` where ``input_shape`` is
``(n_channels, n_bins, n_frames)`` of one example. :class:`SpectrogramCNNClassifier` looks the
builder up in :data:`MODULES` by name, calls it at fit time with the shape of the training data
and its ``module__*`` parameters, so grid searches over upstream steps (``n_mels``) and over
module hyper-parameters (``module__n_filters``) need no manual bookkeeping.

Modules here take ``(n, n_channels, n_bins, n_frames)`` float tensors and return logits
``(n, n_classes)``. They also expose ``forward_features(x) -> (n, embedding_dim)`` (the input
of the final linear layer, ``head``) and ``embedding_dim``, which :class:`NetTransformer` uses
to turn a network into a feature extractor.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral

import torch
from torch import nn

from ..utils._sklearn_compat import validate_parameter_constraints
from ..utils._validation import Pair, as_pair

__all__ = [
    "CRNN",
    "MODULES",
    "CNN1d",
    "CNN2d",
    "PatchTransformer",
    "TemporalPooling",
    "register_module",
]

#: name -> builder(input_shape, n_classes, **kwargs) -> torch.nn.Module
MODULES: dict[str, Callable[..., nn.Module]] = {}


def register_module(name: str, builder: Callable | None = None, *, overwrite: bool = False):
    """Register a module builder under ``name`` (usable as a decorator).

    Parameters
    ----------
    name : str
        The name passed as ``SpectrogramCNNClassifier(module=name)``.
    builder : callable
        ``builder(input_shape, n_classes, **kwargs) -> torch.nn.Module`` with ``input_shape =
        (n_channels, n_bins, n_frames)``; the keyword arguments are the classifier's
        ``module__*`` parameters (and ``pretrained``/``freeze`` when the user sets them).
    overwrite : bool, default=False
        Replace a different builder already registered under ``name``. Registering the same
        function again (a module re-import) is always allowed.

    Returns
    -------
    builder : callable
        Unchanged, so that ``@register_module("name")`` works.

    Examples
    --------
    >>> from torch import nn
    >>> from specsk.nn import register_module
    >>> def linear(input_shape, n_classes):
    ...     c, b, t = input_shape
    ...     return nn.Sequential(nn.Flatten(), nn.Linear(c * b * t, n_classes))
    >>> _ = register_module("linear_example", linear)
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    if builder is None:
        return lambda fn: register_module(name, fn, overwrite=overwrite)
    if not callable(builder):
        raise TypeError(f"builder must be callable, got {type(builder).__name__}")
    old = MODULES.get(name)
    same = old is not None and (
        getattr(old, "__module__", None),
        getattr(old, "__qualname__", None),
    ) == (getattr(builder, "__module__", None), getattr(builder, "__qualname__", None))
    if old is not None and not same and not overwrite:
        raise ValueError(
            f"a module builder is already registered as {name!r} ({old!r}); pass "
            "overwrite=True to replace it or choose another name"
        )
    MODULES[name] = builder
    return builder


def _check_shape(input_shape) -> tuple[int, int, int]:
    try:
        shape = tuple(int(s) for s in input_shape)
    except TypeError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(
            f"input_shape must be (n_channels, n_bins, n_frames) with positive sizes, got "
            f"{input_shape!r}"
        )
    return shape


def _conv_block_2d(c_in: int, c_out: int, pool: tuple[int, int]) -> nn.Sequential:
    layers = [
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    ]
    if pool != (1, 1):
        layers.append(nn.MaxPool2d(pool))
    return nn.Sequential(*layers)


def _pool_plan(size: int, n_blocks: int, first: int = 0, last: int | None = None) -> list[int]:
    """Pool by 2 in blocks ``first..last`` while the axis is still >= 2 long.

    Tiny inputs (few mel bins or frames) thus never shrink to zero.
    """
    last = n_blocks if last is None else last
    plan = []
    for i in range(n_blocks):
        p = 2 if first <= i < last and size >= 2 else 1
        plan.append(p)
        size //= p
    return plan


class TemporalPooling(nn.Module):
    """Pool a sequence ``(n, n_features, n_steps)`` over time to ``(n, n_features)``.

    Parameters
    ----------
    n_features : int
        Size of the feature axis (needed for attention's scoring layer).
    pooling : {"mean", "max", "attention"}
        ``"attention"`` learns a score per time step (a small ``tanh`` layer), softmax-normalised
        over time, and returns the weighted mean: the network learns which frames matter (an
        event in a long clip) instead of averaging them all.

    Examples
    --------
    >>> import torch
    >>> pool = TemporalPooling(8, "attention")
    >>> pool(torch.zeros(2, 8, 5)).shape
    torch.Size([2, 8])
    """

    def __init__(self, n_features: int, pooling: str = "mean"):
        super().__init__()
        if pooling not in ("mean", "max", "attention"):
            raise ValueError(f"pooling must be 'mean', 'max' or 'attention', got {pooling!r}")
        self.pooling = pooling
        if pooling == "attention":
            hidden = max(n_features // 2, 4)
            self.score = nn.Sequential(
                nn.Linear(n_features, hidden), nn.Tanh(), nn.Linear(hidden, 1)
            )
        self.weights_ = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pooling == "mean":
            return x.mean(dim=-1)
        if self.pooling == "max":
            return x.amax(dim=-1)
        w = torch.softmax(self.score(x.transpose(1, 2)).squeeze(-1), dim=-1)  # (n, t)
        self.weights_ = w.detach()
        return torch.einsum("nft,nt->nf", x, w)


class CNN2d(nn.Module):
    """Compact 2-D CNN: conv-BN-ReLU-maxpool blocks, global average pooling, linear head.

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_channels, n_bins, n_frames)``.
    n_classes : int
    n_blocks : int, default=3
        Block ``i`` has ``n_filters * 2**i`` filters and halves both axes (while >= 2).
    n_filters : int, default=16
    dropout : float, default=0.2
        Before the head.
    """

    def __init__(self, input_shape, n_classes, n_blocks=3, n_filters=16, dropout=0.2):
        super().__init__()
        c, b, t = _check_shape(input_shape)
        pf, pt = _pool_plan(b, n_blocks), _pool_plan(t, n_blocks)
        blocks, c_in = [], c
        for i in range(n_blocks):
            c_out = n_filters * 2**i
            blocks.append(_conv_block_2d(c_in, c_out, (pf[i], pt[i])))
            c_in = c_out
        self.features = nn.Sequential(*blocks)
        self.embedding_dim = c_in
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(c_in, n_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.forward_features(x)))


class CNN1d(nn.Module):
    """1-D CNN over time; the frequency bins (times channels) are the input channels.

    Convolving only along time treats each frame's spectrum as one vector, as in
    speech/keyword-spotting models: cheap, and frequency patterns are learnt at any position in
    time.

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_channels, n_bins, n_frames)``; the network sees ``n_channels * n_bins`` channels.
    n_classes : int
    n_blocks : int, default=3
        Conv1d-BN-ReLU blocks, each halving time (while >= 2); filters double per block.
    n_filters : int, default=32
    kernel_size : int, default=3
    pooling : {"mean", "max", "attention"}, default="mean"
        Pooling over time, see :class:`TemporalPooling`.
    dropout : float, default=0.2
    """

    def __init__(
        self,
        input_shape,
        n_classes,
        n_blocks=3,
        n_filters=32,
        kernel_size=3,
        pooling="mean",
        dropout=0.2,
    ):
        super().__init__()
        c, b, t = _check_shape(input_shape)
        plan = _pool_plan(t, n_blocks)
        layers, c_in = [], c * b
        for i in range(n_blocks):
            c_out = n_filters * 2**i
            layers += [
                nn.Conv1d(c_in, c_out, kernel_size, padding=kernel_size // 2, bias=False),
                nn.BatchNorm1d(c_out),
                nn.ReLU(inplace=True),
            ]
            if plan[i] > 1:
                layers.append(nn.MaxPool1d(plan[i]))
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.pool = TemporalPooling(c_in, pooling)
        self.embedding_dim = c_in
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(c_in, n_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        n, c, b, t = x.shape
        return self.pool(self.features(x.reshape(n, c * b, t)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.forward_features(x)))


class CRNN(nn.Module):
    """Convolutional recurrent network: 2-D CNN front end, GRU/LSTM over time, pooling, head.

    The convolution blocks pool frequency in every block but time only in the first
    ``time_pool_blocks`` blocks, so the recurrent layer still sees a fine time axis; the
    remaining frequency bins times channels form the feature vector of each time step.

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_channels, n_bins, n_frames)``.
    n_classes : int
    n_blocks : int, default=3
    n_filters : int, default=16
        Filters of the first block, doubling per block.
    time_pool_blocks : int, default=1
        How many leading blocks also halve the time axis.
    rnn : {"gru", "lstm"}, default="gru"
    hidden_size : int, default=32
    n_rnn_layers : int, default=1
    bidirectional : bool, default=True
    pooling : {"last", "mean", "max", "attention"}, default="attention"
        How the RNN outputs become one vector; ``"last"`` uses the final hidden state of each
        direction.
    dropout : float, default=0.2
    """

    def __init__(
        self,
        input_shape,
        n_classes,
        n_blocks=3,
        n_filters=16,
        time_pool_blocks=1,
        rnn="gru",
        hidden_size=32,
        n_rnn_layers=1,
        bidirectional=True,
        pooling="attention",
        dropout=0.2,
    ):
        super().__init__()
        c, b, t = _check_shape(input_shape)
        if rnn not in ("gru", "lstm"):
            raise ValueError(f"rnn must be 'gru' or 'lstm', got {rnn!r}")
        if pooling not in ("last", "mean", "max", "attention"):
            raise ValueError(
                f"pooling must be 'last', 'mean', 'max' or 'attention', got {pooling!r}"
            )
        pf = _pool_plan(b, n_blocks)
        pt = _pool_plan(t, n_blocks, last=time_pool_blocks)
        blocks, c_in, nb = [], c, b
        for i in range(n_blocks):
            c_out = n_filters * 2**i
            blocks.append(_conv_block_2d(c_in, c_out, (pf[i], pt[i])))
            c_in, nb = c_out, nb // pf[i]
        self.features = nn.Sequential(*blocks)
        rnn_cls = nn.GRU if rnn == "gru" else nn.LSTM
        self.rnn = rnn_cls(
            c_in * nb,
            hidden_size,
            num_layers=n_rnn_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if n_rnn_layers > 1 else 0.0,
        )
        d = hidden_size * (2 if bidirectional else 1)
        self.pooling = pooling
        self.pool = TemporalPooling(d, pooling) if pooling != "last" else None
        self.embedding_dim = d
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(d, n_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        z = self.features(x)  # (n, c, b', t')
        n, c, b, t = z.shape
        seq = z.permute(0, 3, 1, 2).reshape(n, t, c * b)
        out, h = self.rnn(seq)
        if self.pooling == "last":
            h = h[0] if isinstance(h, tuple) else h  # LSTM returns (h, c)
            n_dir = 2 if self.rnn.bidirectional else 1
            return h[-n_dir:].transpose(0, 1).reshape(n, -1)
        return self.pool(out.transpose(1, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.forward_features(x)))


_PATCH = Pair(Integral, 1, None, closed="left")


class PatchTransformer(nn.Module):
    """A small AST-style transformer: patch embedding, CLS token, encoder layers, head.

    The spectrogram is cut into (possibly overlapping) patches by a strided ``Conv2d``; a
    learned positional embedding, sized at build time from ``input_shape``, is added; a CLS
    token is prepended and its final state feeds the linear head. Inputs smaller than a patch
    are zero-padded at the high-frequency / late end.

    Parameters
    ----------
    input_shape : tuple of int
        ``(n_channels, n_bins, n_frames)``; the network only takes this shape afterwards.
    n_classes : int
    patch_size : int or (int, int), default=8
        Patch size (bins, frames).
    patch_stride : int or (int, int), optional
        Default: ``patch_size`` (no overlap); AST uses overlapping patches (stride < size).
    embed_dim : int, default=32
    n_layers : int, default=2
    n_heads : int, default=4
        Must divide ``embed_dim``.
    mlp_ratio : float, default=2.0
        Width of the feed-forward layer relative to ``embed_dim``.
    dropout : float, default=0.1
    """

    def __init__(
        self,
        input_shape,
        n_classes,
        patch_size=8,
        patch_stride=None,
        embed_dim=32,
        n_layers=2,
        n_heads=4,
        mlp_ratio=2.0,
        dropout=0.1,
    ):
        super().__init__()
        c, b, t = _check_shape(input_shape)
        validate_parameter_constraints(
            {"patch_size": [_PATCH], "patch_stride": [_PATCH, None]},
            {"patch_size": patch_size, "patch_stride": patch_stride},
            caller_name=type(self).__name__,
        )
        ph, pw = as_pair(patch_size, integer=True)
        sh, sw = as_pair(patch_size if patch_stride is None else patch_stride, integer=True)
        if embed_dim % n_heads:
            raise ValueError(f"n_heads={n_heads} must divide embed_dim={embed_dim}")
        self.input_shape = (c, b, t)

        def pad(size, p, s):
            size_p = max(size, p)
            return size_p - size + (-(size_p - p)) % s

        self.pad_bins, self.pad_frames = pad(b, ph, sh), pad(t, pw, sw)
        nh = (b + self.pad_bins - ph) // sh + 1
        nw = (t + self.pad_frames - pw) // sw + 1
        self.n_patches = nh * nw
        self.patch_embed = nn.Conv2d(c, embed_dim, (ph, pw), stride=(sh, sw))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + self.n_patches, embed_dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        layer = nn.TransformerEncoderLayer(
            embed_dim,
            n_heads,
            dim_feedforward=int(embed_dim * mlp_ratio),
            dropout=dropout,
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(embed_dim)
        self.embedding_dim = embed_dim
        self.head = nn.Linear(embed_dim, n_classes)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        if tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(
                f"PatchTransformer was built for inputs of shape {self.input_shape} (positional "
                f"embedding of {self.n_patches} patches), got {tuple(x.shape[1:])}; crop or pad "
                "clips to the training length (FixedLength) first"
            )
        if self.pad_bins or self.pad_frames:
            x = nn.functional.pad(x, (0, self.pad_frames, 0, self.pad_bins))
        z = self.patch_embed(x).flatten(2).transpose(1, 2)  # (n, n_patches, d)
        z = torch.cat([self.cls_token.expand(len(z), -1, -1), z], dim=1) + self.pos_embed
        return self.norm(self.encoder(z)[:, 0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.forward_features(x))


def _builder(cls):
    def build(input_shape, n_classes, **kwargs):
        return cls(input_shape, n_classes, **kwargs)

    build.__name__ = build.__qualname__ = f"build_{cls.__name__.lower()}"
    build.__doc__ = f"Build a :class:`{cls.__name__}`; keyword arguments as documented there."
    return build


register_module("cnn2d", _builder(CNN2d))
register_module("cnn1d", _builder(CNN1d))
register_module("crnn", _builder(CRNN))
register_module("patch_transformer", _builder(PatchTransformer))

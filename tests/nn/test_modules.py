"""Architectures of specsk.nn: output shapes, sizes, gradients, registry."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from specsk.nn import CRNN, MODULES, TemporalPooling, register_module  # noqa: E402

torch.set_num_threads(1)

SMALL = {
    "cnn2d": {"n_filters": 4, "n_blocks": 3},
    "cnn1d": {"n_filters": 4, "n_blocks": 2},
    "crnn": {"n_filters": 4, "n_blocks": 2, "hidden_size": 8},
    "patch_transformer": {"embed_dim": 16, "n_heads": 2, "n_layers": 1, "patch_size": 4},
}
SHAPES = [(1, 16, 12), (2, 32, 40), (1, 3, 2), (3, 8, 1)]


@pytest.mark.parametrize("name", sorted(SMALL))
@pytest.mark.parametrize("shape", SHAPES)
def test_output_shape_and_embedding(name, shape):
    torch.manual_seed(0)
    module = MODULES[name](shape, 5, **SMALL[name]).eval()
    x = torch.randn(4, *shape)
    out = module(x)
    assert out.shape == (4, 5)
    emb = module.forward_features(x)
    assert emb.shape == (4, module.embedding_dim)
    # the head is a linear map of the embedding: forward = head(features) in eval mode
    torch.testing.assert_close(module.head(emb), out)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_parameter_count_small_and_gradients_flow(name):
    torch.manual_seed(0)
    module = MODULES[name]((1, 16, 12), 3, **SMALL[name])
    n_params = sum(p.numel() for p in module.parameters())
    assert 100 < n_params < 20_000, n_params
    loss = torch.nn.functional.cross_entropy(module(torch.randn(6, 1, 16, 12)), torch.arange(6) % 3)
    loss.backward()
    for pname, p in module.named_parameters():
        assert p.grad is not None, f"{name}: no gradient for {pname}"
    # the first layer's weights get a non-zero gradient: the whole network is connected
    first = next(p for p in module.parameters() if p.ndim > 1)
    assert first.grad.abs().sum() > 0


def test_defaults_are_small():
    for name in ("cnn2d", "cnn1d", "crnn", "patch_transformer"):
        module = MODULES[name]((1, 64, 64), 10)
        n_params = sum(p.numel() for p in module.parameters())
        assert n_params < 300_000, (name, n_params)


@pytest.mark.parametrize("rnn", ["gru", "lstm"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_crnn_variants(rnn, pooling, bidirectional):
    m = CRNN(
        (1, 16, 20),
        3,
        n_filters=4,
        n_blocks=2,
        hidden_size=6,
        rnn=rnn,
        pooling=pooling,
        bidirectional=bidirectional,
    )
    assert m(torch.randn(2, 1, 16, 20)).shape == (2, 3)
    assert m.embedding_dim == (12 if bidirectional else 6)
    assert isinstance(m.rnn, torch.nn.GRU if rnn == "gru" else torch.nn.LSTM)


def test_crnn_keeps_time_resolution():
    # time pooled only in the first block: 20 frames -> 10 steps for the RNN
    m = CRNN((1, 16, 20), 2, n_filters=4, n_blocks=3, time_pool_blocks=1)
    assert m.features(torch.zeros(1, 1, 16, 20)).shape[-1] == 10
    assert m.features(torch.zeros(1, 1, 16, 20)).shape[-2] == 2  # 16 bins / 2**3


def test_cnn1d_uses_bins_as_channels():
    m = MODULES["cnn1d"]((2, 16, 12), 3, n_filters=4)
    assert m.features[0].in_channels == 32
    assert isinstance(m.features[0], torch.nn.Conv1d)


@pytest.mark.parametrize("pooling", ["mean", "max", "attention"])
def test_temporal_pooling(pooling):
    x = torch.randn(3, 8, 5)
    pool = TemporalPooling(8, pooling)
    out = pool(x)
    assert out.shape == (3, 8)
    if pooling == "mean":
        torch.testing.assert_close(out, x.mean(-1))
    elif pooling == "max":
        torch.testing.assert_close(out, x.max(-1).values)
    else:
        w = pool.weights_
        torch.testing.assert_close(w.sum(-1), torch.ones(3))
        torch.testing.assert_close(out, (x * w[:, None]).sum(-1))


def _train_pool(pooling, x, y):
    torch.manual_seed(0)
    pool = TemporalPooling(x.shape[1], pooling)
    head = torch.nn.Linear(x.shape[1], 2)
    opt = torch.optim.Adam([*pool.parameters(), *head.parameters()], lr=0.05)
    for _ in range(150):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(head(pool(x)), y).backward()
        opt.step()
    with torch.no_grad():
        acc = (head(pool(x)).argmax(1) == y).float().mean().item()
    return pool, acc


def test_attention_pooling_learns_to_attend():
    # the class shows at one marked frame among noisy frames: mean pooling dilutes it,
    # attention pooling finds the marker
    torch.manual_seed(0)
    n, d, t = 256, 4, 10
    y = torch.randint(0, 2, (n,))
    x = 0.1 * torch.randn(n, d, t)
    x[:, 1] = torch.randn(n, t)
    pos = torch.randint(0, t, (n,))
    x[torch.arange(n), 0, pos] = 3.0
    x[torch.arange(n), 1, pos] = 2.0 * (2.0 * y.float() - 1.0)
    pool, acc_att = _train_pool("attention", x, y)
    _, acc_mean = _train_pool("mean", x, y)
    assert acc_att > 0.95
    assert acc_att > acc_mean + 0.1
    # attention weight on the marked frame: 1/t = 0.1 if uniform
    assert pool.weights_[torch.arange(n), pos].mean() > 0.3


def test_patch_transformer_patches_and_shape_check():
    m = MODULES["patch_transformer"]((1, 16, 12), 2, patch_size=4, embed_dim=8, n_heads=2)
    assert m.n_patches == 4 * 3
    assert m.pos_embed.shape == (1, 13, 8)
    m = MODULES["patch_transformer"](
        (1, 16, 12), 2, patch_size=(4, 4), patch_stride=2, embed_dim=8, n_heads=2
    )
    assert m.n_patches == 7 * 5  # overlapping patches, AST style
    small = MODULES["patch_transformer"]((1, 3, 5), 2, patch_size=8, embed_dim=8, n_heads=2)
    assert small.n_patches == 1  # padded up to one patch
    with pytest.raises(ValueError, match="built for inputs of shape"):
        m(torch.zeros(1, 1, 16, 14))
    with pytest.raises(ValueError, match="must divide embed_dim"):
        MODULES["patch_transformer"]((1, 16, 12), 2, embed_dim=10, n_heads=4)


def test_bad_arguments():
    with pytest.raises(ValueError, match="input_shape must be"):
        MODULES["cnn2d"]((16, 12), 2)
    with pytest.raises(ValueError, match="pooling must be"):
        MODULES["cnn1d"]((1, 16, 12), 2, pooling="median")
    with pytest.raises(ValueError, match="rnn must be"):
        MODULES["crnn"]((1, 16, 12), 2, rnn="transformer")
    with pytest.raises(TypeError, match="unexpected keyword"):
        MODULES["cnn2d"]((1, 16, 12), 2, n_layers=3)


def test_register_module():
    def build(input_shape, n_classes):
        c, b, t = input_shape
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(c * b * t, n_classes))

    try:
        assert register_module("tiny_linear_test", build) is build
        assert MODULES["tiny_linear_test"] is build
        register_module("tiny_linear_test", build)  # same builder again: fine
        with pytest.raises(ValueError, match="already registered"):
            register_module("tiny_linear_test", lambda s, n: None)
        register_module("tiny_linear_test", lambda s, n: None, overwrite=True)

        @register_module("tiny_decorated_test")
        def other(input_shape, n_classes):
            return build(input_shape, n_classes)

        assert MODULES["tiny_decorated_test"] is other
        with pytest.raises(TypeError, match="must be callable"):
            register_module("x_test", 3)
    finally:
        MODULES.pop("tiny_linear_test", None)
        MODULES.pop("tiny_decorated_test", None)

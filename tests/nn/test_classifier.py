"""SpectrogramCNNClassifier: learning, sklearn conventions, determinism, errors."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone, is_classifier  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from skorch.callbacks import EarlyStopping, LRScheduler  # noqa: E402
from skorch.dataset import ValidSplit  # noqa: E402

from specsk.datasets import make_sounds  # noqa: E402
from specsk.nn import MODULES, SpectrogramCNNClassifier, register_module  # noqa: E402
from specsk.spectrogram import MelSpectrogram, PowerToDb  # noqa: E402

torch.set_num_threads(1)

TINY = {"module__n_filters": 4, "module__n_blocks": 2, "batch_size": 8}


def bands(n=32, n_bins=16, n_frames=12, n_classes=2, seed=0, labels=None):
    """Noise images where class k has a bright band of bins: an easy, learnable task."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, n_bins, n_frames), dtype=np.float32)
    y = np.arange(n) % n_classes
    for k in range(n_classes):
        X[y == k, 2 + 4 * k : 5 + 4 * k] += 2.0
    if labels is not None:
        y = np.asarray(labels)[y]
    return X, y


@pytest.mark.parametrize("module", ["cnn2d", "cnn1d", "crnn", "patch_transformer"])
def test_learns_easy_task(module):
    X, y = bands(48, n_classes=3)
    Xt, yt = bands(30, n_classes=3, seed=1)
    params = {
        "cnn2d": TINY,
        "cnn1d": TINY,
        "crnn": {**TINY, "module__hidden_size": 8},
        "patch_transformer": {
            "module__embed_dim": 16,
            "module__n_heads": 2,
            "batch_size": 8,
            "module__patch_size": 4,
            # a transformer without convolutional priors needs more, gentler steps
            "max_epochs": 16,
            "lr": 3e-3,
        },
    }[module]
    params = {"max_epochs": 8, "lr": 1e-2, **params}
    net = SpectrogramCNNClassifier(module, **params).fit(X, y)
    loss = net.history[:, "train_loss"]
    assert len(loss) == params["max_epochs"]
    assert loss[-1] < 0.6 * loss[0], loss
    assert net.score(Xt, yt) >= 0.8  # chance is 1/3


def test_string_labels_proba_and_4d_input():
    X, y = bands(32, labels=["dog", "cat"])
    net = SpectrogramCNNClassifier(max_epochs=6, lr=3e-3, **TINY).fit(X[:, None], y)
    np.testing.assert_array_equal(net.classes_, ["cat", "dog"])
    proba = net.predict_proba(X[:, None])
    assert proba.shape == (32, 2) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    pred = net.predict(X[:, None])
    assert pred.dtype.kind == "U" and set(pred) <= {"cat", "dog"}
    np.testing.assert_array_equal(pred, net.classes_[proba.argmax(1)])
    assert net.input_shape_ == (1, 16, 12) and net.n_features_in_ == 1
    assert net.module_.features[0][0].in_channels == 1
    assert is_classifier(net)


def test_3d_input_gets_a_channel_axis_and_float64_is_accepted():
    X, y = bands(16)
    net = SpectrogramCNNClassifier(max_epochs=1, **TINY).fit(X.astype(np.float64), y)
    assert net.input_shape_ == (1, 16, 12) and net.n_features_in_ == 16
    np.testing.assert_allclose(net.predict_proba(X), net.predict_proba(X.astype(np.float64)))


def test_deterministic_and_global_rng_untouched():
    X, y = bands(24)
    net = SpectrogramCNNClassifier(max_epochs=3, **TINY)
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    fitted = clone(net).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected_next)  # caller's RNG state restored
    p1 = fitted.predict_proba(X)
    p2 = clone(net).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    p3 = clone(net).set_params(random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(p1, p3)
    # the same net refitted gives the same model too
    n = clone(net)
    np.testing.assert_array_equal(n.fit(X, y).predict_proba(X), n.fit(X, y).predict_proba(X))


def test_no_randomness_at_predict_and_batch_independence():
    X, y = bands(24)
    net = SpectrogramCNNClassifier(max_epochs=2, **{**TINY, "module__dropout": 0.5}).fit(X, y)
    full = net.predict_proba(X)
    np.testing.assert_array_equal(full, net.predict_proba(X))
    np.testing.assert_allclose(net.predict_proba(X[3:7]), full[3:7], rtol=1e-5, atol=1e-6)


def test_clone_and_pickle():
    X, y = bands(16, labels=["a", "b"])
    net = SpectrogramCNNClassifier(max_epochs=2, optimizer="sgd", random_state=3, **TINY)
    c = clone(net)
    assert c.get_params()["module__n_filters"] == 4
    assert c.random_state == 3 and c.optimizer == "sgd"
    net.fit(X, y)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(restored.classes_, net.classes_)
    # a clone of a fitted net is unfitted
    with pytest.raises(NotFittedError):
        clone(net).predict(X)


def test_not_fitted():
    X, _ = bands(4)
    net = SpectrogramCNNClassifier()
    for method in (net.predict, net.predict_proba):
        with pytest.raises(NotFittedError):
            method(X)
    assert not hasattr(net, "classes_")


def test_grid_search_over_module_parameter():
    X, y = bands(32)
    net = SpectrogramCNNClassifier(max_epochs=2, batch_size=8, module__n_blocks=1)
    grid = GridSearchCV(
        net, {"module__n_filters": [2, 4], "lr": [1e-3, 3e-3]}, cv=2, error_score="raise"
    )
    grid.fit(X, y)
    assert (
        grid.best_estimator_.module_.features[0][0].out_channels
        == grid.best_params_["module__n_filters"]
    )
    assert grid.predict(X).shape == (32,)


def test_set_params_rebuilds_module():
    X, y = bands(16)
    net = SpectrogramCNNClassifier(max_epochs=1, **TINY).fit(X, y)
    net.set_params(module__n_filters=6).fit(X, y)
    assert net.module_.features[0][0].out_channels == 6


def test_pipeline_on_waveforms_follows_n_mels():
    X, y = make_sounds(n_classes=2, n_per_class=12, sr=8000, duration=0.25, random_state=0)
    pipe = make_pipeline(
        MelSpectrogram(sr=8000, n_fft=256, hop_length=128, n_mels=16),
        PowerToDb(),
        SpectrogramCNNClassifier(max_epochs=2, **TINY),
    )
    grid = GridSearchCV(pipe, {"melspectrogram__n_mels": [8, 16]}, cv=2, error_score="raise")
    grid.fit(X, y)
    net = grid.best_estimator_[-1]
    assert net.input_shape_[1] == grid.best_params_["melspectrogram__n_mels"]
    assert set(grid.predict(X)) <= set(y)


def test_early_stopping_and_lr_schedule_recipe():
    X, y = bands(40)
    net = SpectrogramCNNClassifier(
        max_epochs=30,
        lr=1e-2,
        train_split=ValidSplit(0.25, stratified=True, random_state=0),
        callbacks=[
            EarlyStopping(monitor="valid_loss", patience=2, threshold=0.5),
            LRScheduler(policy="StepLR", step_size=1, gamma=0.5),
        ],
        **TINY,
    ).fit(X, y)
    n_epochs = len(net.history)
    assert n_epochs < 30, "early stopping stopped training"
    assert "valid_loss" in net.history[-1]
    lr_now = net.optimizer_.param_groups[0]["lr"]
    # halved at every epoch boundary
    np.testing.assert_allclose(lr_now, 1e-2 * 0.5 ** (n_epochs - 1), rtol=1e-6)
    assert clone(net).get_params()["callbacks"][0].patience == 2


def test_partial_fit_and_warm_start():
    X, y = bands(16)
    net = SpectrogramCNNClassifier(max_epochs=1, **TINY)
    net.partial_fit(X, y)
    net.partial_fit(X, y)
    assert len(net.history) == 2
    warm = SpectrogramCNNClassifier(max_epochs=1, warm_start=True, **TINY)
    warm.fit(X, y).fit(X, y)
    assert len(warm.history) == 2
    with pytest.raises(ValueError, match="unseen in the first fit"):
        net.partial_fit(X, np.full(16, 7))


def test_pretrained_and_freeze_forwarded_only_when_set():
    seen = []

    def build(input_shape, n_classes, **kwargs):
        seen.append((input_shape, n_classes, kwargs))
        return MODULES["cnn2d"](input_shape, n_classes, n_filters=2, n_blocks=1)

    register_module("kwargs_probe_test", build)
    try:
        X, y = bands(8, n_classes=2)
        SpectrogramCNNClassifier("kwargs_probe_test", max_epochs=1, module__foo=3).fit(X, y)
        assert seen[-1] == ((1, 16, 12), 2, {"foo": 3})
        SpectrogramCNNClassifier(
            "kwargs_probe_test", max_epochs=1, pretrained=True, freeze="backbone"
        ).fit(X, y)
        assert seen[-1][2] == {"pretrained": True, "freeze": "backbone"}
        SpectrogramCNNClassifier("kwargs_probe_test", max_epochs=1, freeze=2).fit(X, y)
        assert seen[-1][2] == {"freeze": 2}
    finally:
        MODULES.pop("kwargs_probe_test")


def test_callable_builder_and_module_class():
    X, y = bands(8)

    def builder(input_shape, n_classes, width=3):
        c, b, t = input_shape
        return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(c * b * t, n_classes))

    net = SpectrogramCNNClassifier(builder, max_epochs=1, module__width=5).fit(X, y)
    assert isinstance(net.module_[1], torch.nn.Linear)

    class Flat(torch.nn.Module):
        def __init__(self, n_in=16 * 12):
            super().__init__()
            self.lin = torch.nn.Linear(n_in, 2)

        def forward(self, x):
            return self.lin(x.flatten(1))

    net = SpectrogramCNNClassifier(Flat, max_epochs=1).fit(X, y)
    assert net.predict_proba(X).shape == (8, 2)
    with pytest.raises(ValueError, match="pretrained/freeze are passed to registered"):
        SpectrogramCNNClassifier(Flat, max_epochs=1, pretrained=True).fit(X, y)


@pytest.mark.parametrize(
    "X, y, err, match",
    [
        (np.zeros((4, 16)), [0, 1, 0, 1], ValueError, "must be a batch of spectrograms"),
        (np.zeros((4, 16, 12)), [0, 1, 0], ValueError, "has 4 examples but y has 3"),
        (np.zeros((4, 16, 12)), [1, 1, 1, 1], ValueError, "at least 2 classes"),
        (np.full((4, 16, 12), np.nan), [0, 1, 0, 1], ValueError, "NaN"),
        (np.zeros((4, 16, 12)), [0.5, 1.5, 0.2, 1.0], ValueError, "Unknown label type"),
        (np.array([["a"] * 3] * 4), [0, 1, 0, 1], TypeError, "must hold real numbers"),
        (np.zeros((4, 16, 12)), None, ValueError, "requires y to be passed"),
    ],
)
def test_bad_input(X, y, err, match):
    with pytest.raises(err, match=match):
        SpectrogramCNNClassifier(max_epochs=1, **TINY).fit(X, y)


def test_bad_input_at_predict():
    X, y = bands(8)
    net = SpectrogramCNNClassifier(max_epochs=1, **TINY).fit(X, y)
    with pytest.raises(ValueError, match=r"X has 10 features, but .* is expecting 16 features"):
        net.predict(X[:, :10])
    with pytest.raises(ValueError, match="must be a batch of spectrograms"):
        net.predict(X[0])
    # other lengths are fine for a globally pooled CNN
    assert net.predict(X[:, :, :7]).shape == (8,)


@pytest.mark.parametrize(
    "params, err, match",
    [
        ({"module": "no_such_net"}, ValueError, "not a registered architecture"),
        ({"module__n_layerz": 2}, TypeError, "rejected its parameters"),
        ({"lr": -1.0}, ValueError, "'lr' parameter"),
        ({"optimizer": "lbfgs2"}, ValueError, "'optimizer' parameter"),
        ({"freeze": "all"}, ValueError, "'freeze' parameter"),
        ({"augment": "specaugment"}, ValueError, "'augment' parameter"),
        ({"random_state": -3}, ValueError, "'random_state' parameter"),
        ({"classes": [0, 1]}, ValueError, "'classes' parameter"),
        ({"iterator_train_shuffle": True}, ValueError, "iterator_train__shuffle"),
    ],
)
def test_bad_parameters(params, err, match):
    X, y = bands(8)
    with pytest.raises(err, match=match):
        SpectrogramCNNClassifier(max_epochs=1, **params).fit(X, y)


def test_initialize_without_data_explains():
    with pytest.raises(ValueError, match="call fit"):
        SpectrogramCNNClassifier().initialize()


def test_tags_and_registry():
    from sklearn.utils import get_tags

    from specsk.base import get_specsk_tags
    from specsk.registry import get_estimator

    assert get_estimator("SpectrogramCNNClassifier") is SpectrogramCNNClassifier
    tags = get_tags(SpectrogramCNNClassifier())
    assert not tags.input_tags.two_d_array and tags.input_tags.three_d_array
    assert get_specsk_tags(SpectrogramCNNClassifier) == {
        "kind": "model",
        "input": "spectrogram",
        "output": "predictions",
        "requires_fit": True,
    }
    est = SpectrogramCNNClassifier(module__n_filters=3)
    assert set(est.get_params(deep=False)) <= set(est._parameter_constraints)

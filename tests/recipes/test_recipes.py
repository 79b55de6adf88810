"""get_recipe / list_recipes and the torch recipes, on short synthetic clips."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from specsk.datasets import make_sounds
from specsk.recipes import Recipe, front_end, get_recipe, list_recipes

pytest.importorskip("torch")
pytest.importorskip("skorch")

ALL = ("mfcc_svm", "texture_svm", "embedding_linear", "finetune_cnn", "hybrid")
# the smallest settings that still exercise every step
FAST = {"finetune_cnn": {"max_epochs": 2, "input_size": 32, "train_blocks": 1}}


@pytest.fixture(scope="module")
def clips():
    X, y = make_sounds(n_classes=3, n_per_class=10, sr=8000, duration=0.5, random_state=0)
    return X, y


def test_list_recipes_names_every_recipe():
    recipes = list_recipes()
    assert set(ALL) <= set(recipes)
    assert all(isinstance(d, str) and d for d in recipes.values())
    assert "needs torch" in recipes["embedding_linear"]
    assert "needs torch" not in recipes["texture_svm"]


@pytest.mark.parametrize("name", ALL)
def test_recipe_fits_predicts_clones_and_pickles(name, clips):
    X, y = clips
    model = get_recipe(name, sr=8000, duration=0.5, **FAST.get(name, {}))
    assert isinstance(model, Recipe) and model.recipe == name
    # ragged input: clips of several lengths, padded/cropped inside
    ragged = [x[: 3000 + 100 * (i % 5)] for i, x in enumerate(X)]
    model.fit(ragged, y)
    assert (model.sr_, model.duration_) == (8000, 0.5)
    proba = model.predict_proba(ragged)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(model.predict(ragged)) <= set(y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(restored.predict_proba(ragged), proba, rtol=1e-5, atol=1e-6)
    twin = clone(model)
    assert twin.get_params()["sr"] == 8000 and not hasattr(twin, "sr_")


def test_embedding_linear_separates_easy_classes(clips):
    X, y = clips
    model = get_recipe("embedding_linear", sr=8000, duration=0.5).fit(X[::2], y[::2])
    assert model.score(X[1::2], y[1::2]) >= 0.8


def test_recipe_accepts_other_rates_and_lengths():
    X, y = make_sounds(n_classes=2, n_per_class=6, sr=16000, duration=1.2, random_state=1)
    model = get_recipe("embedding_linear", sr=16000, duration=1.0).fit(X, y)
    assert model.predict(X).shape == (len(X),)
    assert model.named_steps["melspectrogram"].n_fft == front_end(16000)["n_fft"]


def test_front_end_follows_the_sample_rate():
    assert front_end(22050)["n_fft"] == 2048
    assert front_end(44100)["n_fft"] == 4096
    assert front_end(8000)["n_fft"] == 512 and front_end(8000)["n_mels"] == 64
    for sr in (8000, 16000, 22050, 32000, 48000):
        fe = front_end(sr)
        assert 0.06 < fe["n_fft"] / sr < 0.14
        assert fe["hop_length"] == fe["n_fft"] // 4


def test_overrides_go_to_builder_or_pipeline(clips):
    model = get_recipe("embedding_linear", sr=8000, duration=0.5, random_state=3)
    assert model.named_steps["logisticregression"].estimator.random_state == 3
    model = get_recipe("embedding_linear", sr=8000, duration=0.5, embedding__input_size=64)
    assert model.named_steps["embedding"].input_size == 64
    with pytest.raises(ValueError, match="no argument or parameter"):
        get_recipe("embedding_linear", sr=8000, duration=0.5, not_a_param=1)


def test_recipe_grid_searches(clips):
    X, y = clips
    model = get_recipe("embedding_linear", sr=8000, duration=0.5)
    search = GridSearchCV(model, {"embedding__input_size": [64, 96]}, cv=2).fit(X, y)
    assert search.best_params_["embedding__input_size"] in (64, 96)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "nope", "sr": 8000, "duration": 1.0}, "unknown recipe"),
        ({"name": "mfcc_svm", "sr": -1, "duration": 1.0}, "sr must be"),
        ({"name": "mfcc_svm", "sr": 8000, "duration": 0}, "duration must be"),
        ({"name": "mfcc_svm", "sr": 100, "duration": 1.0}, "too low"),
        ({"name": "mfcc_svm", "sr": True, "duration": 1.0}, "sr must be"),
    ],
)
def test_bad_arguments_are_clear_errors(kwargs, match):
    name = kwargs.pop("name")
    with pytest.raises(ValueError, match=match):
        get_recipe(name, **kwargs)


def test_finetune_recipe_trains_the_last_blocks_only(clips):
    X, y = clips
    model = get_recipe("finetune_cnn", sr=8000, duration=0.5, **FAST["finetune_cnn"]).fit(X, y)
    net = model.named_steps["spectrogramcnnclassifier"]
    backbone = net.module_.backbone
    assert not any(p.requires_grad for p in backbone._blocks[0].parameters())
    assert all(p.requires_grad for p in backbone._blocks[-1].parameters())
    assert 1 <= len(net.history_) <= 2  # early stopping may end it, max_epochs bounds it

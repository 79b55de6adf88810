"""The torch-free recipes: shapes, any sample rate and clip length, sklearn contract."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from specsk.datasets import make_sounds
from specsk.recipes._classical import (
    RECIPES,
    FrequencyBands,
    WindowPooling,
    frame_parameters,
    mfcc_svm,
    texture_features,
    texture_svm,
)

BUILDERS = [mfcc_svm, texture_svm]


def grid_keys(grid):
    """The ``C`` key of a parameter grid (a dict, or a list of dicts)."""
    grids = grid if isinstance(grid, list) else [grid]
    return [k for g in grids for k in g if k.endswith("C")]


def _data(sr, duration, n_per_class=6):
    return make_sounds(n_per_class=n_per_class, duration=duration, sr=sr, random_state=0)


@pytest.fixture(scope="module")
def fitted():
    X, y = _data(8000, 0.5)
    return X, y, {b.__name__: b(sr=8000, duration=0.5, random_state=0).fit(X, y) for b in BUILDERS}


@pytest.mark.parametrize("builder", BUILDERS)
@pytest.mark.parametrize(("sr", "duration"), [(8000, 0.5), (16000, 1.2)])
def test_fit_predict_proba(builder, sr, duration):
    X, y = _data(sr, duration)
    pipe = builder(sr=sr, duration=duration, random_state=0)
    assert isinstance(pipe, Pipeline)
    assert not hasattr(pipe[-1], "best_estimator_")  # unfitted
    pipe.fit(X, y)
    classes = np.unique(y)
    pred = pipe.predict(X)
    assert pred.shape == (len(X),) and set(pred) <= set(classes)
    proba = pipe.predict_proba(X)
    assert proba.shape == (len(X), len(classes))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    # synthetic kinds are easy: the training fit must be far above chance
    assert (pred == y).mean() > 0.8


@pytest.mark.parametrize("builder", BUILDERS)
def test_ragged_list_pad_and_crop(builder, fitted):
    X, _y, pipes = fitted
    rng = np.random.default_rng(0)
    # clips shorter and longer than the recipe's duration are padded or cropped
    ragged = [np.asarray(x[: rng.integers(1000, 4000)]) for x in X[:3]]
    ragged.append(np.concatenate([X[3], X[3]]).astype(np.float32))
    assert pipes[builder.__name__].predict_proba(ragged).shape[0] == 4
    # the same clips as a list or as a 2-D batch give the same predictions
    pipe = pipes[builder.__name__]
    np.testing.assert_array_equal(pipe.predict(list(X[:5])), pipe.predict(X[:5]))


@pytest.mark.parametrize("builder", BUILDERS)
def test_clone_pickle_params(builder, fitted):
    X, y, pipes = fitted
    pipe = pipes[builder.__name__]
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict(X), pipe.predict(X))
    np.testing.assert_allclose(again.predict_proba(X), pipe.predict_proba(X))

    fresh = builder(sr=8000, duration=0.5, random_state=0)
    cloned = clone(fresh)
    assert not hasattr(cloned[-1], "best_estimator_")
    params = fresh.get_params()
    assert params["fixedlength__duration"] == 0.5
    search = "svc" if builder is mfcc_svm else "classifier"
    grid = (
        {"estimator__C": [3.0]}
        if builder is mfcc_svm
        else [{"clf": [LogisticRegression(max_iter=500)], "clf__C": [3.0]}]
    )
    cloned.set_params(**{f"{search}__param_grid": grid, f"{search}__cv": 2})
    cloned.fit(X, y)
    assert cloned[-1].best_params_[next(k for k in grid_keys(grid))] == 3.0


def test_grid_search_over_one_parameter():
    # 3 clips per class in each inner training split: the calibration's 3 folds need them
    X, y = _data(8000, 0.5, n_per_class=12)
    pipe = mfcc_svm(sr=8000, duration=0.5, random_state=0).set_params(
        svc__param_grid={"estimator__C": [10.0]}, svc__cv=2
    )
    gs = GridSearchCV(
        pipe,
        {"features__mfcc__mfcc__n_mfcc": [13, 20]},
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
    )
    gs.fit(X, y)
    assert gs.best_params_["features__mfcc__mfcc__n_mfcc"] in (13, 20)
    assert gs.predict(X[:3]).shape == (3,)


@pytest.mark.parametrize(
    ("sr", "n_fft", "n_mels"),
    [
        (8000, 512, 64),
        (16000, 1024, 128),
        (22050, 1024, 128),
        (44100, 2048, 128),
        (48000, 2048, 128),
    ],
)
def test_frame_parameters(sr, n_fft, n_mels):
    fp = frame_parameters(sr)
    assert (fp["n_fft"], fp["hop_length"], fp["n_mels"]) == (n_fft, n_fft // 4, n_mels)
    assert fp["fmax"] == sr / 2
    # a clip shorter than the window gets a smaller window
    assert frame_parameters(sr, duration=0.02)["n_fft"] <= 0.02 * sr


def test_frame_parameters_errors():
    with pytest.raises(ValueError, match="sr must be a positive number"):
        frame_parameters(0)
    with pytest.raises(ValueError, match="duration must be a positive number"):
        texture_svm(sr=8000, duration=-1.0)


def test_frequency_bands():
    S = np.arange(2 * 10 * 3, dtype=np.float32).reshape(2, 10, 3)
    B = FrequencyBands(n_bands=3).fit_transform(S)
    assert B.shape == (2, 3, 3, 3) and B.dtype == np.float32
    np.testing.assert_array_equal(B[:, 1], S[:, 3:6])  # low band first; the top row dropped
    with pytest.raises(ValueError, match="n_bands=11 exceeds the 10 frequency bins"):
        FrequencyBands(n_bands=11).fit_transform(S)


def test_window_pooling():
    # a burst in one band: its loudest 1-window stretch stands out, unlike the clip mean
    S = np.zeros((2, 3, 40), np.float32)
    S[0, 1, 20:30] = 6.0
    wp = WindowPooling(window=10).fit(S)
    F = wp.transform(S)
    assert F.shape == (2, 6) and F.dtype == np.float32
    # windows start at 0, 5, ..., 30: means of row 1 are 0, 0, 0, 3, 6, 3, 0
    np.testing.assert_allclose(F[0, :3], [0.0, 6.0, 0.0])
    np.testing.assert_allclose(F[0, 4], np.std([0, 0, 0, 3, 6, 3, 0]), rtol=1e-6)
    np.testing.assert_array_equal(F[1], 0.0)
    assert list(wp.get_feature_names_out()[[0, 4]]) == ["window_max_r0", "window_std_r1"]
    # a clip shorter than the window is one window: its mean, spread 0
    short = WindowPooling(window=100).fit_transform(S)
    np.testing.assert_allclose(short[0, :3], S[0].mean(axis=1), rtol=1e-6)
    np.testing.assert_array_equal(short[:, 3:], 0.0)
    with pytest.raises(ValueError, match="expecting 3"):
        wp.transform(np.zeros((1, 4, 40), np.float32))


@pytest.mark.parametrize(("sr", "duration", "window"), [(22050, 5.0, 86), (8000, 1.0, 31)])
def test_texture_window_follows_sr_and_duration(sr, duration, window):
    # ~1 s windows, at most half the clip, in frames of the sample rate's hop
    union = texture_features(sr=sr, duration=duration)[-1]
    assert dict(union.transformer_list)["windows"].window == window


def test_recipes_table():
    assert set(RECIPES) == {"mfcc_svm", "texture_svm"}
    for name, (builder, description) in RECIPES.items():
        assert builder.__name__ == name
        assert "ESC-10" in description and "\n" not in description


@pytest.mark.parametrize("build", ["texture_classifier", "mfcc_svm"])
def test_inner_cv_is_seeded_by_default(build):
    # an unseeded inner shuffle made two fits of the same recipe choose different C
    from specsk.recipes import _classical

    def inner(est):
        search = est if hasattr(est, "cv") else est.steps[-1][1]
        return search.cv

    make = getattr(_classical, build)
    kwargs = {} if build == "texture_classifier" else {"sr": 8000, "duration": 0.5}
    X = np.zeros((40, 3))
    y = np.repeat(np.arange(4), 10)
    splits = [[te.tolist() for _, te in inner(make(**kwargs)).split(X, y)] for _ in range(2)]
    assert splits[0] == splits[1]
    seeded = [te.tolist() for _, te in inner(make(**kwargs, random_state=3)).split(X, y)]
    assert seeded != splits[0]

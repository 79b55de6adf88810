"""StackChannels: channels are each transformer's output resampled with
scipy.ndimage.map_coordinates(order=1) (rtol 1e-5), nested parameters, clone, GridSearchCV."""

import numpy as np
import pytest
from scipy.ndimage import map_coordinates
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from specsk.spectrogram import (
    BarkSpectrogram,
    CWTScalogram,
    GammatoneSpectrogram,
    StackChannels,
    STFTSpectrogram,
    resample_spectrograms,
)

SR = 8000


def _clips(n=4, n_times=4000, dtype=np.float32):
    rng = np.random.default_rng(0)
    t = np.arange(n_times) / SR
    f0 = np.where(np.arange(n) % 2 == 0, 440.0, 1500.0)[:, None]
    return (np.sin(2 * np.pi * f0 * t) + 0.1 * rng.standard_normal((n, n_times))).astype(dtype)


def _stack(**kw):
    return StackChannels(
        [
            ("cwt", CWTScalogram(sr=SR, n_scales=20, fmin=100.0, hop_length=128)),
            ("bark", BarkSpectrogram(sr=SR, n_bands=16, n_fft=256, hop_length=64)),
            ("gt", GammatoneSpectrogram(sr=SR, n_bands=24, hop_length=100, method="fft")),
        ],
        **kw,
    )


def _map_coordinates(S, n_bins, n_frames):
    rr, cc = np.meshgrid(
        np.linspace(0, S.shape[-2] - 1, n_bins),
        np.linspace(0, S.shape[-1] - 1, n_frames),
        indexing="ij",
    )
    return np.stack([map_coordinates(s.astype(np.float64), [rr, cc], order=1) for s in S])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channels_are_resampled_outputs(dtype):
    X = _clips(dtype=dtype)
    stack = _stack(n_bins=32).fit(X)
    out = stack.transform(X)
    n_frames = 1 + (X.shape[1] - 1) // 128  # the first transformer's (CWT) frame count
    assert out.shape == (4, 3, 32, n_frames) and out.dtype == dtype
    assert stack.n_channels_ == 3
    for k, (_, est) in enumerate(stack.transformers_):
        ref = _map_coordinates(est.transform(X), 32, n_frames)
        np.testing.assert_allclose(out[:, k], ref, rtol=1e-5, atol=1e-6 * np.abs(ref).max())


def test_fixed_grid_and_4d_outputs_become_channels():
    X = _clips(n=2)
    stack = StackChannels(
        [
            ("ri", STFTSpectrogram(n_fft=64, hop_length=32, output="real_imag")),
            ("bark", BarkSpectrogram(sr=SR, n_bands=10, n_fft=128, hop_length=50)),
        ],
        n_bins=None,
        n_frames=40,
        interpolation="nearest",
    )
    out = stack.fit_transform(X)
    assert out.shape == (2, 3, 33, 40)
    ri = stack.transformers_[0][1].transform(X)
    cols = np.floor(np.linspace(0, ri.shape[-1] - 1, 40) + 0.5).astype(int)
    np.testing.assert_array_equal(out[:, :2], ri[..., cols])


def test_resample_identity_and_errors():
    S = np.random.default_rng(0).random((2, 5, 7))
    np.testing.assert_array_equal(resample_spectrograms(S, 5, 7), S)
    np.testing.assert_allclose(resample_spectrograms(S, 9, 13), _map_coordinates(S, 9, 13))
    with pytest.raises(ValueError, match="interpolation"):
        resample_spectrograms(S, 3, 3, interpolation="cubic")


def test_nested_params_and_clone():
    stack = _stack()
    params = stack.get_params()
    assert params["bark__n_bands"] == 16 and params["gt__method"] == "fft"
    assert "cwt" in params and "n_bins" in params
    stack.set_params(bark__n_bands=8, n_bins=16)
    assert stack.transformers[1][1].n_bands == 8 and stack.n_bins == 16
    c = clone(stack)
    assert c.get_params()["bark__n_bands"] == 8
    assert c.transformers[1][1] is not stack.transformers[1][1]
    X = _clips(n=2)
    out = stack.fit_transform(X)
    assert out.shape[:3] == (2, 3, 16)
    # replacing a whole transformer by name
    stack.set_params(gt=BarkSpectrogram(sr=SR, n_bands=6, n_fft=128, hop_length=32))
    assert stack.fit_transform(X).shape[:3] == (2, 3, 16)


def test_grid_search_over_nested_parameter():
    X = _clips(n=8)
    y = np.arange(8) % 2
    pipe = make_pipeline(
        _stack(n_bins=8, n_frames=8),
        FunctionTransformer(lambda S: S.reshape(len(S), -1)),
        LogisticRegression(max_iter=500),
    )
    grid = GridSearchCV(
        pipe, {"stackchannels__bark__n_bands": [8, 12]}, cv=2, error_score="raise"
    ).fit(X, y)
    assert grid.best_params_["stackchannels__bark__n_bands"] in (8, 12)
    assert grid.score(X, y) == 1.0


def test_bad_parameters():
    X = _clips(n=2)
    with pytest.raises(ValueError, match="transformers"):
        StackChannels().fit(X)
    with pytest.raises(ValueError, match="transformers"):
        StackChannels([]).fit(X)
    with pytest.raises(ValueError, match="not unique"):
        StackChannels([("a", BarkSpectrogram(sr=SR)), ("a", BarkSpectrogram(sr=SR))]).fit(X)
    with pytest.raises(TypeError, match="fit and transform"):
        StackChannels([("a", 3)]).fit(X)
    with pytest.raises(ValueError, match="n_bins"):
        _stack(n_bins=0).fit(X)
    with pytest.raises(ValueError, match="NaN"):
        _stack().fit(np.full((2, 4000), np.nan))

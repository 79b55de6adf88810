"""ChannelICA: recovery of known sources, agreement with sklearn's FastICA, bad input."""

import warnings

import numpy as np
import pytest
from sklearn.decomposition import FastICA
from sklearn.exceptions import ConvergenceWarning

from specsk.decomposition import ChannelICA, channel_ica

SR = 8000


def _sources(n_times=8000):
    t = np.arange(n_times) / SR
    tone = np.sin(2 * np.pi * 440 * t)
    saw = 2 * ((97 * t) % 1) - 1  # dominant frequency 97 Hz < 440 Hz: comes first
    return np.stack([saw, tone])


def _mixtures(n_clips=6, seed=0):
    rng = np.random.default_rng(seed)
    s = _sources()
    A = rng.uniform(0.2, 1.0, size=(n_clips, 2, 2)) * rng.choice([-1, 1], size=(n_clips, 2, 2))
    return A @ s, s


def _abs_corr(a, b):
    return np.abs(np.corrcoef(a, b)[0, 1])


def test_recovers_tone_and_sawtooth():
    X, s = _mixtures()
    out = ChannelICA(random_state=0).fit_transform(X)
    assert out.shape == X.shape
    for i in range(len(X)):
        # deterministic order (dominant frequency): sawtooth, then tone; sign is fixed by
        # the peak, so compare up to sign only
        assert _abs_corr(out[i, 0], s[0]) > 0.99
        assert _abs_corr(out[i, 1], s[1]) > 0.99
        np.testing.assert_allclose(out[i].max(axis=1), 1.0)  # unit, positive peak


def test_matches_sklearn_fastica():
    X, _ = _mixtures(3, seed=1)
    out = channel_ica(X, random_state=0)
    for i in range(len(X)):
        ref = FastICA(whiten="unit-variance", random_state=0).fit_transform(X[i].T).T
        # same algorithm; match sklearn's sources to ours by |r| (order/sign are ours)
        r = np.abs(np.corrcoef(np.vstack([out[i], ref]))[:2, 2:])
        assert (r.max(axis=1) > 0.999).all(), r


def test_three_channels_two_components_and_laplace_sources():
    rng = np.random.default_rng(2)
    s = rng.laplace(size=(4, 3, 6000))
    A = rng.normal(size=(4, 3, 3))
    out = channel_ica(A @ s, random_state=0)
    for i in range(4):
        r = np.abs(np.corrcoef(np.vstack([out[i], s[i]]))[:3, 3:])
        assert (r.max(axis=1) > 0.98).all()
    X, _ = _mixtures(2)
    X3 = np.concatenate([X, X[:, :1] + X[:, 1:]], axis=1)  # 3 channels, rank 2
    out2 = ChannelICA(n_components=2, random_state=0).fit_transform(X3)
    assert out2.shape == (2, 2, X.shape[-1]) and np.isfinite(out2).all()


def test_float32_deterministic_and_batch_independent():
    X, _ = _mixtures(4)
    X32 = X.astype(np.float32)
    est = ChannelICA(random_state=3)
    out = est.fit_transform(X32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, ChannelICA(random_state=3).fit_transform(X32))
    np.testing.assert_allclose(est.transform(X32[1:3]), out[1:3], atol=1e-6)


def test_gaussian_sources_warn():
    X = np.random.default_rng(0).standard_normal((2, 2, 3000))
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        channel_ica(X, random_state=0, max_iter=3)


def test_bad_input():
    X, _ = _mixtures(2)
    with pytest.raises(ValueError, match="multichannel input"):
        ChannelICA().fit(X[0])
    with pytest.raises(ValueError, match="3-D"):
        channel_ica(X[0])
    with pytest.raises(ValueError, match="n_components=3 is larger than the number of ch"):
        channel_ica(X, n_components=3)
    bad = X.copy()
    bad[0, 0, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ChannelICA().fit_transform(bad)
    with pytest.raises(ValueError, match="whiten=False keeps all"):
        channel_ica(X, n_components=1, whiten=False)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"n_components": 0}, "n_components"),
        ({"whiten": "pca"}, "whiten"),
        ({"whiten": True}, "whiten"),
        ({"fun": "tanh"}, "fun"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": 0.0}, "tol"),
    ],
)
def test_bad_params(kw, match):
    X, _ = _mixtures(2)
    with pytest.raises(ValueError, match=match):
        ChannelICA(**kw).fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=match):
            channel_ica(X, **kw)

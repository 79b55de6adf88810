"""Per-clip NMF: exact agreement with scikit-learn's MU solver, separation, features."""

import warnings

import numpy as np
import pytest
from sklearn.decomposition import non_negative_factorization
from sklearn.exceptions import ConvergenceWarning

from specsk.decomposition import NMFComponents, SpectrogramNMF, spectrogram_nmf
from specsk.decomposition._nmf import _init_nndsvd, _multiplicative_updates


def _two_part_batch(n=4, seed=0):
    """Spectrograms made of two known rank-1 parts (+ a little noise)."""
    rng = np.random.default_rng(seed)
    bins = np.arange(48)[:, None]
    t = np.arange(60)
    S, W_true, H_true = [], [], []
    for _ in range(n):
        c1, c2 = rng.uniform(6, 14), rng.uniform(28, 38)
        w = np.hstack(
            [np.exp(-0.5 * ((bins - c1) / 2) ** 2), np.exp(-0.5 * ((bins - c2) / 3) ** 2)]
        )
        h = np.vstack(
            [
                1 + np.sin(2 * np.pi * t / rng.uniform(15, 25)),  # slow tremolo
                (t % rng.integers(7, 12) < 3).astype(float) * 2,  # on/off pulses
            ]
        )
        S.append(w @ h + 1e-3 * rng.random((48, 60)))
        W_true.append(w)
        H_true.append(h)
    return np.array(S), np.array(W_true), np.array(H_true)


@pytest.mark.parametrize("beta_loss, beta", [("frobenius", 2.0), ("kullback-leibler", 1.0)])
@pytest.mark.parametrize("tol", [0.0, 1e-2])
def test_updates_equal_sklearn_mu(beta_loss, beta, tol):
    rng = np.random.default_rng(1)
    V = rng.random((3, 30, 25))
    W0, H0 = _init_nndsvd(V, 3, "nndsvda")
    W, H = _multiplicative_updates(V, W0, H0, beta, 60, tol)
    for i in range(len(V)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            Ws, Hs, _ = non_negative_factorization(
                V[i],
                W=W0[i].copy(),
                H=H0[i].copy(),
                n_components=3,
                init="custom",
                solver="mu",
                beta_loss=beta_loss,
                max_iter=60,
                tol=tol,
            )
        # the same arithmetic, batched: equal to rounding (also the early-stopping iteration)
        np.testing.assert_allclose(W[i], Ws, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(H[i], Hs, rtol=1e-9, atol=1e-12)


def test_public_function_matches_sklearn_error():
    S, _, _ = _two_part_batch(3)
    S = S + np.random.default_rng(3).random(S.shape)
    W, H = spectrogram_nmf(S, n_components=3, max_iter=200)
    for i in range(len(S)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            Ws, Hs, _ = non_negative_factorization(
                S[i], n_components=3, init="nndsvda", solver="mu", max_iter=200, random_state=0
            )
        ours = np.linalg.norm(S[i] - W[i] @ H[i])
        ref = np.linalg.norm(S[i] - Ws @ Hs)
        # sklearn's NNDSVD uses a randomised SVD, we an exact one: errors agree to 0.5 %
        assert abs(ours - ref) / ref < 5e-3


def test_error_decreases_with_k():
    rng = np.random.default_rng(0)
    S = rng.random((2, 40, 30)) ** 3 + np.outer(np.hanning(40), np.ones(30))
    errors = []
    for k in (1, 2, 3, 5, 8):
        W, H = spectrogram_nmf(S, n_components=k, max_iter=300, tol=0)
        errors.append(np.linalg.norm(S - W @ H, axis=(1, 2)))
    errors = np.array(errors)
    assert (np.diff(errors, axis=0) < 0).all(), errors


@pytest.mark.parametrize("beta_loss", ["frobenius", "kullback-leibler"])
def test_separates_two_known_parts(beta_loss):
    S, W_true, H_true = _two_part_batch(4)
    W, H = spectrogram_nmf(S, n_components=2, beta_loss=beta_loss, max_iter=500, tol=1e-6)
    # components sorted by spectral centroid: 0 is the low part, 1 the high one
    for i in range(len(S)):
        for j in range(2):
            r_w = np.corrcoef(W[i, :, j], W_true[i, :, j])[0, 1]
            r_h = np.corrcoef(H[i, j], H_true[i, j])[0, 1]
            assert r_w > 0.95 and r_h > 0.95, (i, j, r_w, r_h)
    np.testing.assert_allclose(W.sum(axis=1), 1, rtol=1e-9)


def test_features_and_names():
    S, W_true, _ = _two_part_batch(4)
    nmf = SpectrogramNMF(n_components=2, max_iter=500, tol=1e-6).fit(S)
    F = nmf.transform(S)
    names = nmf.get_feature_names_out().tolist()
    assert F.shape == (4, 10) and len(names) == 10
    assert names[:5] == [
        "nmf_c0_centroid",
        "nmf_c0_bandwidth",
        "nmf_c0_act_mean",
        "nmf_c0_act_std",
        "nmf_c0_act_centroid",
    ]
    bins = np.arange(48)
    for i in range(4):
        for j in range(2):
            w = W_true[i, :, j] / W_true[i, :, j].sum()
            # centroid in bins, within 1 bin of the true part's (the noise floor pulls it)
            assert abs(F[i, 5 * j] - bins @ w) < 1.0
    assert (F[:, 0] < F[:, 5]).all()  # sorted by centroid
    assert (F[:, 4] > 20).all() and (F[:, 4] < 40).all()  # activation centroid (frames)


def test_4d_input_and_float32():
    S, _, _ = _two_part_batch(3)
    S4 = np.stack([S, S[:, ::-1]], axis=1).astype(np.float32)
    nmf = SpectrogramNMF(n_components=2, max_iter=50).fit(S4)
    F = nmf.transform(S4)
    assert F.dtype == np.float32 and F.shape == (3, 20)
    assert nmf.get_feature_names_out()[10] == "nmf_ch1_c0_centroid"
    np.testing.assert_allclose(
        F[:, :10],
        SpectrogramNMF(n_components=2, max_iter=50).fit_transform(S4[:, 0]),
        rtol=1e-5,
        atol=1e-6,
    )
    with pytest.raises(ValueError, match="expecting 2 features"):
        nmf.transform(S4[:, 0])


def test_components_images():
    S, _, _ = _two_part_batch(3)
    comp = NMFComponents(n_components=2, max_iter=100).fit_transform(S)
    W, H = spectrogram_nmf(S, n_components=2, max_iter=100)
    assert comp.shape == (3, 2, 48, 60)
    np.testing.assert_allclose(comp.sum(axis=1), W @ H, rtol=1e-9)
    masked = NMFComponents(n_components=2, max_iter=100, mask=True).fit_transform(S)
    np.testing.assert_allclose(masked.sum(axis=1), S, rtol=1e-9)
    with pytest.raises(ValueError, match="3-D"):
        NMFComponents().fit_transform(S[:, None])


def test_batch_independent_and_random_init():
    S, _, _ = _two_part_batch(4)
    W, H = spectrogram_nmf(S, n_components=2, init="random", random_state=0)
    W1, H1 = spectrogram_nmf(S[2:3], n_components=2, init="random", random_state=0)
    np.testing.assert_allclose(W[2:3], W1, rtol=1e-10)
    np.testing.assert_allclose(H[2:3], H1, rtol=1e-10)
    Z = np.zeros((1, 48, 60))  # a silent clip: no NaN, zero features
    F = SpectrogramNMF(n_components=2).fit_transform(np.concatenate([S, Z]))
    assert np.isfinite(F).all() and (F[-1] == 0).all()


def test_bad_input():
    S, _, _ = _two_part_batch(2)
    with pytest.raises(ValueError, match=r"(?i)negative values.*power.*dB"):
        SpectrogramNMF().fit(np.log(S))
    with pytest.raises(ValueError, match=r"(?i)negative values"):
        NMFComponents().fit_transform(S - 1)
    with pytest.raises(ValueError, match="n_components=80 is larger than min"):
        spectrogram_nmf(S, n_components=80)
    with pytest.raises(ValueError, match="3-D"):
        SpectrogramNMF().fit(S[0])
    bad = S.copy()
    bad[0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SpectrogramNMF().fit(bad)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"n_components": 0}, "n_components"),
        ({"beta_loss": "itakura-saito"}, "beta_loss"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": -1.0}, "tol"),
        ({"init": "svd"}, "init"),
    ],
)
def test_bad_params(kw, match):
    S, _, _ = _two_part_batch(2)
    with pytest.raises(ValueError, match=match):
        SpectrogramNMF(**kw).fit(S)
    with pytest.raises(ValueError, match=match):
        spectrogram_nmf(S, **kw)

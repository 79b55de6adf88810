"""Dataset-level decomposition: Flatten + PCA / FastICA / NMF, back to images."""

import runpy
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import NMF, PCA, FastICA
from sklearn.pipeline import make_pipeline

from specsk.features import Flatten


@pytest.fixture
def S():
    return np.random.default_rng(0).random((20, 6, 5))


def test_pca_all_components_reconstructs_exactly(S):
    pipe = make_pipeline(Flatten(), PCA(n_components=20)).fit(S)  # rank <= n_samples = 20
    S_hat = pipe.inverse_transform(pipe.transform(S))
    assert S_hat.shape == S.shape
    np.testing.assert_allclose(S_hat, S, atol=1e-10)
    eigen = pipe[0].inverse_transform(pipe[-1].components_)
    assert eigen.shape == (20, 6, 5)
    # eigen-spectrograms are orthonormal images
    G = np.einsum("iab,jab->ij", eigen, eigen)
    np.testing.assert_allclose(G, np.eye(20), atol=1e-10)


def test_truncated_pca_is_best_low_rank(S):
    pipe = make_pipeline(Flatten(), PCA(n_components=3)).fit(S)
    S_hat = pipe.inverse_transform(pipe.transform(S))
    X = S.reshape(20, -1)
    Xc = X - X.mean(0)
    sv = np.linalg.svd(Xc, compute_uv=False)
    # Eckart-Young: residual energy = sum of the discarded squared singular values
    np.testing.assert_allclose(((S_hat - S) ** 2).sum(), (sv[3:] ** 2).sum(), rtol=1e-8)


def test_ica_and_nmf_round_trip_shapes(S):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ica = make_pipeline(Flatten(), FastICA(n_components=4, random_state=0)).fit(S)
        nmf = make_pipeline(Flatten(), NMF(n_components=4, max_iter=500, random_state=0)).fit(S)
    for pipe in (ica, nmf):
        assert pipe.inverse_transform(pipe.transform(S)).shape == S.shape
        assert pipe[0].inverse_transform(pipe[-1].components_).shape == (4, 6, 5)
    assert (nmf[0].inverse_transform(nmf[-1].components_) >= 0).all()


def test_gallery_example_runs_and_draws(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    root = Path(__file__).parents[2] / "docs" / "gallery" / "spectrograms"
    plt.close("all")
    runpy.run_path(str(root / "plot_eigen_spectrograms.py"), run_name="__main__")
    figs = [plt.figure(n) for n in plt.get_fignums()]
    assert figs and sum(len(f.axes) for f in figs) >= 4  # the mean and the components
    plt.close("all")

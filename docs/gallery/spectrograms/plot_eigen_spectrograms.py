"""
Eigen-spectrograms: PCA of a dataset of spectrograms
====================================================

Whole spectrograms can be decomposed at the dataset level with scikit-learn's own PCA,
FastICA or NMF: :class:`specsk.features.Flatten` turns each image into a row, and its
``inverse_transform`` turns the learned components back into images ("eigen-spectrograms",
as eigenfaces are for faces). This example builds a small synthetic dataset of three sound
classes (a steady tone, an upward chirp, a click train), fits ``Flatten + PCA`` and shows the
mean image and the first components, and a reconstruction from a few components.
"""

# %%
# A small dataset of three kinds of spectrogram
# ---------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline

from specsk.features import Flatten
from specsk.plotting import plot_spectrogram

N_BINS, N_FRAMES = 48, 40


def make_spectrograms(n_per_class=30, random_state=0):
    """Power spectrograms of tones, chirps and click trains with random pitch and noise."""
    rng = np.random.default_rng(random_state)
    bins = np.arange(N_BINS)[:, None]
    frames = np.arange(N_FRAMES)[None, :]
    images, labels = [], []
    for label in range(3):
        for _ in range(n_per_class):
            if label == 0:  # steady tone: a horizontal ridge
                centre = rng.uniform(10, 30) + 0 * frames
            elif label == 1:  # chirp: a rising ridge
                centre = rng.uniform(5, 15) + rng.uniform(0.5, 0.8) * frames
            else:  # click train: vertical lines
                centre = None
            if centre is not None:
                S = np.exp(-0.5 * ((bins - centre) / 1.5) ** 2)
            else:
                period = rng.integers(6, 10)
                S = np.repeat(((frames + rng.integers(period)) % period == 0), N_BINS, 0)
                S = S * np.exp(-bins / 30.0)
            S = S + 0.05 * rng.random((N_BINS, N_FRAMES))
            images.append(S)
            labels.append(label)
    return np.asarray(images, dtype=np.float32), np.asarray(labels)


S, y = make_spectrograms()
print(f"{S.shape[0]} images of {S.shape[1]} bins x {S.shape[2]} frames, classes {set(y)}")

# %%
# PCA on whole images, components back as images
# ----------------------------------------------
pipe = make_pipeline(Flatten(), PCA(n_components=8, random_state=0)).fit(S)
flatten, pca = pipe[0], pipe[-1]
# components_ are rows in Flatten's column order: back to (8, n_bins, n_frames) images
eigen = flatten.inverse_transform(pca.components_)
mean = flatten.inverse_transform(pca.mean_[np.newaxis])[0]
S_hat = pipe.inverse_transform(pipe.transform(S[:1]))[0]

fig, axes = plt.subplots(2, 4, figsize=(12, 5.5), layout="constrained")
plot_spectrogram(mean, ax=axes[0, 0], y_axis="bins", title="mean")
for j, ax in enumerate(axes.flat[1:6]):
    ratio = pca.explained_variance_ratio_[j]
    plot_spectrogram(eigen[j], ax=ax, y_axis="bins", title=f"component {j} ({ratio:.0%})")
plot_spectrogram(S[0], ax=axes[1, 2], y_axis="bins", title="a tone")
plot_spectrogram(S_hat, ax=axes[1, 3], y_axis="bins", title="reconstructed (8 comp.)")
fig.suptitle("Eigen-spectrograms: Flatten + PCA, components shown as images")
plt.show()

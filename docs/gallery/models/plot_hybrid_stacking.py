"""
Hybrid stacking: texture features and a frozen CNN, fused
=========================================================

Two routes through the same log-mel image see different things. The *texture* route
describes the image with hand-made statistics (:class:`~specsk.features.GLCMFeatures`,
:class:`~specsk.features.LBPHistogram`, :class:`~specsk.features.TemporalStats`) and a
logistic regression; the *embedding* route feeds it to a frozen ImageNet network
(:class:`~specsk.nn.PretrainedCNNEmbedding`) and a logistic regression. scikit-learn's
:class:`~sklearn.ensemble.StackingClassifier` trains a final logistic regression on their
out-of-fold class probabilities (late fusion), which is what the ``hybrid`` recipe of
:mod:`specsk.recipes` does at full size.

The data are eight classes of synthetic sounds (:func:`specsk.datasets.make_sounds`) with
strong background noise, so that neither route is perfect.
"""

# %%
# Two routes from one kind of image
# ---------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import StandardScaler

from specsk.datasets import make_sounds
from specsk.features import GLCMFeatures, LBPHistogram, TemporalStats
from specsk.nn import PretrainedCNNEmbedding
from specsk.spectrogram import MelSpectrogram, PowerToDb

SR = 8000
X, y, names = make_sounds(n_classes=8, n_per_class=15, sr=SR, duration=0.5, noise=1.5,
                          random_state=1, return_names=True)  # fmt: skip
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, stratify=y,
                                                    random_state=0)  # fmt: skip


def log_mel():
    return [MelSpectrogram(sr=SR, n_fft=256, hop_length=128, n_mels=32), PowerToDb(ref="max")]


texture = make_pipeline(
    *log_mel(),
    make_union(GLCMFeatures(levels=16), LBPHistogram(n_bands=4), TemporalStats()),
    StandardScaler(),
    LogisticRegression(C=0.1, max_iter=2000),
)
embedding = make_pipeline(
    *log_mel(),
    PretrainedCNNEmbedding(layer="block7", pooling=(4, 2), input_size=64),
    StandardScaler(),
    LogisticRegression(C=0.01, max_iter=2000),
)
hybrid = StackingClassifier(
    [("texture", texture), ("embedding", embedding)],
    final_estimator=LogisticRegression(max_iter=2000),
    stack_method="predict_proba",
    cv=3,
)

# %%
# Fit the routes alone and stacked
# --------------------------------
models = {"texture": texture, "embedding": embedding, "hybrid (stacked)": hybrid}
accuracy, recall = {}, {}
for name, model in models.items():
    model.fit(X_train, y_train)
    pred = model.predict(X_test)
    accuracy[name] = np.mean(pred == y_test)
    recall[name] = recall_score(y_test, pred, average=None)
    print(f"{name:18s} test accuracy {accuracy[name]:.3f}")

# %%
# Which classes each route gets right
# -----------------------------------
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained",
                               gridspec_kw={"width_ratios": [1, 3]})  # fmt: skip
ax0.bar(range(3), list(accuracy.values()), color=["C0", "C1", "C2"])
ax0.set_xticks(range(3), list(accuracy), rotation=15)
ax0.set(ylim=(0, 1), ylabel="test accuracy")
width = 0.27
for k, (name, r) in enumerate(recall.items()):
    ax1.bar(np.arange(len(names)) + (k - 1) * width, r, width, label=name)
ax1.set_xticks(range(len(names)), names, rotation=20, fontsize=8)
ax1.set(ylim=(0, 1.05), ylabel="recall", title="per class")
ax1.legend(fontsize=8, loc="lower right")
plt.show()

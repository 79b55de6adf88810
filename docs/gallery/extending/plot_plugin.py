"""
Writing a plugin: your own transformer in the registry
======================================================

A plugin is an ordinary Python package whose transformers follow the specsk contract and
are announced through the ``specsk.plugins`` entry-point group (see :doc:`/plugins` and the
template in ``docs/plugin_template/``). This example goes through the whole cycle in one
script:

1. write a transformer by deriving from :class:`specsk.base.SpecskTransformer` and
   declaring what it is, takes and gives;
2. run the conformance suite, :func:`specsk.utils.estimator_checks.check_estimator`
   (specsk's contract, then about 45 of scikit-learn's checks);
3. register it. An installed package declares the entry point in its ``pyproject.toml``;
   here a throw-away distribution folder with the same declaration is put on
   ``sys.path``, which is what ``pip install`` amounts to for
   :mod:`importlib.metadata`;
4. find it with :func:`specsk.registry.get_estimator` and grid-search its parameter in a
   pipeline like a built-in.
"""

# %%
# 1. The transformer
# ------------------
# A toy "spectral tilt": every frequency row of a spectrogram is multiplied by
# ``(bin + 1) ** alpha``, which lifts the high bands for ``alpha > 0``.
import shutil
import sys
import tempfile
from numbers import Real
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from specsk.base import SpecskTransformer, get_specsk_tags
from specsk.datasets import make_sounds
from specsk.features import TemporalStats
from specsk.registry import all_estimators, get_estimator, refresh_plugins
from specsk.spectrogram import MelSpectrogram, PowerToDb
from specsk.utils.estimator_checks import check_estimator
from specsk.utils.validation import Interval


class SpectralTilt(SpecskTransformer):
    """Multiply each frequency row by (bin + 1) ** alpha (a toy pre-emphasis on images)."""

    _kind = "filter"  # registry family
    _input = "spectrogram"  # 3-D (n, n_bins, n_frames) or 4-D batches
    _output = "spectrogram"  # same shape out
    _stateless = True  # fit learns nothing; transform works without fit

    _parameter_constraints = {"alpha": [Interval(Real, None, None, closed="neither")]}

    def __init__(self, *, alpha=0.5):
        self.alpha = alpha  # __init__ only stores its arguments

    def _transform(self, X):  # X is validated: float32/float64, finite, right rank
        w = (np.arange(X.shape[-2], dtype=X.dtype) + 1) ** self.alpha
        return X * w[:, None]


print(get_specsk_tags(SpectralTilt()))

# %%
# 2. The conformance suite
# ------------------------
# ``check_estimator`` raises on the first failed check; silence means every check passed.
check_estimator(SpectralTilt())
print("SpectralTilt passes specsk's and scikit-learn's estimator checks")

# %%
# 3. Register it through an entry point
# -------------------------------------
# The entry point names the class by ``module:attribute``. An installed plugin names its
# own module (``specsk_myplugin.tilt:SpectralTilt``); this script's module is
# ``__main__``.
site = Path(tempfile.mkdtemp(prefix="specsk_plugin_"))
dist_info = site / "specsk_tilt_demo-0.1.dist-info"
dist_info.mkdir()
(dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: specsk-tilt-demo\nVersion: 0.1\n")
(dist_info / "entry_points.txt").write_text(
    f"[specsk.plugins]\nspectral_tilt = {__name__}:SpectralTilt\n"
)
sys.path.insert(0, str(site))
refresh_plugins()  # forget the plugins found so far: scan the entry points again

Tilt = get_estimator("spectral_tilt")
print("get_estimator('spectral_tilt') ->", Tilt.__name__)
print("filters now registered:", [name for name, _ in all_estimators(kind="filter")])

# %%
# 4. Use it like a built-in
# -------------------------
# Grid-search ``alpha`` in a pipeline; the tilt changes what the temporal statistics of
# the mel bands weigh.
SR = 8000
X, y = make_sounds(n_classes=5, n_per_class=12, sr=SR, duration=0.5, random_state=0)
pipe = make_pipeline(
    MelSpectrogram(sr=SR, n_fft=256, hop_length=128, n_mels=32),
    Tilt(),
    PowerToDb(ref="max"),
    TemporalStats(stats=("mean", "std")),
    StandardScaler(),
    SVC(),
)
search = GridSearchCV(pipe, {"spectraltilt__alpha": [-1.0, 0.0, 1.0, 2.0]}, cv=3).fit(X, y)
print("best alpha:", search.best_params_["spectraltilt__alpha"])

S = make_pipeline(MelSpectrogram(sr=SR, n_fft=256, hop_length=128, n_mels=32)).fit_transform(X[:1])
fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), layout="constrained")
for ax, alpha in zip(axes, (-1.0, 0.0, 2.0), strict=True):
    image = PowerToDb(ref="max").fit_transform(Tilt(alpha=alpha).fit_transform(S))[0]
    ax.imshow(image, origin="lower", aspect="auto", cmap="magma")
    ax.set(title=f"SpectralTilt(alpha={alpha})", xlabel="frame", ylabel="mel band")
plt.show()

# %%
# Clean up: take the demonstration plugin off the path again.
if str(site) in sys.path:
    sys.path.remove(str(site))
shutil.rmtree(site)
refresh_plugins()

"""
A recipe on ESC-10-style data, evaluated on its official folds
==============================================================

*Real audio.* :func:`specsk.datasets.load_esc10` reads the layout of the ESC-10 dataset:
one folder per class named ``NNN - Class name`` holding ``{fold}-{source}-{take}.ogg``
files, and returns the file list with the official leave-one-fold-out protocol as ``cv``.
The real dataset (400 five-second clips) is a download; here a miniature with the same
layout is written from the five clips shipped with specsk
(:func:`specsk.datasets.load_sample_clips`): ten one-second takes per class, two per
fold, each a random excerpt at a random gain over a different stretch of background noise.

:func:`specsk.evaluate` then cross-validates two recipes (:func:`specsk.recipes.get_recipe`:
whole pipelines whose frame sizes follow the sample rate and clip length) on those folds,
reading the audio once for both. Every take of a class comes from one recording, so the
folds are easier than ESC-10's (whose folds keep recordings apart): read the numbers as a
demonstration of the workflow, not of the accuracy on ESC-10 (see the README for that).
"""

# %%
# Write an ESC-10-style folder
# ----------------------------
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import soundfile as sf

import specsk
from specsk.datasets import load_esc10, load_sample_clips
from specsk.plotting import plot_confusion_matrix
from specsk.recipes import list_recipes

SR = 8000
clips = load_sample_clips(sr=SR)
classes = {"dog_bark": "Dog bark", "rooster": "Rooster", "rain": "Rain",
           "clock_tick": "Clock tick", "chainsaw": "Chainsaw"}  # fmt: skip
rng = np.random.default_rng(0)
root = Path(tempfile.mkdtemp(prefix="esc10_style_"))
for number, (name, x) in enumerate(zip(clips.names, clips.data, strict=True), start=1):
    folder = root / f"{number:03d} - {classes[name]}"
    folder.mkdir()
    for fold in range(1, 6):
        for take in "AB":
            start = rng.integers(0, x.size - SR)
            clip = x[start : start + SR] * rng.uniform(0.2, 1.0)
            clip = clip + rng.uniform(0.01, 0.05) * rng.standard_normal(SR)
            sf.write(folder / f"{fold}-{1000 * number + fold}-{take}.ogg", clip, SR)

esc = load_esc10(root)
print(len(esc.paths), "files,", len(esc.target_names), "classes:", list(esc.target_names))
print("official folds:", np.bincount(esc.folds)[1:], "clips each")

# %%
# Two recipes, the official folds
# -------------------------------
for name in ("mfcc_svm", "texture_svm"):
    print(f"{name}: {list_recipes()[name]}")
result = specsk.evaluate(["mfcc_svm", "texture_svm"], esc, sr=SR, duration=1.0)
print(result.to_markdown())

# %%
# Where the texture recipe errs
# -----------------------------
# Out-of-fold predictions pooled over the five folds.
fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
plot_confusion_matrix(result, pipeline="texture_svm", ax=ax)
plt.show()

# %%
# The miniature dataset was only needed for this example.
shutil.rmtree(root)

"""
Template matching: finding barks in the rain
============================================

*Real audio.* Part 1 cuts one bark out of the dog-bark clip shipped with specsk
(:func:`specsk.datasets.load_sample_clips`), hides the clip in rain, and slides the bark's
log-mel image over the noisy image with :func:`specsk.segmentation.match_template`
(normalised cross-correlation, batched FFTs). The best score per frame peaks on the bark
itself and on the next bark, which has the same shape; the shorter, quieter barks after
1.4 s stay below the threshold.

Part 2 uses the estimator :class:`specsk.segmentation.TemplateMatching` as a feature step:
``fit`` learns one template per class from labelled images (the median of each image's
strongest region), ``transform`` returns, for every template, the best correlation and
where it occurs. Trained on half-second fragments of the five clips, the score columns
already separate the classes.
"""

# %%
# A bark template and a noisy scene
# ---------------------------------
import matplotlib.pyplot as plt
import numpy as np
from scipy.signal import find_peaks
from sklearn.pipeline import make_pipeline

from specsk.audio import split_fragments
from specsk.datasets import load_sample_clips
from specsk.plotting import plot_spectrogram
from specsk.segmentation import TemplateMatching, match_template
from specsk.spectrogram import MelSpectrogram, PowerToDb

clips = load_sample_clips()
sr, HOP = clips.sr, 256
bark, rain = clips.data[0], clips.data[2]
scene = bark + 0.3 * rain * np.abs(bark).max() / np.abs(rain).max()

mel_db = make_pipeline(
    MelSpectrogram(sr=sr, n_fft=1024, hop_length=HOP, n_mels=64),
    PowerToDb(ref="max", top_db=60.0),
)
S_bark, S_scene = mel_db.fit_transform(np.stack([bark, scene]))
frames = slice(int(0.12 * sr / HOP), int(0.36 * sr / HOP))  # the first bark
template = np.asarray(S_bark)[4:40, frames]  # 36 mel bands x 21 frames
print("template:", template.shape)

# %%
# Slide it over the scene
# -----------------------
R = match_template(np.asarray(S_scene)[None], template, pad_input=True)[0]
score = R[10:30].max(axis=0)  # best match per frame, template centre near its own band
times = np.arange(score.size) * HOP / sr
peaks, _ = find_peaks(score, height=0.35, distance=int(0.2 * sr / HOP))
print("detections (s):", np.round(times[peaks], 2), "scores:", np.round(score[peaks], 2))

fig, axes = plt.subplots(3, 1, figsize=(9, 7), layout="constrained", sharex=True)
plot_spectrogram(S_bark, ax=axes[0], cmap="magma", title="dog bark alone")
axes[0].axvspan(times[frames.start], times[frames.stop], color="cyan", alpha=0.25)
plot_spectrogram(S_scene, ax=axes[1], cmap="magma", title="bark hidden in rain")
axes[2].plot(times, score)
axes[2].plot(times[peaks], score[peaks], "v", color="red")
for ax in axes[:2]:
    for t in times[peaks]:
        ax.axvline(t, color="red", lw=0.8, ls="--")
axes[2].set(ylabel="best correlation", xlabel="time (s)", title="template (cyan) matched")
plt.show()

# %%
# TemplateMatching as features
# ----------------------------
# Half-second fragments (hop 0.25 s) of each clip, every other fragment for training.
frag, clip_index = split_fragments(clips.data, length=sr // 2, hop=sr // 4, pad_last=False)
y = clips.names[clip_index]
S = mel_db.fit_transform(frag)
train = np.arange(len(y)) % 2 == 0
tm = TemplateMatching(template_shape=(24, 12), freq_shift=4).fit(S[train], y[train])
F = tm.transform(S[~train])
score_cols = [i for i, c in enumerate(tm.get_feature_names_out()) if c.endswith("_score")]
print(f"{len(y)} fragments -> {S.shape[1:]} images -> {F.shape[1]} features per fragment")

fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained",
                         gridspec_kw={"width_ratios": [2, 3]})  # fmt: skip
for k, (T, label) in enumerate(zip(tm.templates_, tm.template_labels_, strict=True)):
    axes[0].imshow(T, origin="lower", aspect="auto", cmap="magma",
                   extent=(k * 13, k * 13 + 12, 0, T.shape[0]))  # fmt: skip
    axes[0].text(k * 13 + 6, T.shape[0] + 1, label, ha="center", fontsize=8)
axes[0].set(xlim=(0, 13 * len(tm.templates_)), ylim=(0, 28), xticks=[], yticks=[])
axes[0].set_title("learned templates (24 mel bands x 12 frames)", pad=14)
im = axes[1].imshow(F[:, score_cols].T, aspect="auto", cmap="viridis", vmin=0, vmax=1)
axes[1].set_yticks(range(len(score_cols)), [f"{lab} template" for lab in tm.template_labels_])
axes[1].set_xticks(range(int((~train).sum())), y[~train], rotation=90, fontsize=7)
axes[1].set_title("best correlation of each test fragment with each template")
fig.colorbar(im, ax=axes[1])
plt.show()

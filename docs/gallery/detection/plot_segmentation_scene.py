"""
Segmenting a sound scene into regions of interest
=================================================

A 2-second synthetic scene at 16 kHz holds five overlapping events: a steady 1 kHz tone, an
upward chirp (2 -> 5 kHz) that starts while the tone still sounds, a harmonic stack (300 Hz
fundamental, 8 partials), a burst of clicks and a band of noise, over faint white noise. Its
power spectrogram in dB is smoothed a little, thresholded (Otsu), cleaned with
:class:`specsk.segmentation.RegionRefiner` (regions shorter than 30 ms or narrower than 60 Hz
go), and every region is measured with :func:`specsk.segmentation.regions_table` (onset and
offset in seconds, lowest and highest frequency in Hz ...). The figure shows the spectrogram
and the label image over it.
"""

# %%
# A synthetic scene with five known events
# ----------------------------------------
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage, signal
from sklearn.pipeline import make_pipeline

from specsk.segmentation import RegionRefiner, ThresholdSegmenter, regions_table
from specsk.spectrogram import power_spectrogram, power_to_db

SR, N_FFT, HOP = 16000, 512, 128  # 32 ms windows, 8 ms hop


def make_scene(duration=2.0, random_state=0):
    """Waveform of the scene (1-D float32) and a list of (event, onset s, offset s)."""
    rng = np.random.default_rng(random_state)
    t = np.arange(int(duration * SR)) / SR
    x = 0.003 * rng.standard_normal(t.size)

    def gate(t0, t1, ramp=0.01):
        g = np.clip(np.minimum(t - t0, t1 - t) / ramp, 0.0, 1.0)
        return np.where((t >= t0) & (t <= t1), g, 0.0)

    events = [("tone", 0.10, 0.80), ("chirp", 0.55, 1.05), ("harmonic stack", 1.10, 1.60),
              ("clicks", 1.15, 1.35), ("noise band", 1.60, 1.90)]  # fmt: skip
    x += 0.3 * np.sin(2 * np.pi * 1000 * t) * gate(0.10, 0.80)
    x += 0.3 * signal.chirp(t - 0.55, 2000, 0.5, 5000) * gate(0.55, 1.05)
    x += sum(0.15 / k * np.sin(2 * np.pi * 300 * k * t) for k in range(1, 9)) * gate(1.10, 1.60)
    clicks = np.zeros_like(t)
    clicks[(np.arange(1.15, 1.35, 0.04) * SR).astype(int)] = 1.0
    x += np.convolve(clicks, np.hanning(16), mode="same")
    sos = signal.butter(4, [5500, 7000], btype="bandpass", fs=SR, output="sos")
    x += 3.0 * signal.sosfilt(sos, rng.standard_normal(t.size)) * gate(1.60, 1.90)
    return x.astype(np.float32), events


def segment(x):
    """dB spectrogram (1, n_bins, n_frames), label image and the regions table."""
    S_db = power_to_db(power_spectrogram(x[None], n_fft=N_FFT, hop_length=HOP))
    smooth = ndimage.gaussian_filter(S_db, (0, 1, 1))
    segmenter = make_pipeline(
        ThresholdSegmenter(method="otsu"),
        RegionRefiner(min_size_s=0.03, min_size_hz=60.0, min_area=12, closing=(1, 3),
                      sr=SR, n_fft=N_FFT, hop_length=HOP),
    )  # fmt: skip
    labels = segmenter.fit_transform(smooth)
    table = regions_table(S_db, labels=labels, sr=SR, hop_length=HOP, n_fft=N_FFT)
    return S_db, labels, table


def plot(S_db, labels, table):
    extent = (0, S_db.shape[-1] * HOP / SR, 0, SR / 2)
    fig, axes = plt.subplots(2, 1, figsize=(8, 6), sharex=True, constrained_layout=True)
    axes[0].imshow(S_db[0], origin="lower", aspect="auto", extent=extent, cmap="magma")
    axes[0].set_title("Scene: tone, chirp, harmonic stack, clicks, noise band (dB)")
    axes[1].imshow(S_db[0], origin="lower", aspect="auto", extent=extent, cmap="gray")
    lab = np.ma.masked_equal(labels[0], 0)
    axes[1].imshow(lab, origin="lower", aspect="auto", extent=extent, cmap="tab20",
                   alpha=0.6, interpolation="nearest")  # fmt: skip
    for row in table.itertuples():
        axes[1].add_patch(matplotlib.patches.Rectangle(
            (row.onset_s, row.low_hz), row.duration_s, row.high_hz - row.low_hz,
            fill=False, edgecolor="yellow", linewidth=0.8))  # fmt: skip
    axes[1].set_title(f"{len(table)} regions (Otsu + RegionRefiner), boxes from regions_table")
    for ax in axes:
        ax.set_ylabel("Hz")
    axes[1].set_xlabel("s")
    return fig


# %%
# Segment, measure, compare with the truth
# ----------------------------------------
# One row per region: where it is in seconds and Hz, and its size. The events as they were
# made are printed below the table.
x, events = make_scene()
S_db, labels, table = segment(x)
cols = ["onset_s", "offset_s", "low_hz", "high_hz", "area"]
print(table[cols].round(3).to_string())
print("events:", ", ".join(f"{name} {t0:.2f}-{t1:.2f} s" for name, t0, t1 in events))

# %%
# The label image over the spectrogram
# ------------------------------------
plot(S_db, labels, table)
plt.show()

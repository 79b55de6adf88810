"""
Spectrogram zoo: every time-frequency transform on one real clip
================================================================

*Real audio.* A rooster's crow (2 s, from the clips shipped with specsk:
:func:`specsk.datasets.load_sample_clips`) through each transform of
:mod:`specsk.spectrogram`. Every transform is an estimator that takes a batch of waveforms
``(n_clips, n_times)`` and returns a batch of images ``(n_clips, n_bins, n_frames)``,
frequency first, low frequencies at index 0. The images carry their sample rate, hop and
bin frequencies, so :func:`specsk.plotting.plot_spectrogram` labels the axes in Hz and
seconds without being told.

The crow is harmonic: the STFT, mel, Bark and gammatone images show its partials as
parallel ridges at different frequency resolutions, the CQT and the wavelet scalogram space
them evenly on a log axis, chroma folds them onto twelve pitch classes, MFCCs compress the
spectral envelope, and PCEN flattens the background while keeping the onsets.
"""

# %%
# Load the clip and define the transforms
# ---------------------------------------
import matplotlib.pyplot as plt
from sklearn.pipeline import make_pipeline

from specsk.datasets import load_sample_clips
from specsk.plotting import plot_spectrogram
from specsk.spectrogram import (
    MFCC,
    PCEN,
    BarkSpectrogram,
    Chroma,
    CQTSpectrogram,
    CWTScalogram,
    GammatoneSpectrogram,
    MelSpectrogram,
    PowerToDb,
    STFTSpectrogram,
)

clips = load_sample_clips("rooster")
X, sr = clips.data, clips.sr  # (1, 44100) float32 waveforms at 22050 Hz
HOP = 256

to_db = PowerToDb(ref="max", top_db=80.0)
transforms = {
    "STFT (power, dB)": make_pipeline(
        STFTSpectrogram(n_fft=1024, hop_length=HOP, output="power"), to_db
    ),
    "mel (64 bands, dB)": make_pipeline(
        MelSpectrogram(sr=sr, n_fft=1024, hop_length=HOP, n_mels=64), to_db
    ),
    "constant-Q (dB)": make_pipeline(
        CQTSpectrogram(sr=sr, hop_length=HOP, n_bins=72, output="power"), to_db
    ),
    "gammatone / ERB (dB)": make_pipeline(
        GammatoneSpectrogram(sr=sr, n_bands=48, hop_length=HOP), to_db
    ),
    "Bark (24 bands, dB)": make_pipeline(BarkSpectrogram(sr=sr, n_fft=1024, hop_length=HOP), to_db),
    "CWT scalogram (Morlet, dB)": make_pipeline(
        CWTScalogram(sr=sr, n_scales=48, fmin=100.0, hop_length=HOP, output="power"), to_db
    ),
    "MFCC (20)": MFCC(sr=sr, n_mfcc=20, n_fft=1024, hop_length=HOP),
    "chroma": Chroma(sr=sr, n_fft=2048, hop_length=HOP),
    "PCEN of the mel image": make_pipeline(
        MelSpectrogram(sr=sr, n_fft=1024, hop_length=HOP, n_mels=64, power=1.0),
        PCEN(sr=sr, hop_length=HOP),
    ),
}

# %%
# One batch in, one image batch out
# ---------------------------------
images = {name: t.fit_transform(X) for name, t in transforms.items()}
for name, S in images.items():
    print(f"{name:28s} {X.shape} -> {S.shape} {S.dtype}")

# %%
# The images, on their own frequency axes
# ---------------------------------------
fig, axes = plt.subplots(3, 3, figsize=(11, 8), layout="constrained")
for ax, (name, S) in zip(axes.flat, images.items(), strict=True):
    plot_spectrogram(S[0], ax=ax, title=name)
    ax.set_xlabel("")
fig.suptitle("A rooster crow (2 s, 22050 Hz) through every transform")
plt.show()

"""Time-frequency transforms: waveforms in, spectrogram image batches out."""

from ._bark import BarkSpectrogram, bark_filter_bank, bark_spectrogram, bark_to_hz, hz_to_bark
from ._chroma import Chroma, chroma, chroma_filter_bank
from ._cqt import CQTSpectrogram, cqt
from ._cwt import CWTScalogram, cwt_frequencies, cwt_scalogram
from ._db import AmplitudeToDb, PowerToDb, amplitude_to_db, power_to_db
from ._gammatone import (
    GammatoneSpectrogram,
    erb_bandwidth,
    erb_frequencies,
    erb_to_hz,
    gammatone_filter_bank,
    gammatone_spectrogram,
    hz_to_erb,
)
from ._mel import MelSpectrogram, mel_filter_bank, mel_spectrogram
from ._mfcc import MFCC, mfcc
from ._pcen import PCEN, pcen
from ._stack import StackChannels, resample_spectrograms
from ._stft import STFTSpectrogram, power_spectrogram, stft

__all__ = [
    "MFCC",
    "PCEN",
    "AmplitudeToDb",
    "BarkSpectrogram",
    "CQTSpectrogram",
    "CWTScalogram",
    "Chroma",
    "GammatoneSpectrogram",
    "MelSpectrogram",
    "PowerToDb",
    "STFTSpectrogram",
    "StackChannels",
    "amplitude_to_db",
    "bark_filter_bank",
    "bark_spectrogram",
    "bark_to_hz",
    "chroma",
    "chroma_filter_bank",
    "cqt",
    "cwt_frequencies",
    "cwt_scalogram",
    "erb_bandwidth",
    "erb_frequencies",
    "erb_to_hz",
    "gammatone_filter_bank",
    "gammatone_spectrogram",
    "hz_to_bark",
    "hz_to_erb",
    "mel_filter_bank",
    "mel_spectrogram",
    "mfcc",
    "pcen",
    "power_spectrogram",
    "power_to_db",
    "resample_spectrograms",
    "stft",
]

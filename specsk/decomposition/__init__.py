"""Decomposition and source separation of spectrograms and multichannel recordings.

=================  ==================  ======================================================
function           estimator           what
=================  ==================  ======================================================
hpss               HPSS                harmonic / percussive separation (median filtering)
spectrogram_nmf    SpectrogramNMF      per-clip NMF, summarised as a feature row per clip
spectrogram_nmf    NMFComponents       per-clip NMF, one image per component
channel_ica        ChannelICA          FastICA over each clip's channels (blind separation)
=================  ==================  ======================================================

Dataset-level decompositions ("eigen-spectrograms") need no special class: flatten the
images and use scikit-learn's PCA, FastICA or NMF, then map components back to images with
:meth:`specsk.features.Flatten.inverse_transform`::

    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from specsk.features import Flatten

    pipe = make_pipeline(Flatten(), PCA(n_components=8)).fit(S)   # S: (n, n_bins, n_frames)
    flatten, pca = pipe[0], pipe[-1]
    eigen = flatten.inverse_transform(pca.components_)             # (8, n_bins, n_frames)
    S_hat = pipe.inverse_transform(pipe.transform(S))              # back to (n, n_bins, n_frames)

(NMF needs non-negative input: power or magnitude, not dB.)
See ``docs/gallery/spectrograms/plot_eigen_spectrograms.py``.
"""

from ._hpss import HPSS, hpss
from ._ica import ChannelICA, channel_ica
from ._nmf import NMFComponents, SpectrogramNMF, spectrogram_nmf

__all__ = [
    "HPSS",
    "ChannelICA",
    "NMFComponents",
    "SpectrogramNMF",
    "channel_ica",
    "hpss",
    "spectrogram_nmf",
]

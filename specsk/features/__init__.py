"""Features: 2-D feature tables (and frame-wise rows) from spectrograms and waveforms."""

from ._edges import EdgeFeatures, edge_features, edge_magnitude
from ._flatten import Flatten
from ._gabor import GaborFeatures, gabor_bank, gabor_features
from ._glcm import GLCMFeatures, glcm_features, quantize_images
from ._hog import HOGFeatures, hog_features
from ._lbp import LBPHistogram, lbp_histogram, local_binary_patterns
from ._moments import MomentFeatures, hu_moments, zernike_basis, zernike_moments
from ._spectral import SpectralFeatures, WaveformFeatures, spectral_features, waveform_features
from ._temporal import TemporalStats, temporal_stats

__all__ = [
    "EdgeFeatures",
    "Flatten",
    "GLCMFeatures",
    "GaborFeatures",
    "HOGFeatures",
    "LBPHistogram",
    "MomentFeatures",
    "SpectralFeatures",
    "TemporalStats",
    "WaveformFeatures",
    "edge_features",
    "edge_magnitude",
    "gabor_bank",
    "gabor_features",
    "glcm_features",
    "hog_features",
    "hu_moments",
    "lbp_histogram",
    "local_binary_patterns",
    "quantize_images",
    "spectral_features",
    "temporal_stats",
    "waveform_features",
    "zernike_basis",
    "zernike_moments",
]

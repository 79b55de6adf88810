"""Image filters and denoising for spectrogram batches.

Every filter takes a batch ``(n, n_bins, n_frames)`` or ``(n, n_channels, n_bins, n_frames)``,
treats each 2-D (clip, channel) image on its own (images of a batch never mix), and returns the
same rank and dtype. Each comes as a function and an estimator:

=====================  ====================  ================================================
function               estimator             what
=====================  ====================  ================================================
gaussian_filter        GaussianFilter        Gaussian smoothing
median_filter          MedianFilter          median filter
wiener_filter          WienerFilter          adaptive (local statistics) Wiener filter
bilateral_filter       BilateralFilter       edge-preserving bilateral filter
wavelet_denoise        WaveletDenoise        wavelet shrinkage (BayesShrink, VisuShrink)
noise_floor_removal    NoiseFloorRemoval     per-frequency noise-floor subtraction
morphology             Morphology            grey-level erosion, dilation, opening, ...
resize                 Resize                resize to a fixed image size
image_normalize        ImageNormalize        min-max / z-score per image, band or dataset
clip                   Clip                  clip to bounds or per-image percentiles
=====================  ====================  ================================================
"""

from ._bilateral import BilateralFilter, bilateral_filter
from ._intensity import (
    Clip,
    ImageNormalize,
    NoiseFloorRemoval,
    clip,
    image_normalize,
    noise_floor_removal,
)
from ._morphology import Morphology, morphology
from ._resize import Resize, resize
from ._smoothing import (
    GaussianFilter,
    MedianFilter,
    WienerFilter,
    gaussian_filter,
    median_filter,
    wiener_filter,
)
from ._wavelet import WaveletDenoise, wavelet_denoise

__all__ = [
    "BilateralFilter",
    "Clip",
    "GaussianFilter",
    "ImageNormalize",
    "MedianFilter",
    "Morphology",
    "NoiseFloorRemoval",
    "Resize",
    "WaveletDenoise",
    "WienerFilter",
    "bilateral_filter",
    "clip",
    "gaussian_filter",
    "image_normalize",
    "median_filter",
    "morphology",
    "noise_floor_removal",
    "resize",
    "wavelet_denoise",
    "wiener_filter",
]

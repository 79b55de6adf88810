"""Wavelet-shrinkage denoising of spectrogram batches (batched PyWavelets transform)."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import pywt
from scipy.stats import norm

from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ._common import ImageFilter, as_planes, check_batch

__all__ = ["WaveletDenoise", "wavelet_denoise"]

_MAD_TO_SIGMA = norm.ppf(0.75)
_AXES = (-2, -1)


def _threshold(c, t, mode):
    if mode == "soft":
        return np.sign(c) * np.maximum(np.abs(c) - t, 0)
    return np.where(np.abs(c) < t, 0, c)  # pywt's hard rule keeps |c| == t


# one declaration, shared by wavelet_denoise (decorator) and WaveletDenoise; the wavelet name
# and the number of levels are checked against PyWavelets and the image size in the core
_WAVELET_PARAMS = {
    "wavelet": [str],
    "method": [StrOptions({"BayesShrink", "VisuShrink"})],
    "mode": [StrOptions({"soft", "hard"})],
    "sigma": [Interval(Real, 0, None, closed="left"), None],
    "wavelet_levels": [Interval(Integral, 1, None, closed="left"), None],
}


def _check_wavelet(S, wavelet, wavelet_levels):
    if wavelet not in pywt.wavelist(kind="discrete"):
        raise ValueError(
            f"wavelet must be a discrete wavelet name known to PyWavelets (e.g. 'db1', 'db2', "
            f"'sym4', 'coif1'; see pywt.wavelist(kind='discrete')), got {wavelet!r}"
        )
    if wavelet_levels is not None:
        max_level = max(pywt.dwtn_max_level(S.shape[-2:], wavelet), 1)
        if wavelet_levels > max_level:
            raise ValueError(
                f"wavelet_levels must be None or an integer from 1 to {max_level} (the "
                f"most {wavelet!r} allows for {S.shape[-2]}x{S.shape[-1]} images), got "
                f"{wavelet_levels!r}"
            )


def _wavelet_denoise(S, wavelet, method, mode, sigma, wavelet_levels):
    _check_wavelet(S, wavelet, wavelet_levels)
    planes = as_planes(S)
    m, rows, cols = planes.shape
    w = pywt.Wavelet(wavelet)
    if wavelet_levels is None:
        # skimage's default: the coarsest three scales are left alone
        wavelet_levels = max(pywt.dwtn_max_level((rows, cols), w) - 3, 1)
    # one decomposition for the whole batch: the transform runs along the image axes only
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Level value", category=UserWarning)
        coeffs = pywt.wavedecn(planes, w, level=wavelet_levels, axes=_AXES)
    details = coeffs[1:]
    if sigma is None:
        finest = np.abs(details[-1]["dd"]).astype(np.float64)
        # zero coefficients are masked out, as in skimage (flat regions carry no noise sample)
        finest[finest == 0] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sig = np.nanmedian(finest.reshape(m, -1), axis=1) / _MAD_TO_SIGMA
        sig = np.nan_to_num(sig, nan=0.0)  # a flat image: no noise, nothing thresholded
    else:
        sig = np.full(m, sigma, dtype=np.float64)
    var = (sig * sig)[:, None, None]
    out_details = []
    for level in details:
        new = {}
        for key, c in level.items():
            if method == "BayesShrink":
                dvar = np.mean(c.astype(np.float64) ** 2, axis=_AXES, keepdims=True)
                eps = np.finfo(c.dtype).eps
                t = var / np.sqrt(np.maximum(dvar - var, eps))
            else:  # VisuShrink: the universal threshold of Donoho and Johnstone
                t = np.sqrt(var) * np.sqrt(2 * np.log(rows * cols))
            new[key] = _threshold(c, t.astype(c.dtype), mode)
        out_details.append(new)
    out = pywt.waverecn([coeffs[0], *out_details], w, axes=_AXES)
    # odd sizes come back one sample longer
    out = out[:, :rows, :cols].astype(S.dtype, copy=False)
    return np.ascontiguousarray(out).reshape(S.shape)


@validate_params(_WAVELET_PARAMS, prefer_skip_nested_validation=True)
def wavelet_denoise(
    S, *, wavelet="db1", method="BayesShrink", mode="soft", sigma=None, wavelet_levels=None
):
    """Wavelet-shrinkage denoising of every image of a batch.

    The batch is decomposed in one call (:func:`pywt.wavedecn` along the two image axes), the
    detail coefficients of each image are shrunk with that image's threshold, and the batch is
    reconstructed in one call.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames) or (n, n_channels, n_bins, n_frames)]
        Spectrogram batch. Values are used as they are, never rescaled or clipped, so dB
        spectrograms (negative, tens of dB wide) work: the noise level ``sigma`` is then in dB.
    wavelet : str, default="db1"
        Any discrete wavelet known to PyWavelets (``pywt.wavelist(kind="discrete")``);
        orthogonal ones (db, sym, coif, haar) are what shrinkage assumes.
    method : {"BayesShrink", "VisuShrink"}, default="BayesShrink"
        BayesShrink: one threshold per image, level and sub-band, ``sigma**2 / sigma_x``.
        VisuShrink: one universal threshold per image, ``sigma * sqrt(2 log(n_pixels))``.
    mode : {"soft", "hard"}, default="soft"
        Shrink coefficients towards 0 (soft) or zero those below the threshold (hard).
    sigma : float or None, default=None
        Noise standard deviation (units of ``S``). None estimates it per image from the median
        absolute finest diagonal detail coefficient (Donoho's MAD estimate).
    wavelet_levels : int or None, default=None
        Decomposition levels; None uses the maximum for the image size minus 3 (at least 1).

    Returns
    -------
    S_denoised : np.ndarray, same shape and dtype as ``S``
        Equal to ``skimage.restoration.denoise_wavelet(image, ..., channel_axis=None)`` for each
        2-D image (float input; scikit-image neither rescales nor clips floats, and its
        ``rescale_sigma`` only matters for integer images, which specsk never rescales).

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import wavelet_denoise
    >>> S = np.random.default_rng(0).random((4, 32, 20), dtype=np.float32)
    >>> wavelet_denoise(S, wavelet="db2", method="VisuShrink").shape
    (4, 32, 20)
    """
    return _wavelet_denoise(check_batch(S), wavelet, method, mode, sigma, wavelet_levels)


class WaveletDenoise(ImageFilter):
    """Wavelet-shrinkage denoising of spectrogram images (batched, PyWavelets).

    Per image equal to :func:`skimage.restoration.denoise_wavelet` on float images; see
    :func:`wavelet_denoise`. Spectrograms are usually in dB: that is fine, values are neither
    rescaled nor clipped, and ``sigma`` (if given) is in the units of the input.

    Parameters
    ----------
    wavelet : str, default="db1"
        Discrete wavelet name.
    method : {"BayesShrink", "VisuShrink"}, default="BayesShrink"
        Threshold rule.
    mode : {"soft", "hard"}, default="soft"
        Shrinkage rule.
    sigma : float or None, default=None
        Noise standard deviation; None estimates it per image.
    wavelet_levels : int or None, default=None
        Decomposition levels; None uses the maximum minus 3 (at least 1).

    Attributes
    ----------
    n_features_in_ : int
        Size of axis 1 of the batch seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from specsk.filters import WaveletDenoise
    >>> S = np.random.default_rng(0).random((4, 32, 20), dtype=np.float32)
    >>> WaveletDenoise(method="VisuShrink").fit_transform(S).shape
    (4, 32, 20)
    """

    _parameter_constraints = _WAVELET_PARAMS

    def __init__(
        self, *, wavelet="db1", method="BayesShrink", mode="soft", sigma=None, wavelet_levels=None
    ):
        self.wavelet = wavelet
        self.method = method
        self.mode = mode
        self.sigma = sigma
        self.wavelet_levels = wavelet_levels

    def _transform(self, X):
        return _wavelet_denoise(
            X, self.wavelet, self.method, self.mode, self.sigma, self.wavelet_levels
        )

    @classmethod
    def _get_test_params(cls):
        return [{}, {"wavelet": "db2", "method": "VisuShrink", "mode": "hard", "sigma": 0.1}]

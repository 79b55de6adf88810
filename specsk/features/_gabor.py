"""Gabor filter-bank energy features of spectrogram images (batched FFT convolution)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.fft
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._chunking import apply_in_batches
from ..utils._sklearn_compat import Interval
from ._image_kernels import (
    angle_name,
    as_number_tuple,
    channel_names,
    check_image_shape,
    image_shape_info,
    per_channel,
)

__all__ = ["GaborFeatures", "gabor_bank", "gabor_features"]


def gabor_bank(frequencies, thetas, *, bandwidth=1.0, n_stds=3) -> list[np.ndarray]:
    """Complex Gabor kernels ``skimage.filters.gabor_kernel(f, theta, bandwidth, n_stds=...)``.

    Ordered frequency-major: ``[(f0, t0), (f0, t1), ..., (f1, t0), ...]``.
    """
    from skimage.filters import gabor_kernel

    return [
        gabor_kernel(f, theta=t, bandwidth=bandwidth, n_stds=n_stds)
        for f in frequencies
        for t in thetas
    ]


def _responses_stats(S: np.ndarray, kernels: list[np.ndarray]) -> np.ndarray:
    """Mean and variance of |S * g| for every kernel g: ``(n, n_kernels, 2)``."""
    n, H, W = S.shape
    ym = max(k.shape[0] // 2 for k in kernels)
    xm = max(k.shape[1] // 2 for k in kernels)
    # scipy.ndimage's "reflect" (used by skimage.filters.gabor) is NumPy's "symmetric"
    Xp = np.pad(S, ((0, 0), (ym, ym), (xm, xm)), mode="symmetric")
    Hp, Wp = Xp.shape[1:]
    # circular convolution of length >= the padded image is exact on the region kept below
    N1 = scipy.fft.next_fast_len(max(Hp, max(k.shape[0] for k in kernels)))
    N2 = scipy.fft.next_fast_len(max(Wp, max(k.shape[1] for k in kernels)))
    ctype = np.complex64 if S.dtype == np.float32 else np.complex128
    F = scipy.fft.fft2(Xp, s=(N1, N2), axes=(1, 2)).astype(ctype, copy=False)
    out = np.empty((n, len(kernels), 2), dtype=np.float64)
    for j, g in enumerate(kernels):
        y0, x0 = g.shape[0] // 2, g.shape[1] // 2
        G = scipy.fft.fft2(g.astype(ctype), s=(N1, N2))
        full = scipy.fft.ifft2(F * G, axes=(1, 2))
        # output pixel i sits at full index i + pad + half-size of this kernel
        resp = full[:, ym + y0 : ym + y0 + H, xm + x0 : xm + x0 + W]
        mag = np.abs(resp)
        out[:, j, 0] = mag.mean(axis=(1, 2))
        out[:, j, 1] = mag.var(axis=(1, 2))
    return out


def gabor_features(S, kernels, *, batch_size=64) -> np.ndarray:
    """Mean and variance of the Gabor response magnitude per filter, for a batch of images.

    The response of image ``k`` to kernel ``g`` equals ``skimage.filters.gabor(S[k], ...)``
    (``ndi.convolve`` of the real and imaginary parts with ``mode='reflect'``): the batch is
    padded symmetrically once and all filters run as FFT products over the whole batch.

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_bins, n_frames)]
    kernels : list of complex np.ndarray
        From :func:`gabor_bank`.
    batch_size : int
        Images per FFT block (bounds memory).

    Returns
    -------
    F : np.ndarray [shape=(n, n_kernels, 2)], float64
        ``[..., 0]`` mean and ``[..., 1]`` variance (``ddof=0``) of ``|response|``.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.random.default_rng(0).random((2, 16, 16))
    >>> gabor_features(S, gabor_bank((0.2,), (0.0,))).shape
    (2, 1, 2)
    """
    S = np.asarray(S)
    if S.ndim != 3:
        raise ValueError(f"S must be 3-D (n, n_bins, n_frames), got shape {S.shape}")
    if len(kernels) == 0:
        raise ValueError("kernels is empty: build a bank with gabor_bank")
    return apply_in_batches(lambda B: _responses_stats(B, kernels), S, batch_size=batch_size)


class GaborFeatures(FeatureExtractorMixin, SpecskTransformer):
    """Energy of a Gabor filter bank: mean and variance of each response magnitude.

    The bank (``skimage.filters.gabor_kernel`` for every frequency and orientation) is built
    in ``fit``; ``transform`` filters the whole batch with FFT products. Values match
    ``skimage.filters.gabor`` per image (same ``mode='reflect'`` boundary) to about 1e-10
    relative in float64 and 1e-4 in float32.

    Orientation on a spectrogram ``(n_bins, n_frames)``: scikit-image's kernel oscillates
    along ``x cos(theta) + y sin(theta)`` with ``x`` the column (time) and ``y`` the row
    (frequency) index, so ``theta = 0`` responds to modulation **along time** (onsets,
    amplitude modulation: vertical stripes) and ``theta = pi/2`` to modulation **along
    frequency** (harmonic combs: horizontal stripes).

    Parameters
    ----------
    frequencies : tuple of float, default=(0.05, 0.1, 0.2, 0.4)
        Spatial frequencies in cycles per pixel (0 < f <= 0.5).
    thetas : tuple of float, default=(0, pi/4, pi/2, 3pi/4)
        Orientations in radians.
    bandwidth : float, default=1.0
        Octave bandwidth (sets the Gaussian width, as in scikit-image).
    n_stds : float, default=3
        Kernel half-size in standard deviations.
    batch_size : int, default=64
        Images per FFT block (bounds memory; does not change the values).

    Attributes
    ----------
    kernels_ : list of np.ndarray
        The complex kernels, frequency-major.
    image_shape_ : tuple of int
    n_channels_ : int or None

    Examples
    --------
    >>> import numpy as np
    >>> S = np.random.default_rng(0).random((3, 32, 24)).astype(np.float32)
    >>> gab = GaborFeatures(frequencies=(0.1, 0.3), thetas=(0, np.pi / 2)).fit(S)
    >>> gab.transform(S).shape
    (3, 8)
    >>> gab.get_feature_names_out()[:2].tolist()
    ['gabor_f0.1_t0_mean', 'gabor_f0.1_t0_var']
    """

    _input = "spectrogram"
    _kind = "feature"

    _parameter_constraints: dict = {
        "frequencies": ["array-like", Real],
        "thetas": ["array-like", Real],
        "bandwidth": [Interval(Real, 0, None, closed="neither")],
        "n_stds": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
    }

    # fit computes only what the parameters and the input shape fix: see specsk.base
    _learns_from_data = False

    def __init__(
        self,
        *,
        frequencies=(0.05, 0.1, 0.2, 0.4),
        thetas=(0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4),
        bandwidth=1.0,
        n_stds=3,
        batch_size=64,
    ):
        self.frequencies = frequencies
        self.thetas = thetas
        self.bandwidth = bandwidth
        self.n_stds = n_stds
        self.batch_size = batch_size

    def _checked(self):
        freqs = as_number_tuple(self.frequencies, "frequencies", positive=True)
        if max(freqs) > 0.5:
            raise ValueError(
                f"frequencies must lie in (0, 0.5] cycles per pixel (Nyquist), got {freqs}"
            )
        return freqs, as_number_tuple(self.thetas, "thetas")

    def _fit(self, X, y):
        freqs, thetas = self._checked()
        self.image_shape_, self.n_channels_ = image_shape_info(X)
        self.kernels_ = gabor_bank(freqs, thetas, bandwidth=self.bandwidth, n_stds=self.n_stds)
        return self

    def _transform(self, X):
        check_image_shape(self, X)
        F = per_channel(
            lambda S: gabor_features(S, self.kernels_, batch_size=self.batch_size).reshape(
                len(S), -1
            ),
            X,
        )
        return F.astype(X.dtype, copy=False)

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        freqs, thetas = self._checked()
        names = [
            f"gabor_f{f:g}_t{angle_name(t)}_{s}"
            for f in freqs
            for t in thetas
            for s in ("mean", "var")
        ]
        return channel_names(names, self.n_channels_)

    @classmethod
    def _get_test_params(cls) -> list[dict]:
        return [{"frequencies": (0.1, 0.3), "thetas": (0.0, np.pi / 2), "batch_size": 4}]

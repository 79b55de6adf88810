"""A toy image step for spectrograms, registered through the ``specsk.plugins`` entry point."""

from numbers import Real

import numpy as np

from specsk.base import SpecskTransformer
from specsk.utils.validation import Interval


class SpectralTilt(SpecskTransformer):
    """Multiply each frequency row by ``(bin + 1) ** alpha``.

    Parameters
    ----------
    alpha : float, default=0.5
        Exponent of the tilt; positive values emphasise high frequencies.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.ones((1, 3, 2), np.float32)
    >>> SpectralTilt(alpha=1.0).transform(S)[0, :, 0]
    array([1., 2., 3.], dtype=float32)
    """

    _kind = "filter"
    _input = "spectrogram"
    _output = "spectrogram"
    _stateless = True

    _parameter_constraints = {"alpha": [Interval(Real, None, None, closed="neither")]}

    def __init__(self, *, alpha=0.5):
        self.alpha = alpha

    def _transform(self, X):
        w = (np.arange(X.shape[-2], dtype=X.dtype) + 1) ** X.dtype.type(self.alpha)
        return X * w[:, None]

"""Whole images as feature vectors, and back."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..base import FeatureExtractorMixin, SpecskTransformer
from ..utils._validation import as_float_array

__all__ = ["Flatten"]


class Flatten(FeatureExtractorMixin, SpecskTransformer):
    """Flatten each spectrogram into one row: ``(n, ...) -> (n, prod(...))``.

    Lets PCA, ICA, NMF or any plain classifier take whole images; ``inverse_transform``
    reshapes rows (for example PCA components, "eigen-spectrograms") back into images.

    Attributes
    ----------
    input_shape_ : tuple of int
        Shape of one image, ``(n_bins, n_frames)`` or ``(n_channels, n_bins, n_frames)``,
        learned in ``fit``; ``transform`` refuses any other shape.

    Notes
    -----
    Columns are in C order: for 3-D input, column ``b * n_frames + f`` is bin ``b`` at frame
    ``f``, named ``"b{bin}_f{frame}"`` (``"c{ch}_b{bin}_f{frame}"`` for 4-D input).
    ``transform`` returns a copy, so that in-place steps downstream never alter the input.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    >>> fl = Flatten().fit(S)
    >>> fl.transform(S).shape
    (2, 12)
    >>> bool(np.array_equal(fl.inverse_transform(fl.transform(S)), S))
    True
    >>> fl.get_feature_names_out()[:2].tolist()
    ['b0_f0', 'b0_f1']
    """

    _input = "spectrogram"
    _kind = "feature"

    _parameter_constraints: dict = {}

    # fit computes only what the parameters and the input shape fix: see specsk.base
    _learns_from_data = False

    def __init__(self):
        pass

    def _fit(self, X, y):
        self.input_shape_ = tuple(int(d) for d in X.shape[1:])

    def _transform(self, X):
        if X.shape[1:] != self.input_shape_:
            raise ValueError(
                f"X has images of shape {X.shape[1:]}, but Flatten was fitted on images of "
                f"shape {self.input_shape_}; crop/pad clips to the same length "
                "(FixedLength) and use the same spectrogram parameters."
            )
        return X.reshape(len(X), -1).copy()

    def inverse_transform(self, X):
        """Reshape rows back into images of the fitted shape.

        Parameters
        ----------
        X : np.ndarray
            Rows in the column order of ``transform`` (for example ``pca.components_``),
            of shape ``(n, prod(input_shape_))``.

        Returns
        -------
        S : np.ndarray
            The images, of shape ``(n, *input_shape_)``.
        """
        check_is_fitted(self)
        Xt = as_float_array(np.asarray(X.to_numpy() if hasattr(X, "to_numpy") else X))
        size = int(np.prod(self.input_shape_))
        if Xt.ndim == 1 and Xt.size == size:
            raise ValueError(f"X must be 2-D (n, {size}); got a single 1-D row, pass X[np.newaxis]")
        if Xt.ndim != 2 or Xt.shape[1] != size:
            raise ValueError(
                f"X must be 2-D with {size} columns (prod of input_shape_={self.input_shape_}), "
                f"got shape {Xt.shape}"
            )
        return Xt.reshape(len(Xt), *self.input_shape_).copy()

    def _feature_names(self) -> list[str]:
        check_is_fitted(self)
        shape = self.input_shape_
        bf = [f"b{b}_f{f}" for b in range(shape[-2]) for f in range(shape[-1])]
        if len(shape) == 2:
            return bf
        return [f"c{c}_{name}" for c in range(shape[0]) for name in bf]

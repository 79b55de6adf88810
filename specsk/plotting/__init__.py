"""Plots for exploring data and features (optional extra ``plot``: matplotlib).

matplotlib is imported inside the functions, so ``import specsk.plotting`` works without it.
"""

from ._embedding import plot_embedding, plot_spectrogram

__all__ = ["plot_embedding", "plot_spectrogram"]

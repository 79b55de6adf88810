"""Plots for exploring data, features and results (optional extra ``plot``: matplotlib).

matplotlib (and ``librosa.display``) are imported inside the functions, so
``import specsk.plotting`` works without them. Spectrogram plots take their axes (Hz,
seconds) from the metadata a specsk step tags its output with
(:func:`specsk.utils.get_metadata`).
"""

from ._embedding import plot_embedding
from ._evaluation import plot_confusion_matrix, plot_feature_importance, plot_per_class_accuracy
from ._spectrogram import plot_filter_comparison, plot_gallery, plot_segmentation, plot_spectrogram

__all__ = [
    "plot_confusion_matrix",
    "plot_embedding",
    "plot_feature_importance",
    "plot_filter_comparison",
    "plot_gallery",
    "plot_per_class_accuracy",
    "plot_segmentation",
    "plot_spectrogram",
]

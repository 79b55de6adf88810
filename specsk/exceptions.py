"""Exceptions and warnings raised by specsk."""

from sklearn.exceptions import NotFittedError

__all__ = [
    "AudioLoadError",
    "NotFittedError",
    "PluginWarning",
    "ShortClipWarning",
    "SpecskWarning",
]


class SpecskWarning(UserWarning):
    """Base class of the warnings specsk emits."""


class ShortClipWarning(SpecskWarning):
    """A clip was shorter than a transform needs and was zero-padded."""


class PluginWarning(SpecskWarning):
    """A ``specsk.plugins`` entry point failed to load, failed validation, or clashed."""


class AudioLoadError(ValueError):
    """An audio file could not be read or decoded.

    The message names the file and the reason; with ``on_error="skip"`` or ``"warn"`` the
    same reasons are collected in a :class:`specsk.audio.LoadReport` instead.
    """

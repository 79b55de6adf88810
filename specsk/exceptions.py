"""Exceptions and warnings raised by specsk."""

from sklearn.exceptions import NotFittedError

__all__ = [
    "AudioLoadError",
    "ModelVersionWarning",
    "NonFiniteResultError",
    "NotFittedError",
    "PluginWarning",
    "ShortClipWarning",
    "SpecskWarning",
    "UntrustedTypesError",
]


class SpecskWarning(UserWarning):
    """Base class of the warnings specsk emits."""


class ShortClipWarning(SpecskWarning):
    """A clip was shorter than a transform needs and was zero-padded."""


class PluginWarning(SpecskWarning):
    """A ``specsk.plugins`` entry point failed to load, failed validation, or clashed."""


class ModelVersionWarning(SpecskWarning):
    """A saved model is loaded under other versions of specsk, scikit-learn or torch than it
    was saved with; its predictions may differ (see :func:`specsk.io.load_model`)."""


class NonFiniteResultError(ValueError):
    """A step turned finite input into NaN or infinity (see the user guide, "Finite in, finite
    out").

    specsk computes safely where the true result is representable (scaling, float64 where it
    matters); this error is raised only where it is not, e.g. the power of float32 audio with
    values near 1e30 exceeds the float32 range. The message names the step and the cause.
    """


class UntrustedTypesError(ValueError):
    """A saved model holds types that are not trusted; nothing was loaded.

    ``types`` lists their fully qualified names. Read them, and pass those you trust as
    ``load_model(path, trusted=[...])`` (see :func:`specsk.io.load_model`).
    """

    def __init__(self, types, message=None):
        self.types = sorted(types)
        if message is None:
            message = (
                f"The model file holds {len(self.types)} untrusted type(s): "
                f"{', '.join(self.types)}. Nothing was loaded. Only load files from sources you "
                "trust; if you trust these types, pass them as load_model(path, trusted=[...])."
            )
        super().__init__(message)

    def __reduce__(self):
        return type(self), (self.types, str(self))


class AudioLoadError(ValueError):
    """An audio file could not be read or decoded.

    The message names the file and the reason; with ``on_error="skip"`` or ``"warn"`` the
    same reasons are collected in a :class:`specsk.audio.LoadReport` instead.
    """

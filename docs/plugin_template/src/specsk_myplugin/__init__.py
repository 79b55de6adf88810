"""An example specsk plugin: copy this folder and rename the package."""

from .tilt import SpectralTilt

__all__ = ["SpectralTilt"]

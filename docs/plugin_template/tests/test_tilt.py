from specsk_myplugin import SpectralTilt

from specsk.registry import get_estimator
from specsk.utils.estimator_checks import check_estimator


def test_conformance():
    check_estimator(SpectralTilt())


def test_registered():
    assert get_estimator("spectral_tilt") is SpectralTilt

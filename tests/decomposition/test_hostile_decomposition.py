"""Hostile input for the decompositions: values near the float32 limit, empty channels."""

import numpy as np
import pytest

from specsk.decomposition import ChannelICA, NMFComponents, SpectrogramNMF
from specsk.exceptions import NonFiniteResultError


def _images(scale):
    S = np.exp(np.random.default_rng(0).standard_normal((4, 16, 20)))
    return (S / S.max() * scale).astype(np.float32)


@pytest.mark.parametrize("cls", [NMFComponents, SpectrogramNMF])
@pytest.mark.parametrize("scale", [1e30, 1e-40])
def test_nmf_finite_or_clear_error(cls, scale):
    est = cls(**cls._get_test_params()[0])
    try:
        out = est.fit(_images(scale)).transform(_images(scale))
    except NonFiniteResultError as exc:
        assert cls.__name__ in str(exc)
    else:
        assert np.isfinite(out).all()


@pytest.mark.parametrize("scale", [1e30, 1e-40])
def test_nmf_components_are_scale_equivariant(scale):
    est = NMFComponents(n_components=2, max_iter=30)
    ref = est.fit_transform(_images(1.0))
    out = est.fit_transform(_images(scale))
    np.testing.assert_allclose(out / scale, ref, atol=0.02 * np.abs(ref).max())


def test_channel_ica_without_channels_is_a_clear_error():
    with pytest.raises(ValueError, match="clips without channels"):
        ChannelICA().fit_transform(np.zeros((3, 0, 100), np.float32))


def test_channel_ica_huge_values():
    x = np.random.default_rng(0).laplace(size=(2, 2, 500))
    out = ChannelICA(random_state=0).fit_transform((x * 1e30).astype(np.float32))
    assert np.isfinite(out).all()

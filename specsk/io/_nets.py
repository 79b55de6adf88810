"""skorch networks in a saved model: weights as NumPy arrays, rebuilt on load.

skorch pickles a network's torch objects (``torch.save`` inside ``__getstate__``, so
``torch.load``, an unpickler, on load). :func:`specsk.io.save_model` stores a
:class:`NetState` in place of each skorch network instead: the class's name, the parameters
of an unfitted clone, the plain fitted attributes (input shape, label encoder...), the training
history as JSON values and every ``state_dict`` entry as a NumPy array. Loading builds the
network from its parameters (``initialize()`` makes the module for the recorded input shape
and classes, with ``pretrained`` off so no ImageNet file is read) and copies the arrays in.
The optimizer's state (e.g. Adam's moments) is not kept: training a loaded network again
(``partial_fit``, ``warm_start``) starts with a fresh optimizer.

This module needs neither torch nor skorch to import; building and reading networks does.
"""

from __future__ import annotations

import json
import sys

import numpy as np

__all__ = ["NetState", "is_net", "is_torch_object", "net_to_state", "state_to_net"]

# skorch attributes rebuilt by ``initialize()`` (or meaningless once saved)
_REBUILT = frozenset(
    {
        "callbacks_",
        "history_",
        "initialized_",
        "virtual_params_",
        "prefixes_",
        "cuda_dependent_attributes_",
        "init_context_",
    }
)


class NetState:
    """A skorch network as saved by :func:`specsk.io.save_model` (no torch objects).

    Attributes
    ----------
    estimator : str
        ``"module.Class"`` of the network (a ``skorch.NeuralNet`` subclass).
    params : dict
        Parameters of an unfitted clone (``get_params(deep=False)``).
    fitted : bool
        Whether the network was initialised; the rest is empty otherwise.
    attrs : dict
        Fitted attributes other than torch objects (``input_shape_``, ``label_encoder_``...).
    history : list
        ``history_`` as JSON values.
    weights : dict of str to dict of str to np.ndarray
        ``state_dict`` of each module and criterion (``"module"``, ``"criterion"``...).
    dtypes : dict of str to str
        ``"component/key"`` -> torch dtype of tensors NumPy has no dtype for (bfloat16),
        stored as float32.
    """

    def __init__(
        self,
        estimator,
        params,
        *,
        fitted=False,
        attrs=None,
        history=None,
        weights=None,
        dtypes=None,
    ):
        self.estimator = estimator
        self.params = params
        self.fitted = fitted
        self.attrs = {} if attrs is None else attrs
        self.history = [] if history is None else history
        self.weights = {} if weights is None else weights
        self.dtypes = {} if dtypes is None else dtypes

    def __repr__(self):
        n = sum(a.size for w in self.weights.values() for a in w.values())
        return f"NetState({self.estimator}, fitted={self.fitted}, {n} weights)"


def is_net(obj) -> bool:
    """Whether ``obj`` is a skorch network (skorch is not imported to find out)."""
    skorch = sys.modules.get("skorch")
    return skorch is not None and isinstance(obj, skorch.NeuralNet)


def is_torch_object(obj) -> bool:
    """Whether ``obj`` is a tensor, module or optimizer (torch is not imported to find out)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(
        obj, (torch.Tensor, torch.nn.Module, torch.optim.Optimizer)
    )


def _class_name(cls) -> str:
    return f"{cls.__module__}.{cls.__name__}"


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _arrays(component: str, obj, dtypes: dict) -> dict:
    out = {}
    for key, tensor in obj.state_dict().items():
        if not hasattr(tensor, "detach"):
            raise TypeError(
                f"the state_dict of {component!r} holds {key!r}, a {type(tensor).__name__}, "
                "not a tensor; save_model stores tensors only"
            )
        t = tensor.detach().cpu()
        try:
            arr = t.numpy()
        except TypeError:  # a dtype NumPy lacks (bfloat16): float32 holds it exactly
            dtypes[f"{component}/{key}"] = str(t.dtype).removeprefix("torch.")
            arr = t.float().numpy()
        out[key] = np.array(arr, copy=True)
    return out


def net_to_state(net, walk) -> NetState:
    """The :class:`NetState` of a skorch network; ``walk`` converts nested values."""
    import torch
    from sklearn.base import clone

    if isinstance(net.module, torch.nn.Module):
        raise TypeError(
            f"{type(net).__name__}(module=<{type(net.module).__name__} instance>) cannot be "
            "saved without pickling the module: give module as a registered name, a builder "
            "function or an nn.Module class (built from module__* parameters)"
        )
    params = {k: v for k, v in clone(net).get_params(deep=False).items() if not k.startswith("_")}
    state = NetState(_class_name(type(net)), walk(params, "params"))
    if not getattr(net, "initialized_", False):
        return state
    names = [*getattr(net, "_modules", ["module"]), *getattr(net, "_criteria", ["criterion"])]
    torch_attrs = {f"{n}_" for n in [*names, *getattr(net, "_optimizers", ["optimizer"])]}
    attrs = {
        k: v
        for k, v in vars(net).items()
        if k.endswith("_")
        and not k.startswith("_")
        and k not in _REBUILT
        and k not in torch_attrs
        and k not in params
    }
    state.fitted = True
    state.attrs = walk(attrs, "attrs")
    history = getattr(net, "history_", None)
    state.history = json.loads(json.dumps(list(history or []), default=_jsonable))
    for name in names:
        obj = getattr(net, name + "_", None)
        if isinstance(obj, torch.nn.Module):
            state.weights[name] = _arrays(name, obj, state.dtypes)
    return state


def state_to_net(state: NetState, resolve):
    """Build the network ``state`` describes; ``resolve`` turns its class name into the class."""
    import torch
    from skorch import NeuralNet
    from skorch.history import History

    cls = resolve(state.estimator)
    if not (isinstance(cls, type) and issubclass(cls, NeuralNet)):
        raise TypeError(f"{state.estimator} is not a skorch network class")
    net = cls(**state.params)
    if not state.fitted:
        return net
    vars(net).update(state.attrs)
    # the saved weights replace the ImageNet ones: do not read (or require) the weight file
    pretrained = getattr(net, "pretrained", None)
    if pretrained:
        net.pretrained = False
    try:
        with torch.random.fork_rng(devices=[]):
            net.initialize()
    finally:
        if pretrained:
            net.pretrained = pretrained
    for name, arrays in state.weights.items():
        tensors = {}
        for key, arr in arrays.items():
            t = torch.from_numpy(np.array(arr, copy=True))
            dtype = state.dtypes.get(f"{name}/{key}")
            if dtype is not None:
                dtype = getattr(torch, str(dtype), None)
                if not isinstance(dtype, torch.dtype):
                    raise ValueError(f"unknown torch dtype for {name}/{key}: {dtype!r}")
                t = t.to(dtype)
            tensors[key] = t
        getattr(net, name + "_").load_state_dict(tensors, strict=True)
    net.history_ = History(state.history)
    return net

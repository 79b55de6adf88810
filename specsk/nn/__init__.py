"""Deep and hybrid models on spectrogram batches (optional extra ``nn``: torch, skorch).

:class:`FragmentClassifier` needs neither torch nor skorch and is imported first; every other
name needs both. ``import specsk`` never imports this subpackage (and so never imports torch).

- :class:`SpectrogramCNNClassifier` - skorch classifier on (n, n_bins, n_frames) batches, with
  architectures chosen by name from :data:`MODULES` (``"cnn2d"``, ``"cnn1d"``, ``"crnn"``,
  ``"patch_transformer"``) and SpecAugment / mixup augmentation (:class:`Augment`);
- :class:`FragmentClassifier` - train on fixed-length fragments, average per clip;
- :class:`NetTransformer` - a network's embedding or probabilities as 2-D features for hybrids;
- :class:`PretrainedCNNEmbedding` - frozen ImageNet EfficientNet-Lite0 as a feature transformer;
  ``module="efficientnet_lite0"`` fine-tunes it in :class:`SpectrogramCNNClassifier`.
"""

import importlib.util

from ._fragments import FragmentClassifier, make_fragments  # need neither torch nor skorch

# everything else needs torch and skorch (the ``nn`` extra); without them, FragmentClassifier
# still works and the other names raise an ImportError that says what to install
_MISSING = [p for p in ("torch", "skorch") if importlib.util.find_spec(p) is None]
if not _MISSING:
    from ._augment import Augment
    from ._classifier import SpectrogramCNNClassifier
    from ._efficientnet import (
        EfficientNetLite0,
        EfficientNetLite0Transfer,
        build_efficientnet_lite0,
        efficientnet_lite0,
        prepare_images,
    )
    from ._embedding import PretrainedCNNEmbedding, pretrained_cnn_embedding
    from ._hybrid import NetTransformer
    from ._modules import (
        CRNN,
        MODULES,
        CNN1d,
        CNN2d,
        PatchTransformer,
        TemporalPooling,
        register_module,
    )
    from ._weights import (
        WeightsChecksumError,
        download_weights,
        efficientnet_lite0_weights_path,
        load_efficientnet_lite0_state_dict,
    )


def __getattr__(name):
    if _MISSING and name in __all__:
        raise ImportError(
            f"specsk.nn.{name} needs {' and '.join(_MISSING)}: install the CPU build of torch "
            "first (`pip install torch==2.13.0`), then `pip install specsk[nn]`"
        )
    raise AttributeError(f"module 'specsk.nn' has no attribute {name!r}")


__all__ = [
    "CRNN",
    "MODULES",
    "Augment",
    "CNN1d",
    "CNN2d",
    "EfficientNetLite0",
    "EfficientNetLite0Transfer",
    "FragmentClassifier",
    "NetTransformer",
    "PatchTransformer",
    "PretrainedCNNEmbedding",
    "SpectrogramCNNClassifier",
    "TemporalPooling",
    "WeightsChecksumError",
    "build_efficientnet_lite0",
    "download_weights",
    "efficientnet_lite0",
    "efficientnet_lite0_weights_path",
    "load_efficientnet_lite0_state_dict",
    "make_fragments",
    "prepare_images",
    "pretrained_cnn_embedding",
    "register_module",
]

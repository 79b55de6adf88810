"""Recipes: whole, validated pipelines from waveforms to labels, for any sample rate and length.

:func:`get_recipe` returns an unfitted :class:`Recipe` (a scikit-learn ``Pipeline``) whose
parameters are derived from the sample rate and the clip length only, never tuned to one
dataset; what a recipe must choose from data (``C`` of an SVM or a logistic regression) it
chooses by an inner cross-validation on the training data it is fitted on. A recipe takes
waveforms at ``sr`` (a 2-D batch or a ragged list of 1-D clips), pads or crops them to
``duration`` inside, and records both (``sr_``, ``duration_``) when fitted. Loading files
stays outside the model (:class:`~specsk.audio.AudioLoader` and its report, or
:func:`specsk.evaluate`), so a bad file never shifts rows.

====================  ==================================================================
recipe                what it is
====================  ==================================================================
``mfcc_svm``          MFCC statistics + RBF SVC: the hand-written baseline (ESC-10 80.5 %)
``texture_svm``       log-mel image as texture (GLCM, LBP, Gabor, band statistics) + a
                      linear or RBF model, no torch (ESC-10 90.3 %, FSDD 99.7 %)
``embedding_linear``  frozen ImageNet EfficientNet-Lite0 embedding + logistic regression
                      (ESC-10 93.8 %, FSDD 96.7 %)
``finetune_cnn``      EfficientNet-Lite0 fine-tuned with SpecAugment, mixup, early stopping
``hybrid``            stacking of the embedding and texture routes (ESC-10 94.3 %, FSDD
                      100 %)
====================  ==================================================================

:func:`list_recipes` gives each one's description and ESC-10 figure
(``benchmarks/README.md`` has the tables).
"""

from __future__ import annotations

import inspect

from ._base import Recipe, check_recipe_args, front_end

__all__ = ["Recipe", "front_end", "get_recipe", "list_recipes"]

# name -> (module, builder, needs torch, description)
_RECIPES = {
    "mfcc_svm": (
        "_classical",
        "mfcc_svm",
        False,
        "MFCC (+ deltas) and waveform statistics, RBF SVC with C by inner CV; "
        "the hand-written baseline (ESC-10: 80.5 %)",
    ),
    "texture_svm": (
        "_classical",
        "texture_svm",
        False,
        "log-mel image as texture: GLCM, LBP, Gabor, per-band and 1 s window statistics, "
        "logistic regression or RBF SVC by inner CV; no torch (ESC-10: 90.3 %, FSDD: 99.7 %)",
    ),
    "embedding_linear": (
        "_deep",
        "embedding_linear",
        True,
        "frozen ImageNet EfficientNet-Lite0 (block 12 averaged on a 4 x 2 grid) on the "
        "log-mel image, logistic regression (inner CV) (ESC-10: 93.8 %, FSDD: 96.7 %)",
    ),
    "finetune_cnn": (
        "_deep",
        "finetune_cnn",
        True,
        "EfficientNet-Lite0 fine-tuned on log-mel images: SpecAugment, time shift, mixup, "
        "cosine lr, early stopping on an inner validation split (ESC-10 fold 1: 90.0 %, "
        "below the frozen embedding's 96.2 % on CPU)",
    ),
    "hybrid": (
        "_deep",
        "hybrid",
        True,
        "stacking (late fusion) of the frozen-embedding and texture routes, final logistic "
        "regression on out-of-fold probabilities (ESC-10: 94.3 %, FSDD: 100 %)",
    ),
}


def list_recipes() -> dict[str, str]:
    """Names of the recipes and what each is (with ``[needs torch]`` where it does).

    Returns
    -------
    recipes : dict of str to str

    Examples
    --------
    >>> from specsk.recipes import list_recipes
    >>> sorted(list_recipes())[:2]
    ['embedding_linear', 'finetune_cnn']
    """
    return {
        name: desc + (" [needs torch: pip install specsk[nn]]" if torch else "")
        for name, (_mod, _fn, torch, desc) in _RECIPES.items()
    }


def _builder(name):
    import importlib
    import importlib.util

    module, fn, needs_torch, _desc = _RECIPES[name]
    if needs_torch:
        missing = [p for p in ("torch", "skorch") if importlib.util.find_spec(p) is None]
        if missing:
            raise ImportError(
                f"recipe {name!r} needs {' and '.join(missing)}: install the CPU build of "
                "torch first (`pip install torch==2.13.0`), then `pip install specsk[nn]`"
            )
    return getattr(importlib.import_module(f"{__name__}.{module}"), fn)


def get_recipe(name, *, sr, duration, **overrides):
    """An unfitted recipe for waveforms at ``sr`` padded or cropped to ``duration`` seconds.

    Parameters
    ----------
    name : str
        One of :func:`list_recipes`.
    sr : float
        Sample rate of the waveforms the recipe will get (Hz). Frame sizes follow it.
    duration : float
        Clip length (seconds) every clip is padded or cropped to, centred.
    **overrides
        Arguments of the recipe's builder (``device``, ``n_jobs``, ``random_state``, and
        e.g. ``max_epochs`` for ``finetune_cnn``), or any parameter of the returned
        pipeline in ``step__param`` form (``svc__C=10``), applied with ``set_params``.

    Returns
    -------
    recipe : Recipe
        An unfitted scikit-learn ``Pipeline`` (clones, pickles and grid-searches as usual).

    Raises
    ------
    ValueError
        If ``name`` is unknown, ``sr``/``duration`` are not positive numbers, or an override
        is neither a builder argument nor a pipeline parameter.
    ImportError
        If a torch recipe is asked for without the ``nn`` extra.

    Examples
    --------
    >>> from specsk.datasets import make_sounds
    >>> from specsk.recipes import get_recipe
    >>> X, y = make_sounds(n_classes=3, n_per_class=10, sr=8000, duration=0.5, random_state=0)
    >>> model = get_recipe("mfcc_svm", sr=8000, duration=0.5).fit(X, y)
    >>> model.sr_, model.duration_, model.score(X, y) > 0.9
    (8000, 0.5, True)
    """
    if not isinstance(name, str) or name not in _RECIPES:
        raise ValueError(f"unknown recipe {name!r}; the recipes are {sorted(_RECIPES)}")
    sr, duration = check_recipe_args(sr, duration)
    builder = _builder(name)
    accepted = set(inspect.signature(builder).parameters) - {"sr", "duration"}
    builder_args = {k: v for k, v in overrides.items() if k in accepted}
    pipe_params = {k: v for k, v in overrides.items() if k not in accepted}
    pipe = builder(sr=sr, duration=duration, **builder_args)
    recipe = Recipe(pipe.steps, recipe=name, sr=sr, duration=duration)
    if pipe_params:
        valid = recipe.get_params(deep=True)
        unknown = sorted(k for k in pipe_params if k not in valid)
        if unknown:
            raise ValueError(
                f"recipe {name!r} has no argument or parameter {unknown}; its builder takes "
                f"{sorted(accepted)}, and pipeline parameters look like "
                f"{sorted(k for k in valid if '__' in k)[:6]} ... (see get_params())"
            )
        recipe.set_params(**pipe_params)
    return recipe

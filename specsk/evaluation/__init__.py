"""Evaluation: cross-validate several pipelines on a dataset and report the results.

:func:`evaluate` reads the audio once, computes each pipeline's data-independent front once
for all folds (shared between pipelines), runs the folds with resume support and returns an
:class:`EvaluationResult` with per-fold scores, timings, out-of-fold predictions, paired
comparisons and Markdown/CSV/JSON writers.
"""

from ._results import EvaluationResult
from ._runner import evaluate

__all__ = ["EvaluationResult", "evaluate"]

"""What :func:`~specsk.evaluation.evaluate` returns: :class:`EvaluationResult`.

Scores, timings and out-of-fold predictions per pipeline and fold, with tables (a pandas
DataFrame when pandas is installed, else a list of dicts), paired comparisons and writers for
Markdown, CSV and JSON. Markdown tables are written by hand, so there is no tabulate dependency.
"""

from __future__ import annotations

import csv
import json
import math
import os
import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = ["EvaluationResult"]


def _frame(rows: list[dict]):
    """A pandas DataFrame when pandas is available, else the list of dicts itself."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        return rows
    return pd.DataFrame(rows)


def _pct(value, decimals: int = 1) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{100 * value:.{decimals}f}"


def _num(value, fmt: str) -> str:
    return "n/a" if value is None or not np.isfinite(value) else format(value, fmt)


def _md_table(header: list[str], rows: list[list[str]], align: list[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table; ``align`` holds ``"l"`` or ``"r"`` per column."""
    align = align or ["l"] + ["r"] * (len(header) - 1)

    def cell(text) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _std(values: np.ndarray) -> float:
    """Sample standard deviation (``ddof=1``); NaN with fewer than two values."""
    values = np.asarray(values, dtype=float)
    return float(np.std(values, ddof=1)) if values.size > 1 else math.nan


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@dataclass
class EvaluationResult:
    """Cross-validated scores, timings and out-of-fold predictions of several pipelines.

    Returned by :func:`~specsk.evaluation.evaluate`. Every per-pipeline attribute is a dict
    keyed by pipeline name, in the order of :attr:`names`; per-fold arrays follow the order of
    the splitter's folds (fold ``k`` is shown as "fold k+1" in tables and files).

    Attributes
    ----------
    names : list of str
        Pipeline names, in evaluation order.
    fold_scores : dict of str to np.ndarray [shape=(n_folds,)]
        Accuracy per fold.
    f1_scores : dict of str to np.ndarray [shape=(n_folds,)]
        Macro-averaged F1 per fold (over the classes present in the fold's labels or
        predictions, as :func:`sklearn.metrics.f1_score` does).
    recall : dict of str to np.ndarray [shape=(n_folds, n_classes)]
        Per-class recall per fold; NaN for a class absent from the fold's test set.
    oof_pred : dict of str to np.ndarray [shape=(n_rows,)], int
        Out-of-fold predicted class index for every dataset row; ``-1`` where the row was
        dropped (unreadable file) or is in no test fold.
    oof_proba : dict of str to np.ndarray [shape=(n_rows, n_classes)] or None
        Out-of-fold class probabilities (columns follow :attr:`target_names`), NaN where no
        prediction was made; ``None`` for pipelines without ``predict_proba``.
    fit_time, predict_time : dict of str to np.ndarray [shape=(n_folds,)]
        Wall-clock seconds (``time.perf_counter``) of ``fit`` and of ``predict`` (plus
        ``predict_proba`` when available) in each fold, excluding the shared cached prefix.
    peak_memory : dict of str to np.ndarray [shape=(n_folds,)]
        Peak resident memory increase in MB during the fold's fit and predict (see
        :func:`~specsk.evaluation.evaluate` for how it is measured); NaN when unavailable.
    target : np.ndarray [shape=(n_rows,)], int
        Class index of every dataset row (dropped rows included).
    target_names : list of str
        Class names; ``target == k`` is class ``target_names[k]``.
    mask : np.ndarray [shape=(n_rows,)], bool
        ``True`` for rows whose audio was loaded and used.
    test_fold : np.ndarray [shape=(n_rows,)], int
        Fold (0-based) in whose test set each row is; ``-1`` for dropped or never-tested rows.
    load_report : LoadReport or None
        What happened when the files were read (``None`` for in-memory waveforms).
    times : dict
        ``{"load": s, "prefix": {name: s}, "total": s}``: seconds spent loading audio,
        computing each pipeline's shared data-independent prefix (0 when it came from the
        cache or another pipeline), and in the whole call.
    resumed : dict of str to list of int
        Folds of each pipeline that were read from ``cache_dir`` rather than run.
    """

    names: list
    fold_scores: dict
    f1_scores: dict
    recall: dict
    oof_pred: dict
    oof_proba: dict
    fit_time: dict
    predict_time: dict
    peak_memory: dict
    target: np.ndarray
    target_names: list
    mask: np.ndarray
    test_fold: np.ndarray
    load_report: object = None
    times: dict = field(default_factory=dict)
    resumed: dict = field(default_factory=dict)

    @property
    def n_folds(self) -> int:
        """Number of folds."""
        return len(self.fold_scores[self.names[0]]) if self.names else 0

    def _check_name(self, name, what):
        if name not in self.names:
            raise ValueError(f"{what} must be one of the pipeline names {self.names}, got {name!r}")

    # -- tables -----------------------------------------------------------------------------
    def _summary_rows(self) -> list[dict]:
        rows = []
        for name in self.names:
            acc = self.fold_scores[name]
            row = {
                "pipeline": name,
                "accuracy_mean": float(np.mean(acc)),
                "accuracy_std": _std(acc),
            }
            for k, a in enumerate(acc):
                row[f"fold_{k + 1}"] = float(a)
            peak = self.peak_memory[name]
            row.update(
                f1_macro_mean=float(np.mean(self.f1_scores[name])),
                fit_s=float(np.sum(self.fit_time[name])),
                predict_s=float(np.sum(self.predict_time[name])),
                prefix_s=float(self.times.get("prefix", {}).get(name, 0.0)),
                peak_memory_mb=float(np.nanmax(peak)) if np.isfinite(peak).any() else math.nan,
            )
            rows.append(row)
        return rows

    def summary(self):
        """One row per pipeline: accuracy over the folds, macro-F1, costs.

        Columns: ``pipeline``, ``accuracy_mean``, ``accuracy_std`` (sample standard deviation
        over folds, ``ddof=1``; NaN with one fold), ``fold_1`` ... ``fold_k`` (accuracy of
        each fold), ``f1_macro_mean``, ``fit_s`` and ``predict_s`` (seconds summed over folds),
        ``prefix_s`` (seconds computing the cached data-independent prefix, once for all
        folds), ``peak_memory_mb`` (largest peak over folds). Scores are fractions in [0, 1].

        Returns
        -------
        summary : pandas.DataFrame or list of dict
            A DataFrame when pandas is installed, else a list of dicts with the same keys.
        """
        return _frame(self._summary_rows())

    def _recall_rows(self) -> list[dict]:
        rows = []
        y = self.target
        for name in self.names:
            pred = self.oof_pred[name]
            tested = self.test_fold >= 0
            row = {"pipeline": name}
            for k, cname in enumerate(self.target_names):
                sel = tested & (y == k)
                row[str(cname)] = float(np.mean(pred[sel] == k)) if sel.any() else math.nan
            rows.append(row)
        return rows

    def per_class_recall(self):
        """Recall of every class, pooled over the out-of-fold predictions of all folds.

        Pooling (rather than averaging fold recalls) keeps classes that are missing from some
        test folds comparable; per-fold values are in :attr:`recall`.

        Returns
        -------
        recall : pandas.DataFrame or list of dict
            One row per pipeline, one column per class name (NaN for a class never tested).
        """
        return _frame(self._recall_rows())

    def _compare_rows(self, baseline) -> list[dict]:
        from scipy import stats

        base = self.names[0] if baseline is None else baseline
        self._check_name(base, "baseline")
        b = np.asarray(self.fold_scores[base], dtype=float)
        rows = []
        for name in self.names:
            if name == base:
                continue
            d = np.asarray(self.fold_scores[name], dtype=float) - b
            p_w = p_t = math.nan
            if d.size > 1 and np.any(d != 0):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        p_w = float(stats.wilcoxon(d).pvalue)
                    except ValueError:
                        pass
                    if np.std(d) > 0:
                        p_t = float(stats.ttest_1samp(d, 0.0).pvalue)
            elif d.size > 1:
                p_w = p_t = 1.0  # identical scores in every fold: no evidence of a difference
            rows.append(
                {
                    "pipeline": name,
                    "baseline": base,
                    "diff_mean": float(np.mean(d)),
                    "diff_std": _std(d),
                    "wins": int(np.sum(d > 0)),
                    "ties": int(np.sum(d == 0)),
                    "losses": int(np.sum(d < 0)),
                    "n_folds": int(d.size),
                    "p_wilcoxon": p_w,
                    "p_ttest": p_t,
                }
            )
        return rows

    def compare(self, baseline=None):
        """Paired per-fold accuracy differences of every pipeline against a baseline.

        For each other pipeline: ``diff_mean`` and ``diff_std`` (``ddof=1``) of
        ``accuracy(pipeline) - accuracy(baseline)`` over folds, the numbers of folds won,
        tied and lost, and two-sided p-values of the paired Wilcoxon signed-rank test
        (``p_wilcoxon``) and the paired t-test (``p_ttest``, a one-sample t-test on the
        differences). With few folds the tests have little power (with 5 folds the Wilcoxon
        p-value cannot go below 0.0625), and folds share training data, so p-values are
        optimistic; read them as a rough guide. They are NaN with one fold, 1.0 when the
        scores are identical in every fold.

        Parameters
        ----------
        baseline : str or None, default=None
            Name of the reference pipeline; ``None`` is the first one.

        Returns
        -------
        comparison : pandas.DataFrame or list of dict
            One row per pipeline other than the baseline.
        """
        return _frame(self._compare_rows(baseline))

    # -- writers ----------------------------------------------------------------------------
    def to_markdown(self, baseline=None) -> str:
        """The results as Markdown: summary, per-class recall and comparison tables.

        Accuracy and F1 are percentages; "accuracy" is ``mean ± std`` over folds (``ddof=1``).

        Parameters
        ----------
        baseline : str or None, default=None
            Reference of the comparison table (``None``: the first pipeline).

        Returns
        -------
        markdown : str
        """
        n_rows = len(self.mask)
        n_used = int(np.count_nonzero(self.mask))
        parts = [
            f"{n_used} of {n_rows} clips used, {self.n_folds} folds; accuracy is mean ± std "
            "over folds (%, std with ddof=1); seconds are summed over folds; 'prefix s' is the "
            "data-independent front of the pipeline, computed once for all folds; 'peak +MB' is "
            "the largest rise of resident memory during one fold's fit and predict.",
            "",
        ]
        folds = [f"fold {k + 1}" for k in range(self.n_folds)]
        header = ["pipeline", "accuracy", *folds, "macro-F1", "fit s", "predict s"]
        header += ["prefix s", "peak +MB"]
        rows = []
        for r in self._summary_rows():
            std = r["accuracy_std"]
            acc = _pct(r["accuracy_mean"], 2)
            acc += f" ± {_pct(std, 2)}" if np.isfinite(std) else ""
            rows.append(
                [
                    r["pipeline"],
                    acc,
                    *[_pct(r[f"fold_{k + 1}"]) for k in range(self.n_folds)],
                    _pct(r["f1_macro_mean"], 2),
                    _num(r["fit_s"], ".1f"),
                    _num(r["predict_s"], ".1f"),
                    _num(r["prefix_s"], ".1f"),
                    _num(r["peak_memory_mb"], ".1f"),
                ]
            )
        parts += ["### Accuracy", "", _md_table(header, rows), ""]
        names = [str(c) for c in self.target_names]
        rec = [[r["pipeline"], *[_pct(r[c]) for c in names]] for r in self._recall_rows()]
        parts += ["### Per-class recall (%, pooled over folds)", ""]
        parts += [_md_table(["pipeline", *names], rec), ""]
        if len(self.names) > 1:
            cmp_rows = self._compare_rows(baseline)
            base = cmp_rows[0]["baseline"]
            rows = [
                [
                    r["pipeline"],
                    f"{_pct(r['diff_mean'], 2)} ± {_pct(r['diff_std'], 2)}",
                    f"{r['wins']}/{r['ties']}/{r['losses']}",
                    _num(r["p_wilcoxon"], ".3g"),
                    _num(r["p_ttest"], ".3g"),
                ]
                for r in cmp_rows
            ]
            header = ["pipeline", "Δ accuracy (pp)", "won/tied/lost", "p (Wilcoxon)"]
            header.append("p (paired t)")
            parts += [f"### Paired comparison with `{base}` (per-fold accuracy differences)", ""]
            parts += [_md_table(header, rows), ""]
        return "\n".join(parts)

    def _fold_rows(self) -> list[dict]:
        rows = []
        for name in self.names:
            for k in range(self.n_folds):
                row = {
                    "pipeline": name,
                    "fold": k + 1,
                    "n_test": int(np.count_nonzero(self.test_fold == k)),
                    "accuracy": float(self.fold_scores[name][k]),
                    "f1_macro": float(self.f1_scores[name][k]),
                    "fit_s": float(self.fit_time[name][k]),
                    "predict_s": float(self.predict_time[name][k]),
                    "peak_memory_mb": float(self.peak_memory[name][k]),
                }
                for c, value in zip(self.target_names, self.recall[name][k], strict=True):
                    row[f"recall_{c}"] = float(value)
                rows.append(row)
        return rows

    def to_csv(self, path) -> None:
        """Write one row per pipeline and fold (fold numbered from 1).

        Columns: ``pipeline``, ``fold``, ``n_test``, ``accuracy``, ``f1_macro``, ``fit_s``,
        ``predict_s``, ``peak_memory_mb``, then ``recall_<class>`` for every class.

        Parameters
        ----------
        path : str or os.PathLike
            Output file.
        """
        rows = self._fold_rows()
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    def to_dict(self) -> dict:
        """Summary, per-fold rows, per-class recall and comparison as JSON-ready data."""
        return _json_safe(
            {
                "names": self.names,
                "target_names": [str(c) for c in self.target_names],
                "n_rows": len(self.mask),
                "n_used": int(np.count_nonzero(self.mask)),
                "summary": self._summary_rows(),
                "folds": self._fold_rows(),
                "per_class_recall": self._recall_rows(),
                "compare": self._compare_rows(None) if len(self.names) > 1 else [],
                "times": self.times,
                "failed_files": [
                    {"index": i, "path": p, "reason": r}
                    for i, p, r in getattr(self.load_report, "errors", [])
                ],
            }
        )

    def save(self, out_dir) -> dict:
        """Write ``results.md``, ``results.csv``, ``results.json`` and ``oof.npz`` to a folder.

        ``oof.npz`` holds ``target``, ``mask``, ``test_fold`` and, per pipeline ``i`` (in
        the order of ``names``), ``pred_i`` and ``proba_i`` (when available).

        Parameters
        ----------
        out_dir : str or os.PathLike
            Folder, created if needed.

        Returns
        -------
        paths : dict of str to str
            The written files by kind (``"md"``, ``"csv"``, ``"json"``, ``"npz"``).
        """
        out_dir = os.fspath(out_dir)
        os.makedirs(out_dir, exist_ok=True)
        paths = {
            k: os.path.join(out_dir, f)
            for k, f in (
                ("md", "results.md"),
                ("csv", "results.csv"),
                ("json", "results.json"),
                ("npz", "oof.npz"),
            )
        }
        with open(paths["md"], "w", encoding="utf-8") as f:
            f.write(self.to_markdown())
        self.to_csv(paths["csv"])
        with open(paths["json"], "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=1)
        arrays = {"target": self.target, "mask": self.mask, "test_fold": self.test_fold}
        arrays["names"] = np.asarray(self.names, dtype=str)
        for i, name in enumerate(self.names):
            arrays[f"pred_{i}"] = self.oof_pred[name]
            if self.oof_proba[name] is not None:
                arrays[f"proba_{i}"] = self.oof_proba[name]
        np.savez_compressed(paths["npz"], **arrays)
        return paths

    def __repr__(self) -> str:
        accs = ", ".join(f"{n}: {100 * np.mean(self.fold_scores[n]):.1f}%" for n in self.names)
        return (
            f"EvaluationResult({len(self.names)} pipelines, {self.n_folds} folds, "
            f"{int(np.count_nonzero(self.mask))}/{len(self.mask)} clips; accuracy {accs})"
        )

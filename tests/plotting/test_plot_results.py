"""plot_confusion_matrix, plot_per_class_accuracy and plot_feature_importance on Agg."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from specsk.evaluation import EvaluationResult  # noqa: E402
from specsk.plotting import (  # noqa: E402
    plot_confusion_matrix,
    plot_feature_importance,
    plot_per_class_accuracy,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _result():
    """Two pipelines, three classes, two folds; row 9 was dropped (unreadable)."""
    target = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    test_fold = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, -1])
    good = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, -1])
    bad = np.array([1, 0, 1, 0, 1, 0, 2, 0, 2, -1])
    names = ["good", "bad"]
    recall = {}
    for name, pred in (("good", good), ("bad", bad)):
        rows = []
        for k in range(2):
            sel = test_fold == k
            rows.append(
                [
                    np.mean(pred[sel & (target == c)] == c)
                    if np.any(sel & (target == c))
                    else np.nan
                    for c in range(3)
                ]
            )
        recall[name] = np.array(rows)
    per_pipe = {n: np.zeros(2) for n in names}
    return EvaluationResult(
        names=names,
        fold_scores={"good": np.array([0.8, 0.75]), "bad": np.array([0.4, 0.5])},
        f1_scores=dict(per_pipe),
        recall=recall,
        oof_pred={"good": good, "bad": bad},
        oof_proba={"good": None, "bad": None},
        fit_time=dict(per_pipe),
        predict_time=dict(per_pipe),
        peak_memory=dict(per_pipe),
        target=target,
        target_names=["dog", "cat", "bird"],
        mask=test_fold >= 0,
        test_fold=test_fold,
    )


def _pooled_recall(res, name):
    """Recall of every class over the tested rows (what per_class_recall() tabulates)."""
    tested = res.test_fold >= 0
    pred, y = res.oof_pred[name][tested], res.target[tested]
    return np.array([np.mean(pred[y == c] == c) for c in range(len(res.target_names))])


# -- confusion matrix ------------------------------------------------------------------------
def test_confusion_matrix_from_result():
    from sklearn.metrics import confusion_matrix

    res = _result()
    ax = plot_confusion_matrix(res, pipeline="good", normalize=None)
    tested = res.test_fold >= 0
    expected = confusion_matrix(res.target[tested], res.oof_pred["good"][tested], labels=[0, 1, 2])
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert [t.get_text() for t in ax.texts] == [str(v) for v in expected.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["dog", "cat", "bird"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dog", "cat", "bird"]
    assert ax.get_title() == "good"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert ax.images[0].colorbar.ax.get_ylabel() == "count"
    # row-normalised: the diagonal is the per-class recall
    ax = plot_confusion_matrix(res, pipeline="bad", colorbar=False)
    cm = ax.images[0].get_array()
    np.testing.assert_allclose(np.diag(cm), _pooled_recall(res, "bad"))
    np.testing.assert_allclose(cm.sum(axis=1), 1.0)
    assert ax.texts[0].get_text() == f"{cm[0, 0]:.2f}" and len(ax.figure.axes) == 1
    # a subset of classes, in the given order
    ax = plot_confusion_matrix(res, pipeline="good", labels=["bird", "dog"], normalize=None)
    assert ax.images[0].get_array().shape == (2, 2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["bird", "dog"]
    assert ax.images[0].get_array()[0, 0] == 3  # the three tested birds


def test_confusion_matrix_from_arrays():
    y_true = ["a", "a", "b", "b", "c"]
    y_pred = ["a", "b", "b", "b", "a"]
    ax = plot_confusion_matrix(y_true, y_pred, normalize="all", values_format=".1f")
    assert [t.get_text() for t in ax.texts][:3] == ["0.2", "0.2", "0.0"]
    assert ax.images[0].get_array().sum() == pytest.approx(1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    _, given = plt.subplots()
    assert plot_confusion_matrix(y_true, y_pred, ax=given) is given


def test_confusion_matrix_errors():
    res = _result()
    with pytest.raises(ValueError, match="2 pipelines"):
        plot_confusion_matrix(res)
    with pytest.raises(ValueError, match="pipeline names"):
        plot_confusion_matrix(res, pipeline="svm")
    with pytest.raises(TypeError, match="pipeline must be a pipeline name"):
        plot_confusion_matrix(res, pipeline=["good"])
    with pytest.raises(TypeError, match="y_pred goes with"):
        plot_confusion_matrix(res, [0, 1], pipeline="good")
    with pytest.raises(TypeError, match="y_true and y_pred"):
        plot_confusion_matrix([0, 1])
    with pytest.raises(TypeError, match="pipeline= selects"):
        plot_confusion_matrix([0, 1], [0, 1], pipeline="good")
    with pytest.raises(ValueError, match="same length"):
        plot_confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="normalize"):
        plot_confusion_matrix([0, 1], [0, 1], normalize="rows")
    with pytest.raises(ValueError, match="not class names"):
        plot_confusion_matrix(res, pipeline="good", labels=["cow"])


# -- per-class accuracy ----------------------------------------------------------------------
def test_per_class_accuracy_compares_pipelines():
    res = _result()
    ax = plot_per_class_accuracy(res)
    from matplotlib.container import BarContainer

    containers = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(containers) == 2 and len(ax.patches) == 6
    for name, bars in zip(res.names, containers, strict=True):
        np.testing.assert_allclose([b.get_height() for b in bars], _pooled_recall(res, name))
        # error bars: std over folds of the per-fold recall
        assert bars.errorbar is not None
        segs = bars.errorbar.lines[2][0].get_segments()
        half = [abs(s[1, 1] - s[0, 1]) / 2 for s in segs]
        np.testing.assert_allclose(half, np.nanstd(res.recall[name], axis=0, ddof=1))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["good", "bad"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["dog", "cat", "bird"]
    assert ax.get_ylim() == (0.0, 1.05)
    # bars of one class sit side by side around its tick
    x = [b.get_x() + b.get_width() / 2 for b in ax.patches]
    assert x[0] < 0 < x[3] and x[1] < 1 < x[4]
    # the dashed lines are the mean over classes (balanced accuracy)
    means = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(means) == 2
    for name, line in zip(res.names, means, strict=True):
        assert line.get_ydata()[0] == pytest.approx(_pooled_recall(res, name).mean())


def test_per_class_accuracy_single_and_arrays():
    res = _result()
    ax = plot_per_class_accuracy(res, pipeline="bad", error_bars=False, labels=["cat"])
    assert len(ax.patches) == 1 and ax.get_title() == "bad" and ax.get_legend() is None
    assert ax.containers[0].errorbar is None
    ax = plot_per_class_accuracy([1, 1, 2, 2, 3], [1, 2, 2, 2, 1], labels=[2, 1])
    assert [float(p.get_height()) for p in ax.patches] == [1.0, 0.5]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "1"]
    # a class that is never true has no height (NaN), not zero
    ax = plot_per_class_accuracy([1, 1], [1, 2])
    assert np.isnan(ax.patches[1].get_height())
    with pytest.raises(ValueError, match="pipeline names"):
        plot_per_class_accuracy(res, pipeline=["good", "svm"])


# -- feature importance ----------------------------------------------------------------------
def test_feature_importance_from_values():
    values = np.array([0.1, -0.7, 0.3, 0.05])
    ax = plot_feature_importance(values, ["a", "b", "c", "d"], top=3)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "c", "b"]  # largest on top
    assert [p.get_width() for p in ax.patches] == pytest.approx([0.1, 0.3, -0.7])
    assert ax.get_title() == "top 3 of 4 features" and ax.get_xlabel() == "value"
    assert len(ax.lines) == 1  # the zero line, for negative values
    pd = pytest.importorskip("pandas")
    ax = plot_feature_importance(pd.Series([2.0, 1.0], index=["x", "y"]), top=None)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["y", "x"]
    ax = plot_feature_importance([1.0, 2.0], xlabel="gain")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x0", "x1"] and not ax.lines
    assert ax.get_xlabel() == "gain"


def test_feature_importance_from_fitted_pipeline():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from specsk.features import TemporalStats

    rng = np.random.default_rng(0)
    S = rng.standard_normal((30, 4, 12)).astype(np.float32)
    y = np.repeat([0, 1, 2], 10)
    S[y == 1, 2] += 2.0
    pipe = make_pipeline(
        TemporalStats(stats=("mean", "std")), StandardScaler(), LogisticRegression()
    )
    pipe.fit(S, y)
    names = pipe[:-1].get_feature_names_out()
    ax = plot_feature_importance(pipe, top=5)
    coef = np.abs(pipe[-1].coef_).mean(axis=0)
    order = np.argsort(-coef)[:5][::-1]
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(names[i]) for i in order]
    assert [p.get_width() for p in ax.patches] == pytest.approx(coef[order])
    assert ax.get_xlabel() == "mean |coefficient| over classes"
    # a binary linear model: signed coefficients
    binary = make_pipeline(TemporalStats(stats=("mean",)), LogisticRegression()).fit(S[:20], y[:20])
    ax = plot_feature_importance(binary, top=None)
    assert ax.get_xlabel() == "coefficient" and len(ax.patches) == 4
    # a tree ensemble inside a search, with given names
    search = GridSearchCV(
        make_pipeline(
            TemporalStats(stats=("mean",)), RandomForestClassifier(n_estimators=5, random_state=0)
        ),
        {"randomforestclassifier__max_depth": [2]},
        cv=2,
    ).fit(S, y)
    ax = plot_feature_importance(search, feature_names=list("abcd"))
    imp = search.best_estimator_[-1].feature_importances_
    assert ax.get_xlabel() == "importance"
    assert ax.get_yticklabels()[-1].get_text() == "abcd"[int(np.argmax(imp))]


def test_feature_importance_errors():
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    with pytest.raises(ValueError, match="fit it first"):
        plot_feature_importance(LogisticRegression())
    svc = SVC().fit(np.random.default_rng(0).standard_normal((10, 2)), np.repeat([0, 1], 5))
    with pytest.raises(ValueError, match="neither feature_importances_ nor coef_"):
        plot_feature_importance(svc)
    with pytest.raises(ValueError, match="3 feature names for 2 values"):
        plot_feature_importance([1.0, 2.0], ["a", "b", "c"])
    with pytest.raises(ValueError, match="NaN"):
        plot_feature_importance([1.0, np.nan])
    with pytest.raises(ValueError, match="1-D"):
        plot_feature_importance(np.ones((2, 2)))
    with pytest.raises(ValueError, match="top"):
        plot_feature_importance([1.0], top=0)
    with pytest.raises(TypeError, match="fitted estimator or an array"):
        plot_feature_importance("importances")
    with pytest.raises(TypeError, match="numbers"):
        plot_feature_importance(["a", "b"])

"""specsk.io: skops files without pickle, trust rules, torch weights as arrays, metadata."""

import fractions
import io
import json
import pickle
import zipfile

import joblib
import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import specsk
from specsk.exceptions import ModelVersionWarning, UntrustedTypesError
from specsk.features import GLCMFeatures
from specsk.io import load_model, model_info, save_model
from specsk.spectrogram import MelSpectrogram, PowerToDb

SR = 8000


def clips(n=12, duration=0.25, seed=0):
    """Short tones, low or high: a learnable two-class problem."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration * SR)) / SR
    y = np.array(["low", "high"] * (n // 2))
    f = np.where(y == "low", 300.0, 1500.0)[:, None]
    X = np.sin(2 * np.pi * f * t) + 0.1 * rng.standard_normal((n, t.size))
    return X.astype(np.float32), y


def front_end():
    return [MelSpectrogram(sr=SR, n_fft=256, hop_length=64, n_mels=16), PowerToDb()]


@pytest.fixture(scope="module")
def classical():
    X, y = clips()
    pipe = make_pipeline(
        *front_end(), GLCMFeatures(levels=8), StandardScaler(), LogisticRegression()
    )
    return pipe.fit(X, y), X


@pytest.fixture(scope="module")
def classical_file(classical, tmp_path_factory):
    return save_model(classical[0], tmp_path_factory.mktemp("m") / "classical.skops")


# -- editing a saved file -------------------------------------------------------------------
def rewrite(path, out, edit_schema=None, edit_meta=None):
    """Copy the zip at ``path`` to ``out`` with its schema and/or metadata edited."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "schema.json" and edit_schema:
                data = json.dumps(edit_schema(json.loads(data))).encode()
            if item.filename == "specsk_metadata.json" and edit_meta:
                data = json.dumps(edit_meta(json.loads(data))).encode()
            dst.writestr(item, data)
    return out


def node_of(obj, key):
    """The skops schema node of ``obj[key]`` (obj a dict), and of its key's type."""
    with zipfile.ZipFile(io.BytesIO(skops.io.dumps(obj))) as zf:
        schema = json.loads(zf.read("schema.json"))
    return schema["content"][key], schema["key_types"]["content"][0]


def find_object(node, class_name):
    if isinstance(node, dict):
        if node.get("__class__") == class_name and node.get("__loader__") == "ObjectNode":
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        hit = find_object(child, class_name)
        if hit is not None:
            return hit
    return None


def inject_fraction(schema):
    """Give the LogisticRegression an attribute holding the type fractions.Fraction."""
    value, key_type = node_of({"injected": fractions.Fraction}, "injected")
    attrs = find_object(schema, "LogisticRegression")["content"]
    attrs["content"]["injected"] = value
    attrs["key_types"]["content"].append(key_type)
    return schema


@pytest.fixture
def no_unpickling(monkeypatch):
    """Make every unpickling entry point (and torch.load) fail loudly."""

    def forbidden(*args, **kwargs):
        raise AssertionError("load_model unpickled something")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(joblib, "load", forbidden)
    torch = __import__("sys").modules.get("torch")
    if torch is not None:
        monkeypatch.setattr(torch, "load", forbidden)


# -- classical pipelines ----------------------------------------------------------------------
def test_classical_round_trip_is_exact(classical, classical_file, no_unpickling):
    pipe, X = classical
    loaded = load_model(classical_file)
    assert loaded is not pipe
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    assert [name for name, _ in loaded.steps] == [name for name, _ in pipe.steps]


def test_file_is_a_skops_zip_without_pickles(classical_file):
    with zipfile.ZipFile(classical_file) as zf:
        names = zf.namelist()
        assert "schema.json" in names and "specsk_metadata.json" in names
        for name in names:
            if name.endswith(".npy"):  # arrays are .npy without object dtype
                arr = np.load(io.BytesIO(zf.read(name)), allow_pickle=False)
                assert arr.dtype != object
    assert skops.io.get_untrusted_types(file=classical_file) == sorted(
        [
            "specsk.features._glcm.GLCMFeatures",
            "specsk.spectrogram._db.PowerToDb",
            "specsk.spectrogram._mel.MelSpectrogram",
        ]
    )


def test_model_info_reads_metadata_without_loading(classical_file, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("model_info loaded the model")

    monkeypatch.setattr(skops.io, "load", forbidden)
    monkeypatch.setattr(skops.io, "get_untrusted_types", forbidden)
    info = model_info(classical_file)
    assert info["classes"] == ["high", "low"]
    assert info["sr"] == SR  # the first step's fitted sr_
    assert info["duration"] is None  # nothing in this pipeline says it
    assert info["estimator"] == "sklearn.pipeline.Pipeline"
    assert info["uses_torch"] is False
    assert info["format_version"] == 1
    import sklearn

    assert info["versions"]["specsk"] == specsk.__version__
    assert info["versions"]["scikit-learn"] == sklearn.__version__
    assert {"torch", "numpy", "skops", "python"} <= set(info["versions"])


def test_metadata_argument_overrides_and_extends(classical, tmp_path):
    pipe = classical[0]
    path = save_model(
        pipe,
        tmp_path / "m.skops",
        metadata={"duration": 0.25, "dataset": "tones", "accuracy": np.float64(0.9)},
    )
    info = model_info(path)
    assert (info["duration"], info["dataset"], info["accuracy"]) == (0.25, "tones", 0.9)
    assert info["classes"] == ["high", "low"]
    with pytest.raises(ValueError, match="reserved"):
        save_model(pipe, tmp_path / "x.skops", metadata={"versions": {}})
    with pytest.raises(TypeError, match="JSON"):
        save_model(pipe, tmp_path / "x.skops", metadata={"model": pipe})
    assert not (tmp_path / "x.skops").exists()


def test_tampered_file_is_refused_then_accepted_when_trusted(classical, classical_file, tmp_path):
    pipe, X = classical
    bad = rewrite(classical_file, tmp_path / "tampered.skops", edit_schema=inject_fraction)
    with pytest.raises(UntrustedTypesError, match=r"fractions\.Fraction") as info:
        load_model(bad)
    assert info.value.types == ["fractions.Fraction"]
    assert isinstance(info.value, ValueError)
    # the user reads the list and accepts it knowingly (by name or as the type)
    for trusted in (["fractions.Fraction"], [fractions.Fraction]):
        loaded = load_model(bad, trusted=trusted)
        assert loaded[-1].injected is fractions.Fraction
        np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    with pytest.raises(TypeError, match="trusted"):
        load_model(bad, trusted=True)


def test_functions_are_not_trusted_by_package(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    # np.save is NumPy's, but a function: a file must not make predict call it
    model = FunctionTransformer(func=np.save)
    path = save_model(model, tmp_path / "f.skops")
    with pytest.raises(UntrustedTypesError) as info:
        load_model(path)
    assert info.value.types == ["numpy.save"]
    assert load_model(path, trusted=["numpy.save"]).func is np.save


class PluginScaler(StandardScaler):
    """Stands for a plugin's estimator."""


SKOPS_TRUSTED = ["fractions.Fraction"]  # what this "plugin module" declares on top


def test_plugins_declare_their_types(classical_file, tmp_path, monkeypatch):
    X, y = clips()
    model = make_pipeline(*front_end(), GLCMFeatures(levels=8), PluginScaler()).fit(X, y)
    path = save_model(model, tmp_path / "plugin.skops")
    bad = rewrite(classical_file, tmp_path / "tampered.skops", edit_schema=inject_fraction)
    with pytest.raises(UntrustedTypesError, match="PluginScaler"):
        load_model(path)
    with pytest.raises(UntrustedTypesError):
        load_model(bad)
    # registered through the specsk.plugins entry points (faked here): trusted
    import specsk.registry

    monkeypatch.setattr(
        specsk.registry, "_plugins", lambda: {"PluginScaler": (PluginScaler, "test")}
    )
    np.testing.assert_array_equal(load_model(path).transform(X), model.transform(X))
    assert load_model(bad)[-1].injected is fractions.Fraction  # via SKOPS_TRUSTED


def test_version_mismatch_warns(classical_file, tmp_path, recwarn):
    def older(meta):
        meta["versions"]["specsk"] = "0.0.1"
        meta["versions"]["torch"] = "1.0.0"  # not checked: this model has no network
        return meta

    path = rewrite(classical_file, tmp_path / "old.skops", edit_meta=older)
    with pytest.warns(ModelVersionWarning, match=r"specsk 0\.0\.1 \(now ") as record:
        load_model(path)
    assert "torch" not in str(record[0].message)
    load_model(classical_file)  # same versions: silent
    assert not [w for w in recwarn if issubclass(w.category, ModelVersionWarning)]


def test_not_a_model_file(tmp_path, classical):
    path = tmp_path / "model.joblib"
    joblib.dump(classical[0], path)
    with pytest.raises(ValueError, match="joblib"):
        load_model(path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.skops")
    plain = tmp_path / "plain.skops"
    skops.io.dump(LogisticRegression(), plain)
    with pytest.raises(ValueError, match="no specsk metadata"):
        model_info(plain)
    assert isinstance(load_model(plain), LogisticRegression)  # same trust checks


# -- torch networks ---------------------------------------------------------------------------
def _torch():
    pytest.importorskip("skorch")
    return pytest.importorskip("torch")


TINY = {"module__n_filters": 4, "module__n_blocks": 2, "batch_size": 8, "max_epochs": 1}


@pytest.fixture(scope="module")
def cnn_pipeline():
    torch = _torch()
    from specsk.nn import SpectrogramCNNClassifier

    torch.set_num_threads(1)
    X, y = clips(n=16)
    pipe = make_pipeline(*front_end(), SpectrogramCNNClassifier(**TINY))
    return pipe.fit(X, y), X


def test_cnn_round_trip_stores_weights_as_arrays(cnn_pipeline, tmp_path, no_unpickling):
    torch = _torch()
    pipe, X = cnn_pipeline
    path = save_model(pipe, tmp_path / "cnn.skops")
    net = pipe[-1]
    assert isinstance(net.module_, torch.nn.Module)  # the caller's model is left as it was
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    lnet = loaded[-1]
    assert type(lnet) is type(net) and lnet.module_ is not net.module_
    assert lnet.input_shape_ == net.input_shape_
    np.testing.assert_array_equal(lnet.classes_, net.classes_)
    assert len(lnet.history_) == len(net.history_) == 1
    for key, value in net.module_.state_dict().items():
        torch.testing.assert_close(lnet.module_.state_dict()[key], value, rtol=0, atol=0)
    # the weights are .npy arrays in the zip, and nothing is a pickle or torch file
    with zipfile.ZipFile(path) as zf:
        sizes = [np.load(io.BytesIO(zf.read(n))).size for n in zf.namelist() if n.endswith("npy")]
    n_weights = sum(v.numel() for v in net.module_.state_dict().values())
    assert sum(sizes) >= n_weights
    info = model_info(path)
    assert info["uses_torch"] is True and info["classes"] == ["high", "low"]
    assert info["versions"]["torch"] == torch.__version__
    # a loaded network refits like any other
    from sklearn.base import clone

    assert clone(loaded).fit(X, np.array(["a", "b"] * 8)).predict(X[:2]).shape == (2,)


def test_network_classes_are_checked(tmp_path, monkeypatch):
    _torch()
    import sys

    from specsk.nn import SpectrogramCNNClassifier

    class MyNet(SpectrogramCNNClassifier):
        pass

    # importable by its name, as a class of the user's own package would be
    monkeypatch.setattr(sys.modules[__name__], "MyNet", MyNet, raising=False)
    X, y = clips(n=16)
    S = make_pipeline(*front_end()).fit_transform(X)
    net = MyNet(**TINY).fit(S, y)
    path = save_model(net, tmp_path / "mynet.skops")
    with pytest.raises(UntrustedTypesError, match="MyNet") as info:
        load_model(path)
    assert info.value.types == [f"{__name__}.MyNet"]
    loaded = load_model(path, trusted=[MyNet])
    assert type(loaded) is MyNet
    np.testing.assert_array_equal(loaded.predict_proba(S), net.predict_proba(S))


def test_torch_version_mismatch_warns(cnn_pipeline, tmp_path):
    _torch()
    path = save_model(cnn_pipeline[0], tmp_path / "cnn.skops")

    def older(meta):
        meta["versions"]["torch"] = "1.0.0"
        return meta

    old = rewrite(path, tmp_path / "old.skops", edit_meta=older)
    with pytest.warns(ModelVersionWarning, match=r"torch 1\.0\.0"):
        load_model(old)


def test_torch_objects_outside_networks_are_refused(tmp_path):
    torch = _torch()
    scaler = StandardScaler()
    scaler.extra_ = torch.zeros(3)
    with pytest.raises(TypeError, match=r"torch Tensor at model\.extra_"):
        save_model(scaler, tmp_path / "t.skops")
    assert not list(tmp_path.iterdir())


def test_unfitted_recipes_round_trip(tmp_path):
    _torch()
    from specsk.recipes import get_recipe

    recipe = get_recipe("finetune_cnn", sr=SR, duration=0.5, max_epochs=1)
    loaded = load_model(save_model(recipe, tmp_path / "ft.skops"))
    assert loaded.get_params()["spectrogramcnnclassifier__max_epochs"] == 1
    net, lnet = recipe[-1], loaded[-1]
    assert lnet.get_params(deep=False).keys() == net.get_params(deep=False).keys()
    assert [type(cb) for _, cb in lnet.callbacks] == [type(cb) for _, cb in net.callbacks]
    assert lnet.augment.get_params() == net.augment.get_params()
    assert (lnet.train_split.cv, lnet.criterion) == (net.train_split.cv, net.criterion)
    assert model_info(tmp_path / "ft.skops")["duration"] == 0.5


def test_nets_nested_in_hybrids_and_fragments(tmp_path, no_unpickling):
    _torch()
    from sklearn.pipeline import make_union

    from specsk.nn import FragmentClassifier, NetTransformer, SpectrogramCNNClassifier

    rng = np.random.default_rng(0)
    S = rng.random((16, 16, 24), dtype=np.float32)
    y = np.repeat([0, 1], 8)
    S[y == 1, 4:6] += 2
    hybrid = make_pipeline(
        make_union(NetTransformer(SpectrogramCNNClassifier(**TINY)), GLCMFeatures(levels=8)),
        LogisticRegression(),
    ).fit(S, y)
    prefit = NetTransformer(SpectrogramCNNClassifier(**TINY).fit(S, y), prefit=True).fit(S, y)
    fragments = FragmentClassifier(SpectrogramCNNClassifier(**TINY), fragment_length=12)
    fragments.fit(S, y)
    hybrid_, prefit_, fragments_ = load_model(
        save_model([hybrid, prefit, fragments], tmp_path / "many.skops")
    )
    np.testing.assert_array_equal(hybrid_.predict_proba(S), hybrid.predict_proba(S))
    np.testing.assert_array_equal(prefit_.transform(S), prefit.transform(S))
    assert prefit_.net is prefit_.net_  # one network, saved once, shared again
    np.testing.assert_array_equal(fragments_.predict_proba(S), fragments.predict_proba(S))

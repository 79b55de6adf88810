"""The README's workflow from the command line: folder -> evaluate -> train -> predict, and the
other commands (extract, show, recipes, plugins) with their error handling."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from specsk.cli import main
from specsk.datasets import make_sounds

SR = 8000
SPEC = """\
duration: 0.5
steps:
  - MelSpectrogram: {n_fft: 256, hop_length: 64, n_mels: 24}
  - PowerToDb
  - TemporalStats
  - sklearn.preprocessing.StandardScaler
  - sklearn.linear_model.LogisticRegression: {C: 1.0}
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Three classes of synthetic sounds, 8 clips each, three "speakers", plus one
    broken file."""
    root = tmp_path_factory.mktemp("recordings")
    X, y, names = make_sounds(
        3, 8, sr=SR, duration=0.5, noise=0.3, random_state=0, return_names=True
    )
    for i, (clip, label) in enumerate(zip(X, y, strict=True)):
        d = root / names[label]
        d.mkdir(exist_ok=True)
        sf.write(d / f"s{i % 3}_{i}.wav", clip, SR)
    (root / names[0] / "s0_broken.wav").write_bytes(b"RIFF not really a wav")
    return root, names


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "mel_stats.yaml"
    path.write_text(SPEC)
    return path


def test_evaluate_writes_report_and_confusion_png(folder, spec, tmp_path, capsys):
    root, _ = folder
    out = tmp_path / "report"
    rc = main(
        [
            "evaluate",
            str(root),
            "--pipeline",
            str(spec),
            "--cv",
            "3",
            "--out",
            str(out),
            "--group-pattern",
            r"^(s\d)_",
            "-q",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "mel_stats" in text and "accuracy" in text
    for f in ("results.md", "results.csv", "results.json", "confusion_mel_stats.png"):
        assert (out / f).is_file(), f
    result = json.loads((out / "results.json").read_text())
    (row,) = result["summary"]
    assert row["pipeline"] == "mel_stats" and result["n_used"] == 24  # the broken file left out
    assert row["accuracy_mean"] > 0.6  # 3 classes: chance is 1/3
    import matplotlib.image

    img = matplotlib.image.imread(out / "confusion_mel_stats.png")
    assert img.ndim == 3 and img.shape[0] > 200


def test_train_then_predict_files_and_windows(folder, spec, tmp_path, capsys):
    root, names = folder
    model = tmp_path / "model.skops"
    assert main(["train", str(root), "--pipeline", str(spec), "-o", str(model), "-q"]) == 0
    assert model.is_file()
    err = capsys.readouterr().err
    assert "1 unreadable" in err or "broken.wav" in err

    preds = tmp_path / "pred.csv"
    assert main(["predict", str(model), str(root), "-o", str(preds), "-q"]) == 0
    rows = list(csv.DictReader(preds.open()))
    assert len(rows) == 25  # 24 clips and the broken file, with its reason
    bad = [r for r in rows if r["error"]]
    assert len(bad) == 1 and bad[0]["path"].endswith("broken.wav")
    good = [r for r in rows if not r["error"]]
    truth = [r["path"].split("/")[-2] for r in good]
    hits = np.mean([r["label"] == t for r, t in zip(good, truth, strict=True)])
    assert hits > 0.8  # trained on these very clips
    p = np.array([[float(r[f"p_{c}"]) for c in names] for r in good])
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)

    # a long recording cut into 0.5 s windows: one row per window with start and end
    long = tmp_path / "long.wav"
    sf.write(long, np.concatenate(make_sounds(3, 1, sr=SR, duration=0.5, random_state=1)[0]), SR)
    win = tmp_path / "win.csv"
    assert main(["predict", str(model), str(long), "--window", "0.5", "-o", str(win)]) == 0
    rows = list(csv.DictReader(win.open()))
    assert [(r["start_s"], r["end_s"]) for r in rows] == [
        ("0.000", "0.500"),
        ("0.500", "1.000"),
        ("1.000", "1.500"),
    ]


def test_extract_writes_rows_and_mask(folder, tmp_path, capsys):
    root, _ = folder
    spec = tmp_path / "features.json"
    spec.write_text(
        json.dumps(
            {
                "duration": 0.5,
                "steps": [
                    {"MelSpectrogram": {"n_fft": 256, "hop_length": 64, "n_mels": 16}},
                    "PowerToDb",
                    "TemporalStats",
                ],
            }
        )
    )
    out = tmp_path / "features.npy"
    assert (
        main(
            [
                "extract",
                str(root),
                "--pipeline",
                str(spec),
                "-o",
                str(out),
                "-q",
                "--chunk-size",
                "7",
            ]
        )
        == 0
    )
    F = np.load(out)
    assert F.shape[0] == 25 and F.shape[1] > 16
    mask = np.load(tmp_path / "features.mask.npy")
    assert mask.sum() == 24 and np.isfinite(F[mask]).all() and np.isnan(F[~mask]).all()
    errors = list(csv.DictReader((tmp_path / "features.errors.csv").open()))
    assert len(errors) == 1 and errors[0]["path"].endswith("broken.wav")


def test_show_gallery_by_class(folder, tmp_path):
    root, _ = folder
    png = tmp_path / "gallery.png"
    assert main(["show", str(root), "--n-per-class", "2", "-o", str(png)]) == 0
    import matplotlib.image

    assert matplotlib.image.imread(png).shape[0] > 300


def test_recipes_and_plugins(capsys):
    assert main(["recipes"]) == 0
    assert "texture_svm" in capsys.readouterr().out
    assert main(["plugins", "--kind", "filter"]) == 0
    out = capsys.readouterr().out
    assert "MedianFilter" in out and "specsk" in out and "MelSpectrogram" not in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["evaluate", "/no/such/folder", "--recipe", "texture_svm"], "does not exist"),
        (["evaluate", "{root}", "--recipe", "nope"], "unknown recipe 'nope'"),
        (["evaluate", "{root}"], "give --recipe"),
        (["evaluate", "{root}", "--pipeline", "{bad}"], "unknown parameter 'nfft'"),
        (["evaluate", "{root}", "--pipeline", "{spec}", "--cv", "1"], "at least 2 folds"),
        (
            ["evaluate", "{root}", "--pipeline", "{spec}", "--pipeline", "{spec16k}"],
            "different sample rates",
        ),
        (["evaluate", "{root}", "--pipeline", "{spec}", "--cv", "x"], "'official' or a number"),
        (["predict", "{root}/nothing.skops", "{root}"], "nothing.skops"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_code_2(argv, message, folder, spec, tmp_path, capsys):
    root, _ = folder
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - MelSpectrogram: {nfft: 256}\n")
    spec16k = tmp_path / "at16k.yaml"
    spec16k.write_text("sr: 16000\n" + SPEC)
    spec8k = tmp_path / "at8k.yaml"
    spec8k.write_text(f"sr: {SR}\n" + SPEC)
    argv = [a.format(root=root, bad=bad, spec=spec8k, spec16k=spec16k) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_bad_option_exits_2_and_version():
    out = subprocess.run(
        [sys.executable, "-m", "specsk", "plugins", "--kind", "bogus"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and "invalid choice" in out.stderr
    out = subprocess.run(
        [sys.executable, "-m", "specsk", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("specsk ")


@pytest.mark.parametrize("lang", ["yaml", "json"])
def test_docs_spec_examples_build_and_fit(lang, tmp_path):
    import re
    import warnings
    from pathlib import Path

    from specsk.spec import load_spec
    from specsk.utils import SignalList

    docs = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    (block,) = [b for b in re.findall(rf"```{lang}\n(.*?)```", docs, flags=re.S) if "steps" in b]
    path = tmp_path / f"example.{lang}"
    path.write_text(block)
    spec = load_spec(path)
    sr = spec.sr or SR
    X, y = make_sounds(2, 6, sr=int(sr), duration=0.7, noise=0.2, random_state=0)
    clips = SignalList(list(X), sr=sr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = spec.pipeline.fit(clips, y)
        assert model.score(clips, y) > 0.8

"""The command line: ``specsk demo`` and ``specsk list``."""

import io
import subprocess
import sys

from specsk.cli import demo, main


def test_demo_prints_a_table_above_chance():
    buf = io.StringIO()
    results = demo(n_per_class=8, n_splits=2, out=buf)
    text = buf.getvalue()
    assert "accuracy" in text and "MFCC" in text and "GLCM" in text
    assert len(results) == 3
    for mean, std, secs in results.values():
        assert 0.4 < mean <= 1.0  # 8 classes: chance is 0.125
        assert std >= 0 and secs > 0


def test_list_names_registered_estimators(capsys):
    assert main(["list", "--kind", "spectrogram"]) == 0
    out = capsys.readouterr().out
    assert "MelSpectrogram" in out and "waveform" in out


def test_console_script_help():
    out = subprocess.run(
        [sys.executable, "-m", "specsk.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "demo" in out.stdout and "list" in out.stdout

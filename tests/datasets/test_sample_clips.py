"""The real recordings shipped as package data: load_sample_clips."""

import fnmatch
import re
from pathlib import Path

import numpy as np
import pytest

from specsk.datasets import SAMPLE_CLIPS, load_sample_clips
from specsk.utils import get_metadata

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "specsk" / "datasets" / "data"


def test_all_clips_load_at_the_native_rate():
    clips = load_sample_clips()
    assert clips.sr == 22050
    assert clips.data.shape == (len(SAMPLE_CLIPS), 2 * 22050)
    assert clips.data.dtype == np.float32
    assert get_metadata(clips.data)["sr"] == 22050
    assert clips.names.tolist() == list(SAMPLE_CLIPS) == clips.target_names.tolist()
    np.testing.assert_array_equal(clips.target, np.arange(len(SAMPLE_CLIPS)))
    assert all(Path(p).is_file() for p in clips.paths)
    # real sound, not silence; within full scale
    assert np.all(np.abs(clips.data).max(axis=1) > 0.05)
    assert np.all(np.abs(clips.data).max(axis=1) <= 1.0)
    assert [c["name"] for c in clips.credits] == list(SAMPLE_CLIPS)
    assert all(c["license"].startswith(("CC0", "CC-BY", "CC BY")) for c in clips.credits)


def test_subset_order_and_resampling():
    clips = load_sample_clips(["rain", "dog_bark"], sr=8000)
    assert clips.names.tolist() == ["rain", "dog_bark"]
    assert clips.data.shape == (2, 16000) and clips.sr == 8000
    one = load_sample_clips("rooster")
    assert one.data.shape == (1, 44100)
    np.testing.assert_array_equal(one.data[0], load_sample_clips().data[1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"names": "cat"}, "unknown sample clip"),
        ({"names": []}, "names is empty"),
        ({"sr": 0}, "sr must be"),
        ({"sr": "fast"}, "sr must be"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_sample_clips(**kwargs)


def test_every_clip_is_credited_and_shipped():
    """ATTRIBUTION.md names every file, and the package data patterns cover them."""
    text = (DATA / "ATTRIBUTION.md").read_text()
    assert "trimmed" in text and "resampled" in text
    files = sorted(p.name for p in DATA.glob("*.flac"))
    assert files == sorted(f"{n}.flac" for n in SAMPLE_CLIPS)
    for name in files:
        row = next(line for line in text.splitlines() if f"`{name}`" in line)
        assert re.search(r"freesound\.org/people/.+/sounds/\d+", row)
        assert "CC0" in row or "CC BY" in row
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 320_000
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["specsk"]
    for name in [*files, "ATTRIBUTION.md"]:
        rel = f"datasets/data/{name}"
        assert any(fnmatch.fnmatch(rel, pat) for pat in patterns), rel

"""FixedLength / to_fixed_length, split_fragments and merge_fragments: exact small cases."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from specsk.audio import FixedLength, merge_fragments, split_fragments, to_fixed_length


def _clips():
    # 1-based values so padding (0) is distinguishable from samples
    return [np.arange(1, n + 1, dtype=np.float32) for n in (3, 6, 4)]


def test_pad_places_clip_and_pads_with_value():
    out = to_fixed_length(_clips(), length=6, pad_value=-1.0)
    assert out.shape == (3, 6) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0], [1, 2, 3, -1, -1, -1])
    np.testing.assert_array_equal(out[1], [1, 2, 3, 4, 5, 6])
    out = to_fixed_length(_clips(), length=6, align="centre")
    np.testing.assert_array_equal(out[0], [0, 1, 2, 3, 0, 0])
    np.testing.assert_array_equal(out[2], [0, 1, 2, 3, 4, 0])


def test_pad_never_truncates():
    with pytest.raises(ValueError, match=r"mode='pad' never truncates.*clip 1 has 6.*'crop'"):
        to_fixed_length(_clips(), length=5)
    with pytest.raises(ValueError, match="mode='tile' never truncates"):
        to_fixed_length(_clips(), length=5, mode="tile")


def test_crop_start_centre_and_short_clip_error():
    out = to_fixed_length(_clips(), length=3, mode="crop")
    np.testing.assert_array_equal(out, [[1, 2, 3], [1, 2, 3], [1, 2, 3]])
    out = to_fixed_length(_clips(), length=3, mode="crop", align="centre")
    np.testing.assert_array_equal(out, [[1, 2, 3], [2, 3, 4], [1, 2, 3]])
    with pytest.raises(ValueError, match=r"mode='crop' only shortens.*clip 0 has 3.*pad_or_crop"):
        to_fixed_length(_clips(), length=4, mode="crop")


def test_pad_or_crop_and_centre_mode():
    out = to_fixed_length(_clips(), length=4, mode="pad_or_crop")
    np.testing.assert_array_equal(out, [[1, 2, 3, 0], [1, 2, 3, 4], [1, 2, 3, 4]])
    out = to_fixed_length(_clips(), length=4, mode="centre", align="start")  # align ignored
    np.testing.assert_array_equal(out, [[1, 2, 3, 0], [2, 3, 4, 5], [1, 2, 3, 4]])


def test_tile_repeats_clip():
    out = to_fixed_length(_clips(), length=8, mode="tile")
    np.testing.assert_array_equal(out[0], [1, 2, 3, 1, 2, 3, 1, 2])
    np.testing.assert_array_equal(out[2], [1, 2, 3, 4, 1, 2, 3, 4])
    # 2-D input takes the vectorised path and must agree with the list path
    X = np.tile(np.arange(1, 4, dtype=np.float64), (2, 1))
    np.testing.assert_array_equal(to_fixed_length(X, length=8, mode="tile")[1], out[0])
    assert to_fixed_length(X, length=8, mode="tile").dtype == np.float64


def test_random_align_is_seeded_and_in_range():
    clips = [np.ones(3, np.float32)] * 20
    a = to_fixed_length(clips, length=10, align="random", random_state=0)
    b = to_fixed_length(clips, length=10, align="random", random_state=0)
    np.testing.assert_array_equal(a, b)
    assert (a.sum(axis=1) == 3).all()  # the whole clip is always inside
    starts = a.argmax(axis=1)
    assert starts.min() >= 0 and starts.max() <= 7 and len(set(starts)) > 1
    X = np.tile(np.arange(10, dtype=np.float32), (20, 1))
    c = to_fixed_length(X, length=4, mode="crop", align="random", random_state=1)
    np.testing.assert_array_equal(np.diff(c, axis=1), 1)  # contiguous windows
    assert len(set(c[:, 0])) > 1


def test_estimator_learns_max_or_min_length():
    fl = FixedLength().fit(_clips())
    assert fl.length_ == 6 and fl.transform(_clips()).shape == (3, 6)
    assert FixedLength(mode="crop").fit(_clips()).length_ == 3
    with pytest.raises(NotFittedError):
        FixedLength().transform(_clips())
    # a given length makes the step stateless
    assert FixedLength(length=8).transform(_clips()).shape == (3, 8)
    assert FixedLength(duration=0.5, sr=16).transform(_clips()).shape == (3, 8)


def test_estimator_parameter_errors():
    with pytest.raises(ValueError, match=r"either length .* or duration"):
        FixedLength(length=4, duration=1.0, sr=8).fit(_clips())
    with pytest.raises(ValueError, match="duration needs sr"):
        FixedLength(duration=1.0).fit(_clips())
    with pytest.raises(ValueError, match="'length' parameter"):
        to_fixed_length(_clips(), length=0)
    with pytest.raises(ValueError, match="'mode' parameter"):
        to_fixed_length(_clips(), length=4, mode="stretch")
    with pytest.raises(ValueError, match="'pad_value' parameter"):
        to_fixed_length(_clips(), length=8, pad_value=np.nan)


@pytest.mark.parametrize(
    "X, exc, match",
    [
        ([np.ones(4), np.array([1.0, np.nan])], ValueError, "NaN"),
        (np.array([[1.0, np.inf]]), ValueError, "infinity"),
        ([np.ones(4), np.ones(0)], ValueError, "empty clip"),
        (np.ones(5), ValueError, "1-D array"),
        (np.ones((2, 2, 8)), ValueError, "multichannel.*ToMono"),
        ([np.ones((2, 8)), np.ones(3)], ValueError, "Multichannel clips are not accepted"),
        (np.array([["a", "b"]]), TypeError, "real numbers"),
    ],
)
def test_bad_input(X, exc, match):
    with pytest.raises(exc, match=match):
        FixedLength(length=8, mode="pad_or_crop").transform(X)
    with pytest.raises(exc, match=match):
        to_fixed_length(X, length=8, mode="pad_or_crop")


# -- fragments ---------------------------------------------------------------------------------
def test_split_fragments_exact():
    x = np.arange(1, 11, dtype=np.float32)  # 10 samples
    frags, idx = split_fragments([x, x[:3]], length=4)
    np.testing.assert_array_equal(frags, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 0, 0], [1, 2, 3, 0]])
    np.testing.assert_array_equal(idx, [0, 0, 0, 1])
    frags, idx = split_fragments([x], length=4, hop=3, pad_last=False)
    np.testing.assert_array_equal(frags, [[1, 2, 3, 4], [4, 5, 6, 7], [7, 8, 9, 10]])
    with pytest.raises(ValueError, match="give no complete fragment with pad_last=False"):
        split_fragments([x, x[:3]], length=4, pad_last=False)


def test_split_fragments_matches_a_reference_loop():
    rng = np.random.default_rng(0)
    clips = [rng.standard_normal(n).astype(np.float32) for n in (100, 37, 100, 64, 5)]
    length, hop = 16, 10
    frags, idx = split_fragments(clips, length=length, hop=hop)
    ref, ref_idx = [], []
    for i, c in enumerate(clips):
        start = 0
        while True:
            seg = c[start : start + length]
            ref.append(np.pad(seg, (0, length - len(seg))))
            ref_idx.append(i)
            if start + length >= len(c):
                break
            start += hop
    np.testing.assert_array_equal(frags, np.array(ref))
    np.testing.assert_array_equal(idx, ref_idx)
    # the rectangular path gives the same as the ragged path
    X = np.stack([clips[0], clips[2]])
    f2, _i2 = split_fragments(X, length=length, hop=hop)
    np.testing.assert_array_equal(f2, frags[(idx == 0) | (idx == 2)])


def test_merge_fragments():
    idx = np.array([0, 0, 1, 1, 1])
    proba = np.array([[0.8, 0.2], [0.6, 0.4], [0.1, 0.9], [0.3, 0.7], [0.2, 0.8]])
    np.testing.assert_allclose(merge_fragments(proba, idx), [[0.7, 0.3], [0.2, 0.8]])
    np.testing.assert_allclose(merge_fragments(proba, idx, method="max"), [[0.8, 0.4], [0.3, 0.9]])
    labels = np.array(["a", "b", "b", "b", "a"])
    assert merge_fragments(labels, idx, method="vote").tolist() == ["a", "b"]  # tie -> smallest
    with pytest.raises(ValueError, match="clips without fragments: \\[1\\]"):
        merge_fragments(proba[:2], idx[:2], n_clips=2)
    with pytest.raises(ValueError, match="one entry per row"):
        merge_fragments(proba, idx[:3])
    with pytest.raises(ValueError, match="method must be"):
        merge_fragments(proba, idx, method="median")

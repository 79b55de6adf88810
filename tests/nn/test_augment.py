"""SpecAugment masks, time shift and mixup (specsk.nn._augment)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402

from specsk.nn import Augment, SpectrogramCNNClassifier  # noqa: E402
from specsk.nn._augment import freq_mask, mixup, random_time_shift, time_mask  # noqa: E402

torch.set_num_threads(1)


def _ones(n=64, c=2, b=20, t=30):
    return torch.ones(n, c, b, t)


def test_freq_mask_zeroes_whole_bins():
    torch.manual_seed(0)
    out = freq_mask(_ones(), n_masks=1, max_width=5)
    zero_bins = (out == 0).all(dim=-1)  # (n, c, b): a masked bin is zero over all frames
    assert ((out == 0) == zero_bins[..., None]).all(), "masks must cover whole bins"
    assert (zero_bins[:, 0] == zero_bins[:, 1]).all(), "same mask on every channel"
    widths = zero_bins[:, 0].sum(-1)
    assert widths.max() <= 5 and widths.min() >= 0
    assert len(torch.unique(widths)) > 3, "widths are random"
    # one mask: the zeroed bins are contiguous
    for row in zero_bins[:, 0]:
        idx = torch.nonzero(row).flatten()
        if len(idx):
            assert idx[-1] - idx[0] + 1 == len(idx)


def test_time_mask_counts_and_bounds():
    torch.manual_seed(1)
    out = time_mask(_ones(b=8, t=30), n_masks=3, max_width=4)
    zero_frames = (out == 0).all(dim=-2)[:, 0]  # (n, t)
    assert ((out == 0) == (out == 0).all(dim=-2, keepdim=True)).all(), "whole frames"
    # 3 masks of width <= 4: at most 12 frames, and on average close to 3 * 2
    counts = zero_frames.sum(-1)
    assert counts.max() <= 12
    assert 3.5 < counts.float().mean() < 7.0


def test_mask_width_never_exceeds_axis_and_fill_value():
    out = freq_mask(_ones(b=3), n_masks=2, max_width=50, value=-1.0)
    assert set(torch.unique(out).tolist()) <= {-1.0, 1.0}
    x = torch.arange(2 * 1 * 4 * 5, dtype=torch.float32).reshape(2, 1, 4, 5)
    torch.manual_seed(0)
    out = time_mask(x, n_masks=1, max_width=5, value="mean")
    means = x.mean(dim=(1, 2, 3))
    for i in range(2):
        changed = out[i] != x[i]
        assert torch.allclose(out[i][changed], means[i])


def test_no_mask_when_disabled():
    x = torch.randn(3, 1, 4, 5)
    assert torch.equal(freq_mask(x, 0, 5), x)
    assert torch.equal(time_mask(x, 2, 0), x)
    assert torch.equal(random_time_shift(x, 0), x)


def _shifted(row, s, pad_value=None):
    out = torch.roll(row, s, dims=-1)
    if pad_value is not None:
        if s > 0:
            out[..., :s] = pad_value
        elif s < 0:
            out[..., s:] = pad_value
    return out


@pytest.mark.parametrize("mode", ["roll", "pad"])
def test_time_shift(mode):
    torch.manual_seed(0)
    x = 1.0 + torch.arange(10, dtype=torch.float32).repeat(32, 2, 3, 1)  # (32, 2, 3, 10)
    out = random_time_shift(x, 3, mode)
    pad = 1.0 if mode == "pad" else None  # the minimum of each example
    found = []
    for i in range(32):
        shifts = [s for s in range(-3, 4) if torch.equal(out[i], _shifted(x[i], s, pad))]
        assert len(shifts) == 1, f"example {i} is not a single shift of the input"
        found.append(shifts[0])
    assert len(set(found)) >= 5, "shifts are random"


def test_mixup_labels_are_convex_combinations():
    torch.manual_seed(0)
    n, k = 32, 4
    x = torch.randn(n, 1, 5, 6)
    y = torch.nn.functional.one_hot(torch.arange(n) % k, k).float()
    xm, ym = mixup(x, y, alpha=0.4)
    torch.testing.assert_close(ym.sum(1), torch.ones(n))
    assert (ym >= 0).all() and (ym <= 1).all()
    assert (ym > 0).sum(1).max() <= 2, "each target mixes at most two classes"
    assert ((ym > 0.01) & (ym < 0.99)).sum() >= n // 2, "targets are genuinely mixed"
    # inputs and targets use the same weight: xm[i] = lam x[i] + (1 - lam) x[j] and
    # ym[i] = lam y[i] + (1 - lam) y[j] for one partner j
    for i in range(n):
        matches = []
        for j in range(n):
            d = (x[i] - x[j]).flatten()
            if j == i:
                lam = 1.0
            else:
                lam = float(((xm[i] - x[j]).flatten() @ d) / (d @ d))
            if torch.allclose(xm[i], lam * x[i] + (1 - lam) * x[j], atol=1e-5):
                matches.append((j, lam))
        assert matches, f"example {i} is not a mix of two inputs"
        j, lam = matches[-1]
        assert 0.0 <= lam <= 1.0
        torch.testing.assert_close(ym[i], lam * y[i] + (1 - lam) * y[j], atol=1e-5, rtol=0)


def test_augment_param_forms_and_clone():
    aug = Augment.from_param(dict(freq_mask=(2, 4), time_mask=3, time_shift=2, mixup=0.2))
    assert (aug.freq_masks, aug.freq_width, aug.time_masks, aug.time_width) == (2, 4, 3, 8)
    assert aug.enabled and not Augment().enabled
    assert Augment.from_param(None) is None
    a2 = clone(Augment(freq_masks=1))
    assert a2.get_params()["freq_masks"] == 1
    with pytest.raises(ValueError, match="unknown key"):
        Augment.from_param({"freq_masks": 1, "warp": 3})
    with pytest.raises(ValueError, match="n_masks or \\(n_masks, max_width\\)"):
        Augment.from_param({"freq_mask": (1, 2, 3)})
    with pytest.raises(ValueError, match="freq_masks must be a non-negative int"):
        Augment.from_param({"freq_masks": -1})
    with pytest.raises(ValueError, match="shift_mode"):
        Augment.from_param(Augment(shift_mode="wrap"))
    with pytest.raises(ValueError, match="mixup"):
        Augment.from_param({"mixup": -0.5})
    with pytest.raises(ValueError, match="mask_value"):
        Augment.from_param({"mask_value": "median"})
    with pytest.raises(TypeError, match="augment must be None, a dict"):
        Augment.from_param([1, 2])


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 12, 10), dtype=np.float32)
    y = np.arange(n) % 2
    X[y == 1, 3:6] += 2.0
    return X, y


@pytest.mark.parametrize(
    "augment",
    [
        dict(freq_mask=(2, 3), time_mask=(2, 3), time_shift=2),
        Augment(mixup=0.4, freq_masks=1, freq_width=2, mask_value="mean"),
    ],
)
def test_classifier_trains_with_augmentation_and_predicts_without(augment, monkeypatch):
    X, y = _data()
    calls = []
    orig = Augment.__call__

    def spy(self, *args, **kwargs):
        calls.append(1)
        return orig(self, *args, **kwargs)

    monkeypatch.setattr(Augment, "__call__", spy)
    net = SpectrogramCNNClassifier(
        max_epochs=3, batch_size=8, augment=augment, module__n_filters=4, module__n_blocks=2
    ).fit(X, y)
    assert len(calls) == 3 * 3  # once per training batch
    n = len(calls)
    p1, p2 = net.predict_proba(X), net.predict_proba(X)
    np.testing.assert_array_equal(p1, p2)  # predict is not augmented
    assert len(calls) == n
    assert np.isfinite(net.history[:, "train_loss"]).all()
    # augmented fits are reproducible too (seeded torch RNG)
    np.testing.assert_array_equal(clone(net).fit(X, y).predict_proba(X), p1)

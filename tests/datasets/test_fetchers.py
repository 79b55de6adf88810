"""Dataset fetchers against a local HTTP server on loopback (no internet)."""

import functools
import hashlib
import http.server
import io
import tarfile
import threading
import zipfile

import numpy as np
import pytest
import soundfile as sf

from specsk.datasets import (
    _fetch,
    fetch_esc50,
    fetch_fsdd,
    fetch_urbansound8k,
    get_data_home,
    load_esc50,
)
from specsk.exceptions import SpecskWarning


def _wav(sr=8000, n=80) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.zeros(n, dtype=np.float32), sr, format="WAV")
    return buf.getvalue()


def esc50_files(top="ESC-50-master"):
    files = {}
    lines = ["filename,fold,target,category,esc10,src_file,take"]
    for fold in range(1, 6):
        for target, category, esc10 in [(0, "dog", True), (14, "chirping_birds", False)]:
            name = f"{fold}-{100 * fold + target}-A-{target}.wav"
            files[f"{top}/audio/{name}"] = _wav(44100, 441)
            lines.append(f"{name},{fold},{target},{category},{esc10},{100 * fold},A")
    files[f"{top}/meta/esc50.csv"] = "\n".join(lines).encode()
    return files


def fsdd_files(top="free-spoken-digit-dataset-1.0.10"):
    return {
        f"{top}/recordings/{digit}_{speaker}_{index}.wav": _wav()
        for digit in (0, 1)
        for speaker in ("jackson", "theo")
        for index in (0, 7)
    }


def us8k_files(top="UrbanSound8K"):
    files = {}
    lines = ["slice_file_name,fsID,start,end,salience,fold,classID,class"]
    for fold in range(1, 11):
        for class_id, name in [(0, "air_conditioner"), (1, "car_horn")]:
            clip = f"{fold}{class_id}-{class_id}-0-0.wav"
            files[f"{top}/audio/fold{fold}/{clip}"] = _wav(44100, 441)
            lines.append(f"{clip},{fold}{class_id},0.0,0.01,1,{fold},{class_id},{name}")
    files[f"{top}/metadata/UrbanSound8K.csv"] = "\n".join(lines).encode()
    return files


def make_zip(path, files):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def make_tgz(path, files):
    with tarfile.open(path, "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).requests.append(self.path)
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    """(served folder, base URL, list of requested paths) of an HTTP server on 127.0.0.1."""
    root = tmp_path / "served"
    root.mkdir()
    handler = type("Handler", (_QuietHandler,), {"requests": []})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}", handler.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_fetch_esc50_downloads_once_then_uses_disk(server, tmp_path):
    served, base, requests = server
    archive = make_zip(served / "esc50.zip", esc50_files())
    home = tmp_path / "home"
    kwargs = dict(data_home=home, url=f"{base}/esc50.zip", known_hash=sha256(archive))
    esc = fetch_esc50(**kwargs)
    ref = load_esc50(home / "ESC-50" / "ESC-50-master")
    assert esc.paths.tolist() == ref.paths.tolist()
    np.testing.assert_array_equal(esc.target, ref.target)
    assert (esc.sr, esc.duration, esc.cv.get_n_splits()) == (44100, 5.0, 5)
    assert requests == ["/esc50.zip"]
    assert sorted(p.name for p in home.iterdir()) == ["ESC-50"]  # archive removed, no .part
    # unpacked already: no request (the server may even be gone)
    assert len(fetch_esc50(**kwargs, esc10_only=True).paths) == 5
    assert requests == ["/esc50.zip"]


def test_fetch_fsdd_and_us8k_unpack_tarballs(server, tmp_path):
    served, base, _ = server
    fsdd = make_tgz(served / "fsdd.tar.gz", fsdd_files())
    us8k = make_tgz(served / "UrbanSound8K.tar.gz", us8k_files())
    home = tmp_path / "home"
    data = fetch_fsdd(
        data_home=home, url=f"{base}/fsdd.tar.gz", known_hash=f"sha256:{sha256(fsdd)}"
    )
    assert data.folds.tolist() == [0, -1, 0, -1, 0, -1, 0, -1]
    assert len(fetch_fsdd(data_home=home, split="test").paths) == 4  # from disk
    data = fetch_urbansound8k(
        data_home=home,
        url=f"{base}/UrbanSound8K.tar.gz",
        known_hash=sha256(us8k),
        keep_archive=True,
    )
    assert data.target_names.tolist() == ["air_conditioner", "car_horn"]
    assert data.cv.get_n_splits() == 10
    assert (home / "UrbanSound8K.tar.gz").is_file()
    assert (home / "UrbanSound8K" / "UrbanSound8K" / "metadata").is_dir()


def test_wrong_hash_is_refused_and_leaves_nothing(server, tmp_path):
    served, base, _ = server
    make_zip(served / "esc50.zip", esc50_files())
    home = tmp_path / "home"
    with pytest.raises(ValueError, match="hash"):
        fetch_esc50(data_home=home, url=f"{base}/esc50.zip", known_hash="0" * 64)
    assert list(home.iterdir()) == []


def test_without_a_hash_it_warns_and_gives_the_hash(server, tmp_path):
    served, base, _ = server
    archive = make_zip(served / "esc50.zip", esc50_files())
    with pytest.warns(SpecskWarning, match=f"not verified.*{sha256(archive)}"):
        fetch_esc50(data_home=tmp_path / "home", url=f"{base}/esc50.zip")


def test_wrong_layout_is_reported(server, tmp_path):
    served, base, _ = server
    archive = make_zip(served / "other.zip", {"something/else.txt": b"hi"})
    with pytest.raises(ValueError, match=r"does not hold meta/esc50\.csv"):
        fetch_esc50(data_home=tmp_path, url=f"{base}/other.zip", known_hash=sha256(archive))


def test_missing_http_file_raises_oserror(server, tmp_path):
    _, base, _ = server
    with pytest.raises(OSError):
        fetch_fsdd(data_home=tmp_path, url=f"{base}/missing.tar.gz", known_hash="0" * 64)


def test_download_if_missing_false(tmp_path):
    with pytest.raises(OSError, match="download_if_missing=False"):
        fetch_urbansound8k(data_home=tmp_path, download_if_missing=False)


def test_unsafe_archive_member_is_refused(server, tmp_path):
    served, base, _ = server
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 2
        tf.addfile(info, io.BytesIO(b"hi"))
    (served / "evil.tar.gz").write_bytes(buf.getvalue())
    home = tmp_path / "home"
    with pytest.raises(Exception, match="escape"):
        fetch_fsdd(
            data_home=home,
            url=f"{base}/evil.tar.gz",
            known_hash=hashlib.sha256(buf.getvalue()).hexdigest(),
        )
    assert not (tmp_path / "escape.txt").exists()
    assert not (home / "FSDD").exists()


def test_data_home_from_argument_env_or_default(tmp_path, monkeypatch):
    monkeypatch.setenv("SPECSK_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    assert (tmp_path / "arg").is_dir()
    monkeypatch.delenv("SPECSK_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert get_data_home() == tmp_path / "user" / "specsk_data"


def test_default_urls_are_the_published_archives():
    assert _fetch.ESC50_ARCHIVE_URL.startswith("https://github.com/karolpiczak/ESC-50/")
    assert "Jakobovski/free-spoken-digit-dataset" in _fetch.FSDD_ARCHIVE_URL
    assert _fetch.US8K_ARCHIVE_URL.startswith("https://zenodo.org/record/1203745/")


def test_verbose_uses_a_progress_bar(server, tmp_path, monkeypatch):
    import pooch

    served, base, _ = server
    archive = make_zip(served / "esc50.zip", esc50_files())
    seen = {}
    real = pooch.HTTPDownloader

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pooch, "HTTPDownloader", spy)
    fetch_esc50(
        data_home=tmp_path, url=f"{base}/esc50.zip", known_hash=sha256(archive), verbose=True
    )
    assert seen["progressbar"] is True

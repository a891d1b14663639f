"""Issue 13, item 8: `smearsim fetch` downloads a named public set into a cache, checks it and
continues an interrupted download, here against a local HTTP server (no test needs the
internet)."""

import hashlib
import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from export.cli import main
from export.fetch import FetchError, fetch


def archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


TINY = archive({"set/neutrophil/a.jpg": b"\xff\xd8 tiny \xff\xd9", "set/README": b"x" * 5000})


class Server:
    """Serves `body` at every path, honouring ``Range: bytes=N-``; logs each request's range."""

    def __init__(self, body: bytes) -> None:
        self.body, self.ranges = body, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                start = 0
                if "Range" in self.headers:
                    start = int(self.headers["Range"].split("=")[1].rstrip("-"))
                outer.ranges.append(start)
                data = outer.body[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/archive.zip"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server(TINY)
    yield s
    s.close()


def test_fetch_downloads_checks_and_extracts(tmp_path, server):
    digest = hashlib.sha256(TINY).hexdigest()
    data = fetch("bccd", tmp_path, url=server.url, sha256=digest)
    assert (data / "set" / "neutrophil" / "a.jpg").read_bytes() == b"\xff\xd8 tiny \xff\xd9"
    assert digest in (tmp_path / "bccd" / "SHA256SUMS").read_text()
    server.close()  # a second call needs no network
    assert fetch("bccd", tmp_path, url=server.url) == data


def test_an_interrupted_download_continues_where_it_stopped(tmp_path, server):
    part = tmp_path / "pbc" / "PBC_dataset_normal_DIB.zip.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(TINY[:1000])
    data = fetch("pbc", tmp_path, url=server.url)
    assert server.ranges == [1000]
    assert (data / "set" / "README").read_bytes() == b"x" * 5000
    assert (tmp_path / "pbc" / "PBC_dataset_normal_DIB.zip").read_bytes() == TINY


def test_a_wrong_checksum_is_refused_and_nothing_extracted(tmp_path, server, capsys):
    code = main(["fetch", "bccd", "--cache", str(tmp_path), "--url", server.url,
                 "--sha256", "0" * 64])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "differs from the expected" in err
    assert not (tmp_path / "bccd" / "data").exists()


def test_an_unreachable_server_is_one_line(tmp_path, capsys):
    code = main(["fetch", "bccd", "--cache", str(tmp_path), "--url", "http://127.0.0.1:9/x.zip"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot download" in err


def test_an_archive_with_paths_leaving_the_cache_is_refused(tmp_path):
    evil = Server(archive({"../escape.txt": b"x"}))
    try:
        with pytest.raises(FetchError, match="unsafe path"):
            fetch("bccd", tmp_path / "cache", url=evil.url)
    finally:
        evil.close()
    assert not (tmp_path / "escape.txt").exists()

"""Safe serving, against the real `pointlabel serve` in a subprocess on 127.0.0.1: the Host
header is checked (DNS rebinding), bodies over the limit get 413 without being read, bad
callback input gets a 4xx JSON answer (never a 500 or a traceback), a non-loopback bind is
refused without a token, and a token is enforced when given."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

FRAMES = ("000008", "000010")
TOKEN = "s3cret-token-0123456789"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kitti(tmp: Path, kitti_root: Path) -> Path:
    root = tmp / "kitti"
    for sub, ext in (("velodyne", "bin"), ("image_2", "png"), ("calib", "txt")):
        (root / sub).mkdir(parents=True)
        for f in FRAMES:
            shutil.copyfile(kitti_root / sub / f"{f}.{ext}", root / sub / f"{f}.{ext}")
    return root


def _serve(tmp: Path, dataset: Path, *extra: str):
    port = _free_port()
    log = open(tmp / f"serve-{port}.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "pointlabel.cli", "serve", str(dataset), "--port", str(port),
                             "--db", str(tmp / "db.sqlite"), *extra],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, Path(log.name).read_text()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, port, log
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("the server did not start: " + Path(log.name).read_text())


@pytest.fixture(scope="module")
def server(tmp_path_factory, kitti_root):
    tmp = tmp_path_factory.mktemp("serve")
    proc, port, log = _serve(tmp, _kitti(tmp, kitti_root), "--allowed-host", "labels.example.org",
                             "--max-body-mb", "4")
    yield proc, port, log
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), dict(resp.getheaders())
    finally:
        conn.close()


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def callback_body(slider_value) -> bytes:
    """What the page sends when the frame slider moves (the `load` callback of page.py)."""
    return json.dumps({"output": "annotations-store.data",
                       "outputs": {"id": "annotations-store", "property": "data"},
                       "inputs": [{"id": "frame-slider", "property": "value", "value": slider_value}],
                       "changedPropIds": ["frame-slider.value"], "state": []}).encode()


@pytest.mark.parametrize("host, ok", [("127.0.0.1", True), ("localhost", True), ("LOCALHOST:8050", True),
                                      ("labels.example.org", True), ("evil.example.com", False),
                                      ("127.0.0.1.nip.io", False), ("", False)])
def test_host_header_is_checked(server, host, ok):
    _, port, _ = server
    status, body, _ = request(port, "GET", "/_dash-layout", headers={"Host": host})
    if ok:
        assert status == 200
    else:
        assert status == 421 and "allowed-host" in json.loads(body)["error"]


def test_callback_with_the_right_host_works(server):
    _, port, _ = server
    status, body, _ = request(port, "POST", "/_dash-update-component", callback_body(1),
                              {"Content-Type": "application/json"})
    assert status == 200 and json.loads(body)["response"]["annotations-store"]["data"]["frame"] == FRAMES[1]


@pytest.mark.parametrize("value", ["abc", "1.5", [1], {"a": 1}, "1e400", True])
def test_bad_slider_value_is_a_4xx_json_answer(server, value):
    proc, port, log = server
    status, body, headers = request(port, "POST", "/_dash-update-component", callback_body(value),
                                    {"Content-Type": "application/json"})
    assert status == 400, body
    answer = json.loads(body)
    assert headers["Content-Type"] == "application/json" and "whole number" in answer["error"]
    assert b"Traceback" not in body
    log.flush()
    assert "Traceback" not in Path(log.name).read_text()


@pytest.mark.parametrize("body, ctype", [(b"{not json", "application/json"), (b"[]", "application/json"),
                                         (b'{"output": 3}', "application/json"), (b"x=1", "text/plain")])
def test_malformed_callback_requests_are_4xx_json(server, body, ctype):
    _, port, log = server
    status, answer, _ = request(port, "POST", "/_dash-update-component", body, {"Content-Type": ctype})
    assert 400 <= status < 500 and "error" in json.loads(answer) and b"Traceback" not in answer
    log.flush()
    assert "Traceback" not in Path(log.name).read_text()


def test_100_mb_post_is_refused_unread(server):
    """413 from the declared length alone: the server's peak memory does not grow by the body."""
    proc, port, _ = server
    before = peak_rss_kb(proc.pid)
    total = 100 * 1024 * 1024
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest("POST", "/_dash-update-component")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(total))
    conn.endheaders()
    chunk, sent = b"[" * (1 << 20), 0
    try:
        while sent < total:
            conn.send(chunk)
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed without reading the rest
    resp = conn.getresponse()
    status, body = resp.status, resp.read()
    conn.close()
    after = peak_rss_kb(proc.pid)
    print(f"\n100 MB POST: {status}, sent {sent / 2**20:.0f} MB before the server closed; "
          f"server peak RSS {before / 1024:.0f} -> {after / 1024:.0f} MB")
    assert status == 413 and "over the limit" in json.loads(body)["error"]
    assert after - before < 30 * 1024  # KB: far below the 100 MB body
    assert request(port, "GET", "/_dash-layout")[0] == 200  # and it still serves


def test_chunked_body_over_the_limit_is_413(server):
    proc, port, _ = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest("POST", "/_dash-update-component")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    chunk = b"[" * (1 << 20)
    try:
        for _ in range(8):  # 8 MB > the 4 MB limit
            conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    resp = conn.getresponse()
    assert resp.status == 413, resp.read()
    conn.close()


def test_non_loopback_bind_is_refused_without_a_token(tmp_path, kitti_root):
    dataset = _kitti(tmp_path, kitti_root)
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        out = subprocess.run([sys.executable, "-m", "pointlabel.cli", "serve", str(dataset), "--host", host,
                              "--port", str(_free_port()), "--db", str(tmp_path / "db.sqlite")],
                             capture_output=True, text=True, timeout=120,
                             env={k: v for k, v in os.environ.items() if k != "POINTLABEL_AUTH_TOKEN"})
        assert out.returncode == 2 and "refusing to listen on" in out.stderr and "--auth-token" in out.stderr
        assert "Traceback" not in out.stderr


def test_token_is_required_when_given(tmp_path, kitti_root):
    proc, port, log = _serve(tmp_path, _kitti(tmp_path, kitti_root), "--auth-token", TOKEN)
    try:
        assert request(port, "GET", "/_dash-layout")[0] == 401
        assert request(port, "GET", "/_dash-layout", headers={"Authorization": "Bearer wrong"})[0] == 401
        assert request(port, "GET", "/_dash-layout", headers={"Authorization": f"Bearer {TOKEN}"})[0] == 200
        status, _, headers = request(port, "GET", f"/?token={TOKEN}")
        cookie = headers["Set-Cookie"].split(";")[0]
        assert status == 200 and cookie == f"pointlabel_token={TOKEN}"
        assert request(port, "GET", "/_dash-layout", headers={"Cookie": cookie})[0] == 200
    finally:
        proc.kill()
        proc.wait()
        log.close()

"""Cold start: with no store settings at all, `astro serve --prepare` starts embedded stores, migrates,
seeds and answers `{ __typename }` within a minute; the seeded demo accounts can sign in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
STORE_SETTINGS = ("DATABASE_URL", "MONGODB_URL", "REDIS_URL")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clean_env(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in STORE_SETTINGS and not key.startswith("ASTRO_") and not key.startswith("PYTEST")
    }
    env["ASTRO_DATA_DIR"] = str(data_dir)
    return env


def _wait_for_typename(url: str, process: subprocess.Popen[bytes], deadline_s: float) -> dict:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited before answering"
        try:
            return httpx.post(url, json={"query": "{ __typename }"}, timeout=2).json()
        except httpx.TransportError:
            time.sleep(0.25)  # poll interval while the server boots
    raise AssertionError(f"no answer from {url} within {deadline_s}s")


@pytest.mark.slow
def test_astro_serve_cold_start_with_no_settings(tmp_path):
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [str(Path(sys.executable).parent / "astro"), "serve", "--prepare", "--port", str(port)],
        cwd=ROOT,
        env=_clean_env(tmp_path / "data"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        try:
            answer = _wait_for_typename(url, process, 60)
        except AssertionError as failed:
            log.flush()
            raise AssertionError(f"{failed}\n{(tmp_path / 'serve.log').read_text()[-3000:]}") from None
        assert answer == {"data": {"__typename": "Query"}}
        login = 'mutation { login(email: "it@astrobookings.example", password: "it-demo-password") { user { role } } }'
        body = httpx.post(url, json={"query": login}, timeout=10).json()
        assert body == {"data": {"login": {"user": {"role": "IT"}}}}, body
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
            log.close()
    assert process.returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]
    assert "it@astrobookings.example / it-demo-password / it" in (tmp_path / "serve.log").read_text()

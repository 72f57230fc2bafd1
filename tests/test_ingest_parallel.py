"""Ingest read on a process pool gives the same parts, in the same order, as read in the caller."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from newsetl.pipeline.ingest import iter_scan
from newsetl_tools.synth import write_corpus


def _flatten(parts) -> tuple[list, list, list, int]:
    decoded, rejected, deferred, nbytes = [], [], [], 0
    for part in parts:
        decoded += [(d.path, d.doc_id, d.encoding, d.text, d.note, d.script) for d in part.decoded]
        rejected += [(r.path, r.reason, r.sha256) for r in part.rejected]
        deferred += part.deferred
        nbytes += part.bytes_read
    return decoded, rejected, deferred, nbytes


def test_pool_reads_the_same_as_one_process(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    write_corpus(corpus, 60, prune=True)
    (corpus / "empty.txt").write_bytes(b"")  # rejected, in its place among the others
    (corpus / "big.txt").write_bytes(b"x" * 5000)  # over max_file_bytes below: oversized
    seen: list[int] = []

    def pool_for(nbytes: int):
        seen.append(nbytes)
        return executor

    serial = _flatten(iter_scan(corpus, {}, max_file_bytes=4096 * 8, chunk_bytes=200_000))
    with ProcessPoolExecutor(2) as executor:
        pooled = _flatten(
            iter_scan(corpus, {}, max_file_bytes=4096 * 8, chunk_bytes=200_000, executor_for=pool_for)
        )
    assert pooled == serial
    assert len(serial[0]) >= 50 and any("oversized" in r[1] for r in serial[1])
    assert seen == [sum(p.stat().st_size for p in corpus.iterdir() if p.name != "manifest.csv")]


def test_nothing_to_read_asks_for_no_pool(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    asked: list[int] = []
    parts = list(iter_scan(tmp_path / "in", {}, executor_for=lambda n: asked.append(n)))
    assert asked == [] and len(parts) == 1

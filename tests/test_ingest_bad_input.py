"""Bad input, one test each, at the level where the outcome is decided (no Prefect, no dbt: fast).

Every outcome here is listed in docs/reliability.md. The end-to-end proof that
the rest of a run is unaffected is tests/reliability/test_bad_input_run.py.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import duckdb
import pytest

from newsetl.pipeline import ingest
from newsetl.pipeline.ingest import Decoded, Rejected, scan
from newsetl.pipeline.quality.records import RecordRules, screen_documents
from newsetl.warehouse import load as wl
from newsetl.warehouse.schema import ensure_schema

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_ccf4753ca244f86c.txt"
PAGE = SEED.read_text(encoding="utf-8")


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def scan_one(folder: Path, name: str, data: bytes, **kw) -> Decoded | Rejected:
    write(folder, name, data)
    res = scan(folder, {}, **kw)
    items = [*res.decoded, *res.rejected]
    assert len(items) == 1, res
    return items[0]


@pytest.fixture()
def con():
    c = duckdb.connect()
    ensure_schema(c)
    yield c
    c.close()


# --- not text: quarantined with a reason and the original bytes -----------------------------------


def test_empty_file_is_quarantined(tmp_path: Path) -> None:
    item = scan_one(tmp_path, "empty.txt", b"")
    assert isinstance(item, Rejected) and item.reason == "empty file"


def test_whitespace_only_is_quarantined(tmp_path: Path) -> None:
    item = scan_one(tmp_path, "blank.txt", b" \r\n\t\n  " + "\u3000".encode())
    assert isinstance(item, Rejected) and item.reason == "whitespace only"
    assert item.content  # original bytes kept


def test_binary_is_quarantined_with_its_bytes(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    item = scan_one(tmp_path, "image.txt", data)
    assert isinstance(item, Rejected) and "binary" in item.reason
    assert item.content == data and item.sha256 == hashlib.sha256(data).hexdigest()


# --- encodings: decoded to the same text ---------------------------------------------------------


def test_gbk_page_decodes(tmp_path: Path) -> None:
    text = PAGE.replace("\ufffd", "")
    item = scan_one(tmp_path, "gbk.txt", text.encode("gbk", errors="ignore"))
    assert isinstance(item, Decoded) and item.encoding == "gb18030"
    assert item.text == ingest.normalise_newlines(text.encode("gbk", errors="ignore").decode("gbk"))


def test_gb18030_page_with_chars_outside_gbk_decodes(tmp_path: Path) -> None:
    text = "国务院联防联控机制举行新闻发布会，𠮷字与€符号只在GB18030中。" * 20
    data = text.encode("gb18030")
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    item = scan_one(tmp_path, "gb18030.txt", data)
    assert isinstance(item, Decoded) and item.encoding == "gb18030" and item.text == text


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    item = scan_one(tmp_path, "bom.txt", b"\xef\xbb\xbf" + PAGE.encode())
    assert isinstance(item, Decoded) and item.encoding == "utf-8-sig"
    assert not item.text.startswith("\ufeff") and item.text == ingest.normalise_newlines(PAGE)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_utf16_decodes(tmp_path: Path, codec: str) -> None:
    data = PAGE.encode(codec) if codec == "utf-16" else b"\xfe\xff" + PAGE.encode(codec)
    item = scan_one(tmp_path, f"{codec}.txt", data)
    assert isinstance(item, Decoded) and item.encoding == "utf-16"
    assert item.text == ingest.normalise_newlines(PAGE)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-32"])
def test_utf16_without_bom_and_utf32_decode(tmp_path: Path, codec: str) -> None:
    """Chinese in UTF-16 has NUL bytes only in its ASCII: it was rejected as binary; UTF-32 was misread."""
    item = scan_one(tmp_path, f"{codec}.txt", PAGE.encode(codec))
    assert isinstance(item, Decoded), item
    assert item.encoding == codec and item.text == ingest.normalise_newlines(PAGE)


def test_big5_page_is_not_read_as_gb18030(tmp_path: Path) -> None:
    """Big5 bytes are valid GB18030 too: decoded strictly as GB18030 they give garbage with a topic."""
    from opencc import OpenCC

    traditional = OpenCC("s2t").convert(PAGE.replace("\ufffd", ""))
    data = traditional.encode("big5", errors="ignore")
    data.decode("gb18030")  # the trap: a strict GB18030 decode succeeds
    item = scan_one(tmp_path, "big5.txt", data)
    assert isinstance(item, Decoded) and item.encoding == "big5"
    assert item.text == ingest.normalise_newlines(data.decode("big5"))
    assert item.script == "hant"  # converted to Simplified for processing


def test_bytes_no_chinese_encoding_reads_are_quarantined(tmp_path: Path) -> None:
    """Random high bytes decode strictly as GB18030 but are not Chinese: quarantined, not published."""
    import random

    rng = random.Random(7)
    data = bytes(rng.choice([*range(0x81, 0xFF)]) for _ in range(6000))
    item = scan_one(tmp_path, "noise.txt", data)
    assert isinstance(item, Rejected), item
    assert "no Chinese encoding gives readable text" in item.reason or "binary" in item.reason


def test_control_and_bidi_characters_are_removed(tmp_path: Path) -> None:
    head, tail = PAGE[:3000], PAGE[3000:]
    dirty = head + "\x00工信部\u202e发布\u202c\u2066通知\u2069\x07\x1b" + tail
    item = scan_one(tmp_path, "controls.txt", dirty.encode())
    assert isinstance(item, Decoded)
    assert item.text == ingest.normalise_newlines(head + "工信部发布通知" + tail)
    assert "7 control or bidi character(s) removed" in (item.note or "")


def test_markup_is_stripped_from_titles_and_bodies(tmp_path: Path) -> None:
    page = (
        "# <b>工信部</b>发布**新版**通知\n\n"
        "<p>本报讯 工业和信息化部&nbsp;日前发布[通知](https://example.com/a)，要求加快`5G`建设。</p>"
        "<script>alert(1)</script><!-- 注释 -->\n"
        "> 引用的话语很重要。\n"
        "![图片](img.png)\n"
        "---\n"
        "《中国电子报》记者 张三 a < b 的情况不变。\n"
    )
    item = scan_one(tmp_path, "markup.txt", (page + PAGE).encode())
    assert isinstance(item, Decoded)
    text = item.text
    for mark in (
        "<b>",
        "</p>",
        "<script",
        "alert(1)",
        "&nbsp;",
        "**",
        "](",
        "![",
        "`",
        "<!--",
        "\n> ",
        "---",
    ):
        assert mark not in text, mark
    assert text.startswith("# 工信部发布新版通知\n")  # the heading marker stays: the text core reads it
    assert "工业和信息化部\xa0日前发布通知，要求加快5G建设。" in text
    assert "引用的话语很重要。" in text and "《中国电子报》记者 张三 a < b 的情况不变。" in text
    assert "markup removed" in (item.note or "")


def test_a_page_without_markup_is_unchanged(tmp_path: Path) -> None:
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        text, encoding, note = ingest.decode_bytes(seed.read_bytes())
        assert (text, encoding, note) == (
            ingest.normalise_newlines(seed.read_text(encoding="utf-8")),
            "utf-8",
            None,
        )


def test_invalid_utf8_mid_page_is_kept_with_a_note(tmp_path: Path) -> None:
    raw = PAGE.encode()
    mid = len(raw) // 2
    mid = raw.index("，".encode(), mid)  # cut at a character boundary
    data = raw[:mid] + b"\xff\xfe\xc3" + raw[mid:]
    item = scan_one(tmp_path, "broken.txt", data)
    assert isinstance(item, Decoded) and item.encoding == "utf-8"
    assert "invalid UTF-8" in (item.note or "")
    assert item.text.count("\ufffd") <= 3 + PAGE.count("\ufffd")
    head, tail = PAGE[:200], PAGE[-200:]
    assert item.text.startswith(ingest.normalise_newlines(head)) and item.text.endswith(
        ingest.normalise_newlines(tail)
    )


@pytest.mark.parametrize("eol", [b"\r\n", b"\r"], ids=["CRLF", "CR"])
def test_crlf_and_cr_line_ends_are_normalised(tmp_path: Path, eol: bytes) -> None:
    data = PAGE.encode().replace(b"\n", eol)
    item = scan_one(tmp_path, "eol.txt", data)
    assert isinstance(item, Decoded)
    assert "\r" not in item.text and item.text == PAGE
    assert item.doc_id == hashlib.sha256(data).hexdigest()  # identity is the original bytes


# --- size ------------------------------------------------------------------------------------------


def test_50mb_page_is_quarantined_as_oversized_in_bounded_time(tmp_path: Path) -> None:
    """Decision: a file over records.max_file_bytes (8 MiB) is not a page. It is quarantined with
    its reason, its SHA-256 over all bytes and its first 64 KiB, after one streaming pass."""
    path = tmp_path / "huge.txt"
    chunk = PAGE.encode()
    with path.open("wb") as fh:
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    size = path.stat().st_size
    t0 = time.perf_counter()
    res = scan(tmp_path, {})
    elapsed = time.perf_counter() - t0
    assert not res.decoded and len(res.rejected) == 1
    item = res.rejected[0]
    assert item.reason.startswith("oversized:") and str(size) in item.reason
    assert len(item.content) == ingest.HEAD_BYTES and item.size == size
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert item.sha256 == digest
    assert elapsed < 10, f"oversized file took {elapsed:.1f}s"


def test_file_size_limit_comes_from_gate_config() -> None:
    from newsetl.pipeline.quality.records import load_rules

    assert load_rules().max_file_bytes == 8 * 1024 * 1024


# --- language and script ---------------------------------------------------------------------------


def test_english_page_is_recorded_but_not_processed(tmp_path: Path) -> None:
    text = "The Ministry of Industry and Information Technology held a press conference today.\n" * 30
    item = scan_one(tmp_path, "english.txt", text.encode())
    assert isinstance(item, Decoded) and item.script == "latin"  # recorded in raw.documents
    keep, rejected = screen_documents([_doc(item)], RecordRules())
    assert not keep and rejected[0].reason.startswith("not a Chinese page")


def test_traditional_chinese_page_is_flagged_and_converted_for_processing(tmp_path: Path, con) -> None:
    from opencc import OpenCC

    trad = OpenCC("s2t").convert(PAGE)
    item = scan_one(tmp_path, "trad.txt", trad.encode())
    assert isinstance(item, Decoded) and item.script == "hant"
    assert "Traditional Chinese" in (item.note or "")
    assert item.text == ingest.normalise_newlines(trad)  # raw keeps the original script
    wl.record_ingest(con, "r1", scan(tmp_path, {}), {})
    stored, script = con.execute("SELECT text, script FROM raw.documents").fetchone()
    assert stored == trad and script == "hant"
    (doc,) = wl.fetch_documents(con, [item.doc_id])
    assert doc.text == OpenCC("t2s").convert(trad)  # the text core sees Simplified
    assert "国务院" in doc.text and "國務院" not in doc.text


def test_simplified_page_is_not_flagged(tmp_path: Path) -> None:
    item = scan_one(tmp_path, "simp.txt", PAGE.encode())
    assert isinstance(item, Decoded) and item.script == "hans" and item.note is None


# --- identity, renames, changes ----------------------------------------------------------------------


def test_same_content_under_two_names_is_one_document(tmp_path: Path, con) -> None:
    write(tmp_path, "a.txt", PAGE.encode())
    write(tmp_path, "b.txt", PAGE.encode())
    res = scan(tmp_path, {})
    assert len(res.decoded) == 2 and len(ingest.unique_by_content(res.decoded)) == 1
    stats = wl.record_ingest(con, "r1", res, {})
    assert stats["documents_new"] == 1
    assert con.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM raw.file_versions").fetchone()[0] == 2  # both names kept


def test_renamed_file_adds_no_document(tmp_path: Path, con) -> None:
    write(tmp_path, "old.txt", PAGE.encode())
    wl.record_ingest(con, "r1", scan(tmp_path, {}), {})
    (tmp_path / "old.txt").rename(tmp_path / "new.txt")
    res = scan(tmp_path, wl.known_sightings(con))
    stats = wl.record_ingest(con, "r2", res, {})
    assert stats["documents_new"] == 0
    assert con.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 1
    paths = con.execute("SELECT path FROM raw.file_versions ORDER BY path").fetchall()
    assert paths == [("new.txt",), ("old.txt",)]  # the vanished name stays in history


def test_file_changed_after_ingestion_becomes_a_new_version(tmp_path: Path, con) -> None:
    path = write(tmp_path, "page.txt", PAGE.encode())
    wl.record_ingest(con, "r1", scan(tmp_path, {}), {})
    path.write_bytes((PAGE + "\n补充：更正一处数字。\n").encode())
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    res = scan(tmp_path, wl.known_sightings(con))
    assert len(res.decoded) == 1
    wl.record_ingest(con, "r2", res, {})
    rows = con.execute("SELECT version, superseded_run FROM raw.file_versions ORDER BY version").fetchall()
    assert rows == [(1, "r2"), (2, None)]
    assert con.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 2  # old text kept


def test_unchanged_file_is_skipped_by_stat(tmp_path: Path, con) -> None:
    write(tmp_path, "page.txt", PAGE.encode())
    wl.record_ingest(con, "r1", scan(tmp_path, {}), {})
    res = scan(tmp_path, wl.known_sightings(con))
    assert res.unchanged == ["page.txt"] and not res.decoded and res.bytes_read == 0


# --- hostile names and links ---------------------------------------------------------------------------


def test_file_name_with_quotes_spaces_non_ascii_and_sql(tmp_path: Path, con) -> None:
    name = 'it\'s a "page" 新闻; DROP TABLE raw.documents; --.txt'
    write(tmp_path, name, PAGE.encode())
    res = scan(tmp_path, {})
    assert [d.path for d in res.decoded] == [name]
    wl.record_ingest(con, "r1", res, {})
    assert con.execute("SELECT source_path, file_name FROM raw.documents").fetchone() == (name, name)
    assert con.execute("SELECT path FROM raw.file_versions").fetchone() == (name,)
    assert con.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 1  # table still there


def test_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = write(outside, "secret.txt", PAGE.encode())
    inp = tmp_path / "input"
    inp.mkdir()
    (inp / "link.txt").symlink_to(secret)
    (inp / "inside.txt").write_bytes(PAGE.encode())
    (inp / "ok_link.txt").symlink_to(inp / "inside.txt")
    res = scan(inp, {})
    assert [r.path for r in res.rejected] == ["link.txt"]
    assert "symlink pointing outside" in res.rejected[0].reason and res.rejected[0].content == b""
    assert sorted(d.path for d in res.decoded) == ["inside.txt", "ok_link.txt"]


def test_no_directory_entry_is_fatal(tmp_path: Path) -> None:
    """Each of these stopped every run at start; now each is quarantined with its path and reason."""
    inp = tmp_path / "input"
    inp.mkdir()
    (inp / "good.txt").write_bytes(PAGE.encode())
    (inp / "loop_a.txt").symlink_to(inp / "loop_b.txt")
    (inp / "loop_b.txt").symlink_to(inp / "loop_a.txt")
    (inp / "dangling.txt").symlink_to(inp / "missing.txt")
    os.mkfifo(inp / "fifo.txt")
    bad_name = os.fsencode(inp) + b"/bad-\xff-name.txt"
    with open(bad_name, "wb") as fh:
        fh.write(PAGE.encode())
    res = scan(inp, {})
    assert [d.path for d in res.decoded] == ["good.txt"]
    reasons = {r.path: r.reason for r in res.rejected}
    assert reasons == {
        "bad-\\xff-name.txt": "file name is not valid UTF-8: rename the file",
        "dangling.txt": "dangling symlink (its target does not exist)",
        "fifo.txt": "not a regular file (FIFO, socket or device)",
        "loop_a.txt": "symlink loop",
        "loop_b.txt": "symlink loop",
    }
    con = duckdb.connect()
    ensure_schema(con)
    assert wl.record_ingest(con, "r1", res, {})["quarantined"] == 5  # and they can be stored


def _deep_dirs(root: Path, depth: int) -> tuple[str, int]:
    """Create ``depth`` nested folders of 250-character names under ``root`` (relative to it, so
    no call ever passes a path over PATH_MAX); return the relative path and an fd of the deepest."""
    name = "长" * 80 + "d" * 10  # 250 bytes in UTF-8 (NAME_MAX is 255)
    fd = os.open(root, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir(name, dir_fd=fd)
        nxt = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nxt
    return "/".join([name] * depth), fd


def test_hidden_entries_and_too_long_paths_are_recorded_not_dropped(tmp_path: Path) -> None:
    """Hidden files and folders and paths over PATH_MAX were dropped with no record."""
    inp = tmp_path / "input"
    inp.mkdir()
    (inp / "good.txt").write_bytes(PAGE.encode())
    (inp / ".draft.txt").write_bytes(PAGE.encode())
    (inp / ".git").mkdir()
    (inp / ".git" / "page.txt").write_bytes(PAGE.encode())
    (inp / "manifest.csv").write_text("file,publication_date\n", encoding="utf-8")
    rel, fd = _deep_dirs(inp, 17)  # about 4,250 bytes: deeper than PATH_MAX (4,096)
    try:
        page = os.open("page.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(page, PAGE.encode())
        os.close(page)
    finally:
        os.close(fd)
    res = scan(inp, {})
    assert [d.path for d in res.decoded] == ["good.txt"]
    reasons = {r.path: r.reason for r in res.rejected}
    assert reasons[".draft.txt"] == ingest.HIDDEN_FILE
    assert reasons[".git"] == ingest.HIDDEN_FOLDER
    too_long = [(p, r) for p, r in reasons.items() if "too long" in r]
    assert len(too_long) == 1 and rel.startswith(too_long[0][0]), too_long  # recorded with its path
    assert len(reasons) == 3  # nothing else; the manifest is not a page
    assert res.unreadable_dirs  # its files are not taken as deleted
    con = duckdb.connect()
    ensure_schema(con)
    assert wl.record_ingest(con, "r1", res, {})["quarantined"] == 3
    assert wl.record_ingest(con, "r2", scan(inp, {}), {})["quarantined"] == 0  # recorded once


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list any folder")
def test_unlistable_folder_is_reported_and_its_files_not_taken_as_deleted(tmp_path: Path) -> None:
    inp = tmp_path / "input"
    (inp / "sub").mkdir(parents=True)
    (inp / "sub" / "page.txt").write_bytes(PAGE.encode())
    os.chmod(inp / "sub", 0)
    try:
        res = scan(inp, {})
    finally:
        os.chmod(inp / "sub", 0o755)
    assert res.unreadable_dirs == ["sub"]
    assert [r.reason.startswith("cannot list folder") for r in res.rejected] == [True]


def test_deleted_emptied_and_returning_files(tmp_path: Path, con) -> None:
    """A deleted or emptied file stops being current; one that comes back is a new version."""
    inp = tmp_path / "input"
    inp.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (inp / name).write_bytes(PAGE.encode() + name.encode())

    def ingest_run(run: str) -> None:
        res = scan(inp, wl.known_sightings(con))
        wl.record_ingest(con, run, res, {})
        present = {d.path for d in res.decoded} | set(res.unchanged) | {r.path for r in res.rejected}
        wl.retire_missing(con, run, present, res.unreadable_dirs)

    def current() -> list[str]:
        return [
            r[0]
            for r in con.execute(
                "SELECT path FROM raw.file_versions WHERE superseded_run IS NULL ORDER BY 1"
            ).fetchall()
        ]

    ingest_run("r1")
    assert current() == ["a.txt", "b.txt", "c.txt"]
    (inp / "a.txt").unlink()
    (inp / "b.txt").write_bytes(b"")
    ingest_run("r2")
    assert current() == ["c.txt"]
    (inp / "a.txt").write_bytes(PAGE.encode() + b"a.txt")
    ingest_run("r3")
    assert current() == ["a.txt", "c.txt"]
    versions = con.execute(
        "SELECT version, superseded_run FROM raw.file_versions WHERE path = 'a.txt' ORDER BY 1"
    ).fetchall()
    assert versions == [(1, "r2"), (2, None)]
    assert wl.retire_missing(con, "r4", set(), ["."]) == []  # the folder itself unlistable: nothing deleted


# --- still being written -------------------------------------------------------------------------------


def _writer(path: Path, versions: list[bytes], stop: threading.Event, *, restore_mtime: int) -> None:
    """Rewrite ``path`` in place with each version in turn (same size), putting its mtime back each time."""
    fd = os.open(path, os.O_WRONLY)
    try:
        n = 0
        while not stop.is_set():
            os.pwrite(fd, versions[n % len(versions)], 0)
            os.utime(path, ns=(restore_mtime, restore_mtime))
            n += 1
    finally:
        os.close(fd)


def test_file_rewritten_in_place_while_read_is_never_captured_half_way(tmp_path: Path) -> None:
    """Same size, mtime put back after every write: size and mtime checks alone let about one
    read in 150 through torn (half one version, half the other); only a complete version may be
    ingested."""
    one = ("甲" * 60 + "。\n") * 1500  # ~270 KB: a read takes long enough to overlap the writer
    two = ("乙" * 60 + "。\n") * 1500
    versions = [one.encode(), two.encode()]
    path = write(tmp_path, "rewritten.txt", versions[0])
    st = path.stat()
    stop = threading.Event()
    thread = threading.Thread(
        target=_writer, args=(path, versions, stop), kwargs={"restore_mtime": st.st_mtime_ns}
    )
    thread.start()
    outcomes = []
    try:
        for _ in range(1000):
            item = ingest.read_one("rewritten.txt", path, st.st_size, st.st_mtime_ns)
            outcomes.append(None if item is None else item.text)
    finally:
        stop.set()
        thread.join()
    assert all(
        o in (None, ingest.normalise_newlines(one), ingest.normalise_newlines(two)) for o in outcomes
    ), "a half-rewritten file was ingested"
    assert None in outcomes  # the writer did overlap reads: they were deferred
    item = ingest.read_one("rewritten.txt", path, path.stat().st_size, path.stat().st_mtime_ns)
    assert isinstance(item, Decoded)  # once the writer stops, the next run reads it


def test_file_still_being_written_is_deferred(tmp_path: Path) -> None:
    """A file growing while it is read is left for the next run (nothing recorded)."""
    import subprocess
    import sys

    path = write(tmp_path, "growing.txt", PAGE[:1500].encode())
    writer = subprocess.Popen(  # another process, so its appends really overlap the reads
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "f = open(sys.argv[1], 'ab', buffering=0)\n"
            "while True:\n"
            "    f.write('更多内容。'.encode() * 20)\n"
            "    time.sleep(0.0002)\n",
            str(path),
        ]
    )
    try:
        deferred = 0
        snapshots = []
        for _ in range(400):
            res = scan(tmp_path, {})
            assert not res.rejected
            snapshots.extend(res.decoded)
            deferred += res.deferred == ["growing.txt"]
            if deferred >= 3:
                break
    finally:
        writer.kill()
        writer.wait()
    assert deferred
    final = path.read_bytes()  # every state of the file is a prefix of the last one
    for d in snapshots:  # a read between two appends is a complete state of the file, never a mix
        assert d.doc_id == hashlib.sha256(final[: d.size]).hexdigest()
    res = scan(tmp_path, {})  # next run: size is stable
    assert [d.path for d in res.decoded] == ["growing.txt"] and res.decoded[0].size == path.stat().st_size


def test_recently_modified_file_waits_when_settle_time_is_set(tmp_path: Path) -> None:
    write(tmp_path, "fresh.txt", PAGE.encode())
    res = scan(tmp_path, {}, settle_seconds=60)
    assert res.deferred == ["fresh.txt"]


# --- all of it at once -------------------------------------------------------------------------------


def test_bad_files_do_not_affect_good_ones(tmp_path: Path, con) -> None:
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        write(tmp_path, seed.name, seed.read_bytes())
    write(tmp_path, "empty.txt", b"")
    write(tmp_path, "binary.bin", bytes(range(256)) * 10)
    write(tmp_path, "blank.txt", b"\n\n   \n")
    res = scan(tmp_path, {})
    assert sorted(r.path for r in res.rejected) == ["binary.bin", "blank.txt", "empty.txt"]
    seeds = {d.path: d for d in res.decoded}
    assert len(seeds) == 5
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        assert seeds[seed.name].doc_id == hashlib.sha256(seed.read_bytes()).hexdigest()
    wl.record_ingest(con, "r1", res, {})
    wl.record_ingest(con, "r2", scan(tmp_path, wl.known_sightings(con)), {})  # idempotent re-run
    assert con.execute("SELECT count(*) FROM raw.quarantine").fetchone()[0] == 3
    assert con.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 5


def _doc(item: Decoded):
    from newsetl.pipeline.process import DocInput

    return DocInput(item.doc_id, item.path, item.text)


def test_scan_in_parts_writes_the_same_as_one_scan(tmp_path: Path) -> None:
    """A cold archive is read in parts (bounded memory); the warehouse ends up the same."""
    for i in range(6):
        write(tmp_path, f"p{i}.txt", (PAGE + f"\n第{i}页。").encode())
    write(tmp_path, "copy.txt", (PAGE + "\n第0页。").encode())  # same content as p0, in a later part
    write(tmp_path, "empty.txt", b"")
    parts = list(ingest.iter_scan(tmp_path, {}, chunk_bytes=len(PAGE.encode()) * 2))
    assert len(parts) >= 3
    results = {}
    for label, chunks in (("parts", [(p, {}) for p in parts]), ("whole", [(scan(tmp_path, {}), {})])):
        con = duckdb.connect()
        ensure_schema(con)
        stats: dict[str, int] = {}
        for part, mtimes in chunks:  # the flow writes each part in its own transaction
            for key, value in wl.record_ingest(con, "r1", part, mtimes).items():
                stats[key] = stats.get(key, 0) + value
        docs = con.execute("SELECT doc_id FROM raw.documents ORDER BY 1").fetchall()
        versions = con.execute("SELECT path, doc_id FROM raw.file_versions ORDER BY 1").fetchall()
        quarantined = con.execute("SELECT path, reason FROM raw.quarantine ORDER BY 1").fetchall()
        results[label] = (stats, docs, versions, quarantined)
    assert results["parts"] == results["whole"]
    assert results["whole"][0]["documents_new"] == 6


def test_cjk_share_counts_like_the_regexes():
    """The numpy count equals the definition: ``[\\u4e00-\\u9fff]`` over non-``\\s`` characters."""
    import random
    import re
    import sys

    from newsetl.core.script import cjk_share

    def reference(text: str) -> float:
        sample = text[:20000]
        letters = len(re.sub(r"\s+", "", sample))
        return len(re.sub("[^\u4e00-\u9fff]+", "", sample)) / letters if letters else 0.0

    spaces = [chr(c) for c in range(sys.maxunicode + 1) if re.match(r"\s", chr(c))]
    rng = random.Random(7)
    alphabet = [
        *spaces,
        "工",
        "信",
        "部",
        "\u4e00",
        "\u9fff",
        "\u4dff",
        "\ua000",
        "A",
        "，",
        "。",
        "\ud800",
        "😀",
        "𠀀",
    ]
    texts = ["", " \n\u3000", "工信部", "ASCII only", "工" * 25000 + "x"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 400))) for _ in range(300)]
    for text in texts:
        assert cjk_share(text) == reference(text), repr(text[:40])


def test_unreadable_file_is_retried_once_readable(tmp_path: Path, con) -> None:
    """Fixing a file's permissions changes neither its size nor its mtime: it is read again anyway."""
    inp = tmp_path / "input"
    inp.mkdir()
    page = write(inp, "locked.txt", PAGE.encode())
    st = page.stat()
    refused = Rejected("locked.txt", "cannot read: Permission denied", st.st_size, None, b"")
    wl.record_ingest(con, "r1", ingest.ScanResult(rejected=[refused]), {"locked.txt": st.st_mtime_ns})
    assert "locked.txt" not in wl.known_sightings(con)  # not skipped by the stat check next run
    res = scan(inp, wl.known_sightings(con))
    assert [d.path for d in res.decoded] == ["locked.txt"]

"""Keyed increments: what a lake publish writes for the tables that grow with the archive.

A run changes a few documents, yet the tables keyed by document or article hold the whole
archive. Replacing them whole makes every publish cost the archive's size. Instead:

* A **change set** is the set of keys (a document, an article, a search-index docid) whose rows
  differ between the work database and the lake's current snapshot. It is found by comparing a
  narrow projection (the key and the columns that change whenever the key's rows change, such as
  ``processed_run`` or dbt's ``built_at``) on both sides, both ways: new, changed and gone keys.
* A **keyed table** follows one change set: in the lake its rows of those keys are deleted and the
  work database's rows of those keys inserted. A table without the key column reaches it through
  a mapping table, as the loader does (the article child tables go by ``raw.articles.doc_id``).
* A **split table** has columns that every run rewrites on every row (``raw.documents.last_seen_run``:
  each complete scan sights every file). In the lake it is two tables, the stable columns keyed by
  document and the sighting columns (narrow, rewritten), and a view under the table's own name
  that joins them back in the work table's column order.

Everything happens inside the caller's open transaction: readers see none of it before COMMIT.
Afterwards each keyed table's row count is compared with the work table; a difference (a change
its change set does not see) replaces that table whole, so the lake never drifts from the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb

from newsetl.core.contracts import FTS_SCHEMA, INDEX_TABLE, RAW_CHILD_TABLES


@dataclass(frozen=True)
class ChangeSet:
    table: str  # schema.table in the work database and the lake
    key: str
    columns: tuple[str, ...]  # compared with the key; empty: every column but the key
    # (table, its column holding the key, a column that grows with every change of the key's rows):
    # a publish after one that recorded its mark reads only the keys above it
    marked: tuple[str, str, str] | None = None


@dataclass(frozen=True)
class Keyed:
    change_set: str
    key: str  # the table's column holding the change set's key, or the mapped key
    via: tuple[str, str] | None = None  # (mapping table, its change-set key column): key -> change-set key


@dataclass(frozen=True)
class Split:
    key: str
    sighting: tuple[str, ...]  # columns every run rewrites
    by_key: tuple[str, ...] = ()  # columns fixed by the key (not compared: a content hash's text)
    marker: str | None = None  # a stable column that grows with each new key (rows are only appended)


CHANGE_SETS: dict[str, ChangeSet] = {
    # the text core replaces a document's rows together and stamps them with the run (run ids sort
    # by their start time)
    "processed": ChangeSet(
        "raw.processed_documents",
        "doc_id",
        ("processor_version", "processed_run"),
        ("raw.processed_documents", "doc_id", "processed_run"),
    ),
    # dbt rebuilds an article's rows together and stamps int_articles_enriched with the build
    "built": ChangeSet(
        "intermediate.int_articles_enriched",
        "article_id",
        ("built_at",),
        ("intermediate.int_articles_enriched", "article_id", "built_at"),
    ),
    # the index numbers added articles above its highest docid; a changed article is removed and added
    "search_docs": ChangeSet(
        f"{FTS_SCHEMA}.docs", "docid", ("name", "len"), (f"{FTS_SCHEMA}.docs", "docid", "docid")
    ),
    "search_terms": ChangeSet(f"{FTS_SCHEMA}.dict", "termid", ()),
    "indexed": ChangeSet(INDEX_TABLE, "article_id", (), (f"{FTS_SCHEMA}.docs", "name", "docid")),
    "quarantine": ChangeSet(
        "raw.quarantine",
        "quarantine_id",
        ("run_id", "stage", "path", "reason"),
        ("raw.quarantine", "quarantine_id", "run_id"),
    ),
}

_BY_ARTICLE_OF_DOCUMENT = Keyed("processed", "article_id", ("raw.articles", "doc_id"))
KEYED: dict[str, Keyed] = {
    "raw.processed_documents": Keyed("processed", "doc_id"),
    "raw.articles": Keyed("processed", "doc_id"),
    "raw.page_furniture": Keyed("processed", "doc_id"),
    "raw.article_quarantine": Keyed("processed", "doc_id"),
    **{f"raw.{t}": _BY_ARTICLE_OF_DOCUMENT for t in RAW_CHILD_TABLES},
    "raw.quarantine": Keyed("quarantine", "quarantine_id"),
    "intermediate.int_articles_enriched": Keyed("built", "article_id"),
    "intermediate.int_article_organisations": Keyed("built", "article_id"),
    "intermediate.int_article_places": Keyed("built", "article_id"),
    "intermediate.int_article_policy_documents": Keyed("built", "article_id"),
    "marts.fct_articles": Keyed("built", "article_id"),
    **{
        f"marts.bridge_article_{t}": Keyed("built", "article_id")
        for t in ("topics", "ministries", "organisations", "people", "places", "policy_documents")
    },
    f"{FTS_SCHEMA}.docs": Keyed("search_docs", "docid"),
    f"{FTS_SCHEMA}.terms": Keyed("search_docs", "docid"),
    f"{FTS_SCHEMA}.dict": Keyed("search_terms", "termid"),
    INDEX_TABLE: Keyed("indexed", "article_id"),
}

SPLIT: dict[str, Split] = {"raw.documents": Split("doc_id", ("last_seen_run",), ("text",), "first_seen_run")}
STABLE_SUFFIX = "__stable"  # raw.documents__stable: the columns a document keeps
SIGHTING_SUFFIX = "__sightings"  # raw.documents__sightings: the columns each run rewrites


class Laps(dict[str, float]):
    """Seconds per named step of a publish: ``lap(name)`` adds the time since the previous lap."""

    def __init__(self) -> None:
        super().__init__()
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self[name] = round(self.get(name, 0.0) + now - self._last, 3)
        self._last = now


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(catalog: str, table: str) -> str:
    schema, name = table.split(".", 1)
    return f"{catalog}.{ident(schema)}.{ident(name)}"


def all_columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[tuple[str, str]]]:
    """Per table (and view) of a catalog, its columns (name, type) in order: one catalog query."""
    out: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, kind in con.execute(
        """SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
           WHERE database_name = ? ORDER BY schema_name, table_name, column_index""",
        [catalog],
    ).fetchall():
        out.setdefault(f"{schema}.{table}", []).append((column, kind))
    return out


# rows per INSERT when a table is written whole, so no statement's buffers grow with the table (a
# cold publish of 100,000 pages writes ~300 M search-index terms)
COPY_CHUNK_ROWS = 2_000_000


def copy_whole(
    con: duckdb.DuckDBPyConnection, target: str, work: str, table: str, columns: list[str] | None = None
) -> int:
    """``CREATE OR REPLACE`` ``target`` with the rows of the work table, inserted in rowid ranges of
    :data:`COPY_CHUNK_ROWS` so memory stays bounded whatever the table's size; returns the rows."""
    src = qualified(work, table)
    select = f"SELECT {', '.join(map(ident, columns)) if columns else '*'} FROM {src}"  # noqa: S608 - quoted identifiers
    con.execute(f"CREATE OR REPLACE TABLE {target} AS {select} LIMIT 0")  # noqa: S608 - quoted identifiers
    (top,) = con.execute(f"SELECT max(rowid) FROM {src}").fetchone()  # noqa: S608 - quoted identifiers
    rows = 0
    for start in range(0, (top if top is not None else -1) + 1, COPY_CHUNK_ROWS):
        (n,) = con.execute(
            f"INSERT INTO {target} {select} WHERE rowid >= {start} AND rowid < {start + COPY_CHUNK_ROWS}"  # noqa: S608 - ints
        ).fetchone()
        rows += int(n)
    return rows


def _rel(kind: str, name: str) -> str:
    """The name of a registered key relation: ``_chg_processed``, ``_old_raw_documents``."""
    return f"_{kind}_{name.replace('.', '_')}"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _count_mismatches(con: duckdb.DuckDBPyConnection, work: str, lake: str, tables: list[str]) -> list[str]:
    """The tables whose row count differs between the two catalogs (one query per catalog)."""
    if not tables:
        return []

    def counts(catalog: str) -> list[int]:
        parts = [f"SELECT {i} AS i, count(*) AS n FROM {qualified(catalog, t)}" for i, t in enumerate(tables)]  # noqa: S608
        return [n for _, n in con.execute(" UNION ALL ".join(parts) + " ORDER BY i").fetchall()]

    return [t for t, a, b in zip(tables, counts(work), counts(lake), strict=True) if a != b]


class Recompare(Exception):  # noqa: N818 - a signal to the caller, not an error
    """Comparing only the keys above the last publish's marks left a table whose row count differs
    from the work database's (a key gone, or a change beside its change set): compare everything."""


class Increments:
    """The keyed and split tables' part of one publish, on a connection with both catalogs attached
    and the lake's transaction open.

    With ``marks`` (recorded by the last publish: per change set, the highest value of a column
    that grows with every change) a change set is the work database's keys above the mark, so
    neither the lake nor the unchanged archive is read to find it; the keys among them the lake
    already holds (a reprocessed document) are looked up to delete their old rows. A key that is
    gone shows as a row count that differs from the work table's after the writes: :class:`Recompare`.
    Without marks (a new lake, or after a Recompare) both sides are compared whole.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        work: str,
        lake: str,
        work_columns: dict[str, list[tuple[str, str]]] | None = None,
        parts: Laps | None = None,
        marks: dict[str, str] | None = None,
    ) -> None:
        self.con, self.work, self.lake = con, work, lake
        self.parts = parts if parts is not None else Laps()
        self.cols = {work: work_columns or all_columns(con, work), lake: all_columns(con, lake)}
        self.marks_before = dict(marks or {})
        self.marks: dict[str, str] = {}  # recorded with this publish, for the next one
        self.fast: list[str] = []  # change sets (and split tables) read above their mark
        self.changed: dict[str, int | None] = {}  # change set -> keys (None: compared whole, not keyed)
        self._rows: dict[str, int] = {}  # registered key relation -> its rows
        self.inserted = 0
        self.deleted = 0
        self.sighted = 0
        self.touched: list[str] = []  # keyed and split tables written to (some rows, or whole)
        self.replaced: list[str] = []  # keyed tables written whole (new, new columns, or a count mismatch)
        self.repaired: list[str] = []  # of those: count mismatch after the increment

    def _columns(self, catalog: str, table: str) -> list[tuple[str, str]]:
        return self.cols[catalog].get(table, [])

    def _register(self, name: str, sql: str) -> str:
        rows = self.con.execute(sql).to_arrow_table()
        self.con.register(name, rows)
        self._rows[name] = rows.num_rows
        return name

    # ------------------------------------------------------------------ change sets

    def _above_mark(self, name: str, table: str, key: str, marker: str) -> str | None:
        """Register ``_chg_<name>``: the keys of ``table`` whose ``marker`` is above the last publish's
        mark; record this publish's mark. None when there is no usable mark (then compare whole)."""
        kind = dict(self._columns(self.work, table)).get(marker)
        if kind is None:
            return None
        src, col = qualified(self.work, table), ident(marker)
        mark = self.marks_before.get(name)
        if name in self.marks:  # recorded, not compared (a table written whole)
            return None
        top, usable = self.con.execute(
            f"SELECT max({col})::VARCHAR, max({col}) >= TRY_CAST(? AS {kind}) FROM {src}",  # noqa: S608 - catalog names
            [mark],
        ).fetchone()
        if top is not None:
            self.marks[name] = top
        if mark is None or not usable:  # no mark, or the work database went back behind it
            return None
        self.fast.append(name)
        return self._register(
            _rel("chg", name),
            f"SELECT DISTINCT {ident(key)} AS k FROM {src} WHERE {col} > CAST({_literal(mark)} AS {kind})",  # noqa: S608
        )

    def _in_lake(self, name: str, table: str, key: str) -> str:
        """Register ``_old_<name>``: the changed keys the lake's ``table`` holds (their rows to delete)."""
        chg = _rel("chg", name)
        if not self._rows[chg]:
            return self._register(_rel("old", name), f"SELECT k FROM {chg}")  # noqa: S608 - fixed name
        return self._register(
            _rel("old", name),
            f"SELECT DISTINCT {ident(key)} AS k FROM {qualified(self.lake, table)} WHERE {ident(key)} IN (SELECT k FROM {chg})",  # noqa: S608
        )

    def _change_set(self, name: str) -> bool:
        """Register ``_chg_<name>`` (the changed keys) and ``_old_<name>`` (those of them whose rows
        the lake holds); False if it cannot be compared."""
        if name in self.changed:
            return self.changed[name] is not None
        spec = CHANGE_SETS[name]
        work_cols = self._columns(self.work, spec.table)
        if not work_cols or work_cols != self._columns(self.lake, spec.table):
            self.changed[name] = None
            return False
        if spec.marked and self._above_mark(name, *spec.marked):
            if spec.marked[1:] == (spec.key, spec.key):  # the key is its own mark: keys above it are new
                self._register(f"_old_{name}", f"SELECT k FROM _chg_{name} LIMIT 0")  # noqa: S608
            else:
                self._in_lake(name, spec.table, spec.key)
        else:
            cols = spec.columns or tuple(c for c, _ in work_cols if c != spec.key)
            projection = ", ".join(ident(c) for c in (spec.key, *cols))
            w = f"SELECT {projection} FROM {qualified(self.work, spec.table)}"  # noqa: S608 - quoted identifiers
            lk = f"SELECT {projection} FROM {qualified(self.lake, spec.table)}"  # noqa: S608 - quoted identifiers
            self._register(
                f"_chg_{name}",
                f"SELECT {ident(spec.key)} AS k FROM ({w} EXCEPT {lk}) "  # noqa: S608 - quoted identifiers
                f"UNION SELECT {ident(spec.key)} FROM ({lk} EXCEPT {w})",
            )
            self._register(f"_old_{name}", f"SELECT k FROM _chg_{name}")  # noqa: S608 - fixed name
        self.changed[name] = self._rows[f"_chg_{name}"]
        return True

    def _mapped_keys(self, spec: Keyed) -> tuple[str, str]:
        """Registered relations of the table's keys whose lake rows to delete and whose work rows to
        insert: the change set's, or (through the mapping table) the keys they map to, in the lake
        and in the work database for the deletes."""
        old, chg = f"_old_{spec.change_set}", f"_chg_{spec.change_set}"
        if spec.via is None:
            return old, chg
        mapping, mapped = spec.via
        name = f"{spec.change_set}_{mapping.replace('.', '_')}"
        if f"_del_{name}" not in self._rows:

            def select(catalog: str, keys: str) -> str:
                return (
                    f"SELECT {ident(spec.key)} AS k FROM {qualified(catalog, mapping)} "  # noqa: S608 - quoted identifiers
                    f"WHERE {ident(mapped)} IN (SELECT k FROM {keys})"
                )

            empty = f"SELECT k FROM {old} LIMIT 0"  # noqa: S608 - fixed name
            deletes = (
                " UNION ".join(select(c, old) for c in (self.lake, self.work)) if self._rows[old] else empty
            )
            self._register(f"_del_{name}", deletes)
            self._register(f"_ins_{name}", select(self.work, chg))
        return f"_del_{name}", f"_ins_{name}"

    # ------------------------------------------------------------------ writing

    def _replace(self, table: str, source: str | None = None, columns: list[str] | None = None) -> None:
        """Write ``table`` whole from the work table ``source`` (default: the same name)."""
        self.inserted += copy_whole(
            self.con, qualified(self.lake, table), self.work, source or table, columns
        )
        self.replaced.append(table)
        if table not in self.touched:
            self.touched.append(table)

    def _count(self, catalog: str, table: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {qualified(catalog, table)}").fetchone()[0])  # noqa: S608

    def _increment(
        self,
        table: str,
        key: str,
        deletes: str,
        inserts: str,
        select: str | None = None,
        source: str | None = None,
    ) -> None:
        """Delete the lake's rows of the keys in ``deletes``, insert the work rows of ``inserts``
        (from the work table ``source``, default the same name, through ``select``).

        The work rows are found by their key column first, then read whole within their rowid range
        only: DuckDB skips the row groups outside a constant rowid range, so the few new rows, which
        the loader and dbt append at the end, are read without the archive's article bodies."""
        col = ident(key)
        deleted = inserted = 0
        if self._rows[deletes]:
            (deleted,) = self.con.execute(
                f"DELETE FROM {qualified(self.lake, table)} WHERE {col} IN (SELECT k FROM {deletes})"  # noqa: S608
            ).fetchone()
        src = qualified(self.work, source or table)
        if self._rows[inserts]:
            first, last = self.con.execute(
                f"SELECT min(rowid), max(rowid) FROM {src} WHERE {col} IN (SELECT k FROM {inserts})"  # noqa: S608
            ).fetchone()
            if first is not None:
                (inserted,) = self.con.execute(
                    f"INSERT INTO {qualified(self.lake, table)} {select or f'SELECT * FROM {src}'} "  # noqa: S608
                    f"WHERE rowid BETWEEN {int(first)} AND {int(last)} AND {col} IN (SELECT k FROM {inserts})"
                ).fetchone()
        self.deleted += int(deleted)
        self.inserted += int(inserted)
        if deleted or inserted:
            self.touched.append(table)

    def apply(self, work_tables: list[str], lake_tables: set[str]) -> None:
        """Bring every keyed and split table among ``work_tables`` up to date in the lake."""
        keyed = [t for t in work_tables if t in KEYED]
        # every key set is read before the first write: a mapping table is itself keyed
        plan: dict[str, tuple[str, str] | None] = {}
        for table in keyed:
            spec = KEYED[table]
            same = table in lake_tables and self._columns(self.work, table) == self._columns(self.lake, table)
            plan[table] = self._mapped_keys(spec) if same and self._change_set(spec.change_set) else None
        self.parts.lap("change_sets")
        for table in keyed:
            keys = plan[table]
            if keys is None:
                self._replace(table)
            elif self.changed[KEYED[table].change_set]:
                self._increment(table, KEYED[table].key, *keys)
        self.parts.lap("keyed_writes")
        incremented = [t for t in keyed if plan[t] is not None]
        mismatched = _count_mismatches(self.con, self.work, self.lake, incremented)
        self.parts.lap("counts")
        if mismatched and self.fast:
            raise Recompare(", ".join(mismatched))
        for table in mismatched:
            self._replace(table)  # a change the change set does not see: the table whole
            self.repaired.append(table)
        self.parts.lap("repairs")
        for table in work_tables:
            if table in SPLIT:
                self._split(table, lake_tables)
        self.parts.lap("split")
        self._record_marks()

    def _record_marks(self) -> None:
        """The marks of the change sets this publish did not compare by mark (tables written whole,
        compared whole): the next publish reads above them."""
        marked = [(n, s.marked[0], s.marked[2]) for n, s in CHANGE_SETS.items() if s.marked]
        marked += [(t, t, s.marker) for t, s in SPLIT.items() if s.marker]
        for name, table, marker in marked:
            if name in self.marks or marker not in dict(self._columns(self.work, table)):
                continue
            (top,) = self.con.execute(
                f"SELECT max({ident(marker)})::VARCHAR FROM {qualified(self.work, table)}"  # noqa: S608 - quoted identifiers
            ).fetchone()
            if top is not None:
                self.marks[name] = top

    def _split(self, table: str, lake_tables: set[str]) -> None:
        """The stable columns keyed by document, the sighting columns rewritten, and the view."""
        spec = SPLIT[table]
        work_cols = self._columns(self.work, table)
        names = [c for c, _ in work_cols]
        stable_cols = [c for c in names if c not in spec.sighting]
        stable, sightings = table + STABLE_SUFFIX, table + SIGHTING_SUFFIX
        src = qualified(self.work, table)
        stable_sql = f"SELECT {', '.join(map(ident, stable_cols))} FROM {src}"  # noqa: S608
        want = [(c, t) for c, t in work_cols if c not in spec.sighting]
        if stable in lake_tables and self._columns(self.lake, stable) == want:
            key = ident(spec.key)
            chg, old = _rel("chg", table), _rel("old", table)
            if spec.marker and self._above_mark(table, table, spec.key, spec.marker):
                self._in_lake(table, stable, spec.key)
            else:
                compared = ", ".join(ident(c) for c in stable_cols if c not in spec.by_key)
                w = f"SELECT {compared} FROM {src}"  # noqa: S608 - quoted identifiers
                lk = f"SELECT {compared} FROM {qualified(self.lake, stable)}"  # noqa: S608 - quoted identifiers
                both_ways = (
                    f"SELECT {key} AS k FROM ({w} EXCEPT {lk}) UNION SELECT {key} FROM ({lk} EXCEPT {w})"  # noqa: S608
                )
                self._register(chg, both_ways)
                self._register(old, f"SELECT k FROM {chg}")  # noqa: S608 - fixed name
            self.changed[table] = self._rows[chg]
            if self.changed[table]:
                self._increment(stable, spec.key, old, chg, stable_sql, table)
            if self._count(self.lake, stable) != self._count(self.work, table):
                if table in self.fast:
                    raise Recompare(stable)
                self._replace(stable, table, stable_cols)
                self.repaired.append(stable)
        else:
            self._replace(stable, table, stable_cols)
        self.sighted += copy_whole(
            self.con, qualified(self.lake, sightings), self.work, table, [spec.key, *spec.sighting]
        )
        schema, name = table.split(".", 1)
        select = ", ".join(("g." if c in spec.sighting else "s.") + ident(c) for c in names)
        # unqualified names: a view binds in its own catalog, whatever alias a reader attaches it as
        self.con.execute(
            f"CREATE OR REPLACE VIEW {qualified(self.lake, table)} AS SELECT {select} "  # noqa: S608
            f"FROM {ident(schema)}.{ident(name + STABLE_SUFFIX)} AS s "
            f"INNER JOIN {ident(schema)}.{ident(name + SIGHTING_SUFFIX)} AS g USING ({ident(spec.key)})"
        )

    def lake_names(self, work_tables: list[str]) -> set[str]:
        """The lake tables these work tables become (a split table: its two parts)."""
        out = set()
        for t in work_tables:
            out |= {t + STABLE_SUFFIX, t + SIGHTING_SUFFIX} if t in SPLIT else {t}
        return out

    def stats(self) -> dict[str, object]:
        return {
            "rows_inserted": self.inserted,
            "rows_deleted": self.deleted,
            "rows_sighted": self.sighted,
            "changed_keys": {k: v for k, v in self.changed.items() if v is not None},
            "above_marks": self.fast,
            "replaced_whole": self.replaced,
            "repaired": self.repaired,
        }

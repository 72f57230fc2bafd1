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

from dataclasses import dataclass

import duckdb

from newsetl.core.contracts import FTS_SCHEMA, INDEX_TABLE, RAW_CHILD_TABLES


@dataclass(frozen=True)
class ChangeSet:
    table: str  # schema.table in the work database and the lake
    key: str
    columns: tuple[str, ...]  # compared with the key; empty: every column but the key


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


CHANGE_SETS: dict[str, ChangeSet] = {
    # the text core replaces a document's rows together and stamps them with the run
    "processed": ChangeSet("raw.processed_documents", "doc_id", ("processor_version", "processed_run")),
    # dbt rebuilds an article's rows together and stamps int_articles_enriched with the build
    "built": ChangeSet("intermediate.int_articles_enriched", "article_id", ("built_at",)),
    "search_docs": ChangeSet(f"{FTS_SCHEMA}.docs", "docid", ("name", "len")),
    "search_terms": ChangeSet(f"{FTS_SCHEMA}.dict", "termid", ()),
    "indexed": ChangeSet(INDEX_TABLE, "article_id", ()),
    "quarantine": ChangeSet("raw.quarantine", "quarantine_id", ("run_id", "stage", "path", "reason")),
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

SPLIT: dict[str, Split] = {"raw.documents": Split("doc_id", ("last_seen_run",), ("text",))}
STABLE_SUFFIX = "__stable"  # raw.documents__stable: the columns a document keeps
SIGHTING_SUFFIX = "__sightings"  # raw.documents__sightings: the columns each run rewrites


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


def _count_mismatches(con: duckdb.DuckDBPyConnection, work: str, lake: str, tables: list[str]) -> list[str]:
    """The tables whose row count differs between the two catalogs (one query per catalog)."""
    if not tables:
        return []

    def counts(catalog: str) -> list[int]:
        parts = [f"SELECT {i} AS i, count(*) AS n FROM {qualified(catalog, t)}" for i, t in enumerate(tables)]  # noqa: S608
        return [n for _, n in con.execute(" UNION ALL ".join(parts) + " ORDER BY i").fetchall()]

    return [t for t, a, b in zip(tables, counts(work), counts(lake), strict=True) if a != b]


class Increments:
    """The keyed and split tables' part of one publish, on a connection with both catalogs attached
    and the lake's transaction open."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        work: str,
        lake: str,
        work_columns: dict[str, list[tuple[str, str]]] | None = None,
    ) -> None:
        self.con, self.work, self.lake = con, work, lake
        self.cols = {work: work_columns or all_columns(con, work), lake: all_columns(con, lake)}
        self.changed: dict[str, int | None] = {}  # change set -> keys (None: compared whole, not keyed)
        self.inserted = 0
        self.deleted = 0
        self.sighted = 0
        self.touched: list[str] = []  # keyed and split tables written to (some rows, or whole)
        self.replaced: list[str] = []  # keyed tables written whole (new, new columns, or a count mismatch)
        self.repaired: list[str] = []  # of those: count mismatch after the increment

    def _columns(self, catalog: str, table: str) -> list[tuple[str, str]]:
        return self.cols[catalog].get(table, [])

    # ------------------------------------------------------------------ change sets

    def _change_set(self, name: str) -> bool:
        """Register ``_chg_<name>`` (the changed keys); False if it cannot be compared."""
        if name in self.changed:
            return self.changed[name] is not None
        spec = CHANGE_SETS[name]
        work_cols = self._columns(self.work, spec.table)
        if not work_cols or work_cols != self._columns(self.lake, spec.table):
            self.changed[name] = None
            return False
        cols = spec.columns or tuple(c for c, _ in work_cols if c != spec.key)
        projection = ", ".join(ident(c) for c in (spec.key, *cols))
        w = f"SELECT {projection} FROM {qualified(self.work, spec.table)}"  # noqa: S608 - quoted identifiers
        lk = f"SELECT {projection} FROM {qualified(self.lake, spec.table)}"  # noqa: S608 - quoted identifiers
        keys = self.con.execute(
            f"SELECT {ident(spec.key)} AS k FROM ({w} EXCEPT {lk}) "  # noqa: S608 - quoted identifiers
            f"UNION SELECT {ident(spec.key)} FROM ({lk} EXCEPT {w})"
        ).to_arrow_table()
        self.con.register(f"_chg_{name}", keys)
        self.changed[name] = keys.num_rows
        return True

    def _mapped_keys(self, table: str, spec: Keyed) -> str:
        """A registered relation of the table's keys to replace: the change set's keys, or (through
        the mapping table) the keys they map to in the lake now and in the work database."""
        if spec.via is None:
            return f"_chg_{spec.change_set}"
        mapping, mapped = spec.via
        name = f"_map_{spec.change_set}_{mapping.replace('.', '_')}"
        if name not in self._maps:
            parts = [
                f"SELECT {ident(spec.key)} AS k FROM {qualified(cat, mapping)} "  # noqa: S608 - quoted identifiers
                f"WHERE {ident(mapped)} IN (SELECT k FROM _chg_{spec.change_set})"
                for cat in (self.lake, self.work)
            ]
            self.con.register(name, self.con.execute(" UNION ".join(parts)).to_arrow_table())
            self._maps.add(name)
        return name

    # ------------------------------------------------------------------ writing

    def _replace(self, table: str, source: str | None = None) -> None:
        self.con.execute(
            f"CREATE OR REPLACE TABLE {qualified(self.lake, table)} AS FROM {source or qualified(self.work, table)}"  # noqa: S608
        )
        self.inserted += self._count(self.lake, table)
        self.replaced.append(table)
        if table not in self.touched:
            self.touched.append(table)

    def _count(self, catalog: str, table: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {qualified(catalog, table)}").fetchone()[0])  # noqa: S608

    def apply(self, work_tables: list[str], lake_tables: set[str]) -> None:
        """Bring every keyed and split table among ``work_tables`` up to date in the lake."""
        self._maps: set[str] = set()
        keyed = [t for t in work_tables if t in KEYED]
        # every key set is read before the first write: a mapping table is itself keyed
        plan = {}
        for table in keyed:
            spec = KEYED[table]
            same = table in lake_tables and self._columns(self.work, table) == self._columns(self.lake, table)
            if same and self._change_set(spec.change_set):
                plan[table] = self._mapped_keys(table, spec)
            else:
                plan[table] = None
        for table in keyed:
            keys = plan[table]
            if keys is None:
                self._replace(table)
                continue
            if not self.changed[KEYED[table].change_set]:
                continue
            col = ident(KEYED[table].key)
            (deleted,) = self.con.execute(
                f"DELETE FROM {qualified(self.lake, table)} WHERE {col} IN (SELECT k FROM {keys})"  # noqa: S608
            ).fetchone()
            (inserted,) = self.con.execute(
                f"INSERT INTO {qualified(self.lake, table)} SELECT * FROM {qualified(self.work, table)} "  # noqa: S608
                f"WHERE {col} IN (SELECT k FROM {keys})"
            ).fetchone()
            self.deleted += int(deleted)
            self.inserted += int(inserted)
            if deleted or inserted:
                self.touched.append(table)
        incremented = [t for t in keyed if plan[t] is not None]
        for table in _count_mismatches(self.con, self.work, self.lake, incremented):
            self._replace(table)  # a change the change set does not see: the table whole
            self.repaired.append(table)
        for table in work_tables:
            if table in SPLIT:
                self._split(table, lake_tables)

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
            compared = ", ".join(ident(c) for c in stable_cols if c not in spec.by_key)
            w = f"SELECT {compared} FROM {src}"  # noqa: S608 - quoted identifiers
            lk = f"SELECT {compared} FROM {qualified(self.lake, stable)}"  # noqa: S608 - quoted identifiers
            keys = self.con.execute(
                f"SELECT {key} AS k FROM ({w} EXCEPT {lk}) UNION SELECT {key} FROM ({lk} EXCEPT {w})"  # noqa: S608
            ).to_arrow_table()
            self.changed[table] = keys.num_rows
            if keys.num_rows:
                self.con.register("_chg_split", keys)
                (deleted,) = self.con.execute(
                    f"DELETE FROM {qualified(self.lake, stable)} WHERE {key} IN (SELECT k FROM _chg_split)"  # noqa: S608
                ).fetchone()
                (inserted,) = self.con.execute(
                    f"INSERT INTO {qualified(self.lake, stable)} {stable_sql} WHERE {key} IN (SELECT k FROM _chg_split)"  # noqa: S608
                ).fetchone()
                self.deleted += int(deleted)
                self.inserted += int(inserted)
                self.touched.append(stable)
            if self._count(self.lake, stable) != self._count(self.work, table):
                self._replace(stable, f"({stable_sql})")
                self.repaired.append(stable)
        else:
            self._replace(stable, f"({stable_sql})")
        sighting_sql = f"SELECT {', '.join(map(ident, [spec.key, *spec.sighting]))} FROM {src}"  # noqa: S608
        self.con.execute(f"CREATE OR REPLACE TABLE {qualified(self.lake, sightings)} AS {sighting_sql}")  # noqa: S608
        self.sighted += self._count(self.lake, sightings)
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
            "replaced_whole": self.replaced,
            "repaired": self.repaired,
        }

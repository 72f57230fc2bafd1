"""A/B of the publish step's search-index build on one work database (10,000 synthetic pages).

new: the tokens the text workers stored (raw.article_search) are indexed;
old: raw.article_search dropped, so build_search_index segments every article (main's behaviour).
Alternated, each on a fresh copy of the database with the search index removed.
"""
import resource, shutil, sys, time
import duckdb
from newsetl.config import duckdb_config
from newsetl.pipeline.search import build_search_index


def main():


    src = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    for r in range(rounds):
        for variant in ("old", "new") if r % 2 == 0 else ("new", "old"):
            db = f"/tmp/wt20-ab/ab-{variant}.duckdb"
            shutil.copy(src, db)
            con = duckdb.connect(db, config=duckdb_config())
            con.execute("DROP SCHEMA IF EXISTS fts_search_article_text CASCADE")
            con.execute("DROP SCHEMA IF EXISTS search CASCADE")
            if variant == "old":
                con.execute("DROP TABLE raw.article_search")
            con.execute("CHECKPOINT")
            t0, c0 = time.perf_counter(), time.process_time()
            ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            stats = build_search_index(con)
            con.execute("CHECKPOINT")
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            child = (ch1.ru_utime + ch1.ru_stime) - (ch0.ru_utime + ch0.ru_stime)
            con.close()
            import os
            print(f"round {r} {variant}: wall {wall:.1f} s, cpu here {cpu:.1f} s, cpu pool {child:.1f} s, "
                  f"load {os.getloadavg()[0]:.1f}, {stats}", flush=True)


if __name__ == '__main__':
    main()

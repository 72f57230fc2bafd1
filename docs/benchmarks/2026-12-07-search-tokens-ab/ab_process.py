"""A/B of process_batch CPU with and without the search tokens (the text workers' extra work).

The first N synthetic pages, in one process, after a warm-up; alternated rounds, CPU seconds
(time.process_time), GC relaxed as in the workers.
"""
import sys, time
from newsetl.pipeline import process
from newsetl.pipeline.ingest import decode_bytes
from newsetl.pipeline.process import DocInput, process_batch, relax_gc
from newsetl_tools.synth import iter_pages


def main():


    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    docs = [DocInput(f"d{p.index}", p.file_name, decode_bytes(p.data)[0]) for p in iter_pages(n)]
    chars = sum(len(d.text) for d in docs)
    with_tokens = process._search_records
    process_batch(docs[:20], "warm")
    relax_gc()
    for r in range(rounds):
        for variant in ("without", "with") if r % 2 == 0 else ("with", "without"):
            process._search_records = with_tokens if variant == "with" else (lambda arts: [])
            c0 = time.process_time()
            rows, _ = process_batch(docs, "r")
            cpu = time.process_time() - c0
            print(f"round {r} {variant} tokens: {cpu:.2f} s CPU for {n} pages ({chars/1e6:.1f} M chars), "
                  f"{1000*cpu/n:.2f} ms/page, {len(rows['articles']['article_id'])} articles", flush=True)


if __name__ == '__main__':
    main()

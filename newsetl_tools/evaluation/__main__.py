"""``python -m newsetl_tools.evaluation build|score``: the real-page corpus and its scores.

build --archive 2019-02.7z --archive 2020-05.7z --out /tmp/realpages
score --corpus /tmp/realpages [--part test] [--kind multi|single] [--baseline]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from newsetl.core.text import segment_page
from newsetl_tools.evaluation.archive import iter_archive
from newsetl_tools.evaluation.realpages import build_corpus, load_truth
from newsetl_tools.evaluation.realscore import naive_segment, score_pages

# only these months may be read: the others are kept for evaluation
ALLOWED_MONTHS = ("2019-02", "2020-05")


def _core(text: str, doc_id: str) -> list:
    return segment_page(text, doc_id).articles


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m newsetl_tools.evaluation", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the corpus pages and truth from archive months")
    b.add_argument("--archive", action="append", type=Path, required=True)
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--seed", type=int, default=2024)
    s = sub.add_parser("score", help="segment and date the corpus pages, print the scores")
    s.add_argument("--corpus", type=Path, required=True)
    s.add_argument("--part", choices=("tune", "test"), default="test")
    s.add_argument("--kind", choices=("multi", "single"), default="multi")
    s.add_argument("--baseline", action="store_true", help="score the naive short-line splitter instead")
    s.add_argument("--no-dates", action="store_true", help="skip the classifier (segmentation only)")
    s.add_argument("--per-phenomenon", action="store_true")
    s.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.cmd == "build":
        for p in args.archive:
            if not any(m in str(p) for m in ALLOWED_MONTHS):
                ap.error(f"{p}: only the development months {ALLOWED_MONTHS} may be read")
        pages = build_corpus(iter_archive(args.archive), args.out, seed=args.seed)
        print(f"{len(pages)} pages, {sum(len(p.articles) for p in pages)} articles -> {args.out}")
        return 0
    pages = [p for p in load_truth(args.corpus) if p.part == args.part and f"/{args.kind}/" in p.file]
    texts = {p.file: (args.corpus / "pages" / p.file).read_text(encoding="utf-8") for p in pages}
    t0 = time.perf_counter()
    total, per = score_pages(pages, texts, naive_segment if args.baseline else _core, not args.no_dates)
    secs = time.perf_counter() - t0
    out = {
        "part": args.part,
        "kind": args.kind,
        "pages": len(pages),
        **total.summary(),
        "seconds": round(secs, 1),
    }
    if args.json:
        out["errors"] = dict(total.errors)
        out["per_phenomenon"] = {k: v.summary() for k, v in sorted(per.items())}
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return 0
    print("  ".join(f"{k} {v}" for k, v in out.items()))
    print("errors: " + ", ".join(f"{k} {v}" for k, v in total.errors.most_common()))
    if args.per_phenomenon:
        for k, v in sorted(per.items()):
            sm = v.summary()
            print(
                f"  {k:18s} n={sm['articles']:4d} exact {sm['exact']:.3f} titles {sm['titles']:.3f} "
                f"precision {sm['precision']:.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

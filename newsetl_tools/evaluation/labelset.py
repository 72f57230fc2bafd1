"""The hand-labelled real-article set for topics and ministries.

``python -m newsetl_tools.evaluation.labelset select --archive DIR ... [--out FILE]``
    chooses the articles to label (deterministic) and writes their keys;
``python -m newsetl_tools.evaluation.labelset dump --archive DIR ... --out FILE``
    writes the chosen articles' text to a scratch file for reading (keep it outside
    the repository: no article text is ever committed);
``python -m newsetl_tools.evaluation.labelset score --archive DIR ... [--part tune|test|all] [-v]``
    rebuilds the labelled set from the archive (file name + body hash), classifies
    every article as the pipeline does (kicker and subtitle before the body) and prints
    primary-topic accuracy, topic and ministry precision/recall/F1, false topics on
    articles outside the taxonomy and a per-topic table; ``-v`` lists every error.
    ``--labels FILE --kept-back`` scores labels of other months kept back for evaluation.

Only the development months (People's Daily 2019-02 and 2020-05) may be read; the
split is the real-page corpus's: odd days of the month tune, even days test.
The labels and the rules they follow: ``newsetl_tools/evaluation/data/labels.jsonl`` and
``docs/topic-evaluation.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsetl.core.classify import classify_article
from newsetl.core.models import PageContext
from newsetl_tools.evaluation.archive import ArchiveArticle, iter_archive
from newsetl_tools.evaluation.realpages import part_of

ALLOWED_MONTHS = ("2019-02", "2020-05")
LABELS = Path(__file__).with_name("data") / "labels.jsonl"
SEED = 16
MIN_BODY = 400  # shorter items (photo captions, briefs, lists) are not labelled
GENERAL_PER_DAY = 2  # articles from any page
ECONOMY_PER_DAY = 2  # articles from the day's most economic pages (oversampled)
# words that make a page an economy/industry/technology page: deliberately broad and not
# the topic lexicon, so the oversampling does not pick the classifier's own evidence terms
_ECONOMY_WORDS = re.compile(r"经济|产业|企业|工业|制造|科技|技术|市场|消费|投资|互联网|信息化|数字|生产")
# a second pass (added after the first labels, so it leaves the first picks as they were):
# one more article a day from the pages richest in industry and technology words
TECH_PER_DAY = 1
_TECH_WORDS = re.compile(r"工业|制造|企业|产业|科技|技术|互联网|信息|通信|电子|软件|数据|网络|智能|产品|平台")


def check_months(paths: Iterable[Path]) -> list[Path]:
    out = []
    for p in paths:
        if not any(m in str(p) for m in ALLOWED_MONTHS):
            raise SystemExit(f"{p}: only the development months {ALLOWED_MONTHS} may be read")
        out.append(p)
    return out


def body_text(a: ArchiveArticle) -> str:
    return "\n".join(a.paragraphs)


def select(articles: Iterable[ArchiveArticle], seed: int = SEED) -> list[ArchiveArticle]:
    """Per day: GENERAL_PER_DAY articles of any page, ECONOMY_PER_DAY from the day's most
    economic pages (one more every other pair of days), TECH_PER_DAY from the remaining pages
    richest in industry and technology words; one article a page, each text once."""
    by_day: dict[object, list[ArchiveArticle]] = defaultdict(list)
    for a in articles:
        if len(body_text(a)) >= MIN_BODY:
            by_day[a.date].append(a)
    rng = random.Random(seed)
    tech_rng = random.Random(seed + 1)
    chosen: list[ArchiveArticle] = []
    for day in sorted(by_day, key=str):
        arts = sorted(by_day[day], key=lambda a: a.name)
        pages: dict[int, list[ArchiveArticle]] = defaultdict(list)
        for a in arts:
            pages[a.page].append(a)
        density = {
            p: len(_ECONOMY_WORDS.findall("".join(a.title + body_text(a) for a in xs)))
            / max(1, sum(len(body_text(a)) for a in xs))
            for p, xs in pages.items()
        }
        used: set[int] = set()
        n_econ = ECONOMY_PER_DAY + (1 if (day.day // 2) % 2 == 0 else 0)  # type: ignore[attr-defined]
        econ_pages = sorted(pages, key=lambda p: (-density[p], p))[: n_econ + 2]
        rng.shuffle(econ_pages)
        for p in econ_pages[:n_econ]:
            chosen.append(rng.choice(pages[p]))
            used.add(p)
        rest = [p for p in sorted(pages) if p not in used]
        for p in rng.sample(rest, min(GENERAL_PER_DAY, len(rest))):
            chosen.append(rng.choice(pages[p]))
            used.add(p)
        tech = {
            p: len(_TECH_WORDS.findall("".join(a.title + body_text(a) for a in xs)))
            / max(1, sum(len(body_text(a)) for a in xs))
            for p, xs in pages.items()
            if p not in used
        }
        tech_pages = sorted(tech, key=lambda p: (-tech[p], p))[: TECH_PER_DAY + 2]
        for p in tech_rng.sample(tech_pages, min(TECH_PER_DAY, len(tech_pages))):
            chosen.append(tech_rng.choice(pages[p]))
    seen: set[str] = set()
    unique = []
    for a in sorted(chosen, key=lambda a: a.name):
        if a.body_hash not in seen:  # the archive repeats a long text on every page it fills
            seen.add(a.body_hash)
            unique.append(a)
    return unique


_CENTRAL = re.compile(
    r"国务院|国办|国新办|国家[\u4e00-\u9fff]{1,8}(?:局|委|部|署)|[\u4e00-\u9fff]{1,6}(?:部(?![分署队落门长位件下])|总局|总署|监会)"
    r"|发改委|发展改革委|卫健委|卫生健康委|国资委|网信办|扶贫办|人民银行|央行|海关|税务"
)
_NOT_BODY = re.compile(r"干部|全部|内部|外部|局部|基层|西部|东部|中部|北部|南部|总部|俱乐部|部分")


def _mention_lines(body: str, skip: int) -> list[str]:
    """Sentences after the first ``skip`` characters that name a central-looking body."""
    out = []
    pos = 0
    for sent in re.split(r"(?<=[。！？；])", body):
        start, pos = pos, pos + len(sent)
        if start < skip:
            continue
        m = _CENTRAL.search(_NOT_BODY.sub(lambda x: "\u3000" * len(x.group(0)), sent))
        if m:
            lo = max(0, m.start() - 50)
            out.append(("…" if lo else "") + sent[lo : m.end() + 70].strip())
    return out[:12]


def dump(articles: Sequence[ArchiveArticle], out: Path, lead: int = 800) -> None:
    """The chosen articles for reading: head, first ``lead`` characters, then every later
    sentence that names a central-looking body."""
    with out.open("w", encoding="utf-8") as fh:
        for a in articles:
            body = body_text(a)
            fh.write(f"=== {a.name} {a.body_hash} {part_of(a.date)} len={len(body)}\n")
            fh.write(f"K: {a.kicker or ''}\nT: {a.title}\nS: {a.subtitle or ''}\n")
            fh.write(body[:lead] + ("…" if len(body) > lead else "") + "\n")
            subheads = [p for p in a.paragraphs if len(p) <= 24 and body.find(p) >= lead]
            if subheads:
                fh.write("SUB: " + " | ".join(subheads) + "\n")
            for s in _mention_lines(body, lead):
                fh.write(f"M: {s}\n")
            fh.write("\n")


def load_labels(path: Path = LABELS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def labelled_articles(archives: Sequence[Path], labels: Sequence[dict]) -> list[tuple[dict, ArchiveArticle]]:
    """The labelled articles rebuilt from the archive; a body hash that differs is an error."""
    want = {lab["name"]: lab for lab in labels}
    out = []
    for a in iter_archive(archives):
        lab = want.get(a.name)
        if lab is None:
            continue
        if a.body_hash != lab["body_hash"]:
            raise SystemExit(f"{a.name}: body hash {a.body_hash} differs from the label's {lab['body_hash']}")
        out.append((lab, a))
    missing = set(want) - {lab["name"] for lab, _a in out}
    if missing:
        raise SystemExit(f"{len(missing)} labelled articles not in the archive, e.g. {sorted(missing)[:3]}")
    return out


# ---- scoring -------------------------------------------------------------------------------


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, must: set[str], allowed: set[str], found: set[str]) -> tuple[set[str], set[str]]:
        """Count one article; returns (misses, false alarms)."""
        miss = must - found
        false = found - must - allowed
        self.tp += len(must & found)
        self.fn += len(miss)
        self.fp += len(false)
        return miss, false

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    n: int = 0
    primary_right: int = 0
    topics: PRF = field(default_factory=PRF)
    ministries: PRF = field(default_factory=PRF)
    outside: int = 0
    outside_false: int = 0
    per_topic: dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        return {
            "articles": self.n,
            "primary_topic": round(self.primary_right / self.n, 3) if self.n else None,
            "topic_precision": round(self.topics.precision, 3),
            "topic_recall": round(self.topics.recall, 3),
            "topic_f1": round(self.topics.f1, 3),
            "ministry_precision": round(self.ministries.precision, 3),
            "ministry_recall": round(self.ministries.recall, 3),
            "ministry_f1": round(self.ministries.f1, 3),
            "outside_taxonomy": self.outside,
            "false_topics_outside": round(self.outside_false / self.outside, 3) if self.outside else None,
        }


def classify(a: ArchiveArticle):

    ctx = PageContext(file_name=a.name)
    return classify_article(a.title, classify_text(a), ctx)


def classify_text(a: ArchiveArticle) -> str:
    """The body as the pipeline hands it to the classifier (``process._classify_text``): the
    kicker and the subtitle first, then the paragraphs (bylines are among them here)."""
    return "\n".join([t for t in (a.kicker, a.subtitle) if t] + list(a.paragraphs))


def score(pairs: Sequence[tuple[dict, ArchiveArticle]]) -> Report:
    rep = Report()
    for lab, a in pairs:
        c = classify(a)
        found = {t.code for t in c.topics}
        must, allowed = set(lab["topics"]), set(lab.get("topics_allowed", ()))
        rep.n += 1
        primary_ok = {lab["primary"]} | set(lab.get("primary_alt", ()))
        if c.primary_topic in primary_ok:
            rep.primary_right += 1
        else:
            rep.errors.append(f"{a.name} primary: want {lab['primary']} got {c.primary_topic}")
        miss, false = rep.topics.add(must, allowed, found)
        for code in must | found:
            rep.per_topic[code].add(must & {code}, allowed & {code}, found & {code})
        if not must:
            rep.outside += 1
            rep.outside_false += bool(false)
        scores = {t.code: t.score for t in c.topics}
        if miss or false:
            rep.errors.append(f"{a.name} topics: missed {sorted(miss)} false {sorted(false)} scores {scores}")
        mfound = {m.code for m in c.ministries}
        mmiss, mfalse = rep.ministries.add(
            set(lab["ministries"]), set(lab.get("ministries_allowed", ())), mfound
        )
        if mmiss or mfalse:
            rep.errors.append(f"{a.name} ministries: missed {sorted(mmiss)} false {sorted(mfalse)}")
    return rep


def per_topic_table(rep: Report) -> str:
    rows = [
        "| topic | must | found right | missed | false | P | R | F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for code in sorted(rep.per_topic):
        s = rep.per_topic[code]
        rows.append(
            f"| {code} | {s.tp + s.fn} | {s.tp} | {s.fn} | {s.fp} "
            f"| {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m newsetl_tools.evaluation.labelset",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("select", "dump", "score"):
        p = sub.add_parser(name)
        p.add_argument("--archive", action="append", type=Path, required=True)
        if name == "dump":
            p.add_argument("--out", type=Path, required=True)
        if name == "score":
            p.add_argument("--labels", type=Path, default=LABELS)
            p.add_argument("--part", choices=("tune", "test", "all"), default="test")
            p.add_argument("-v", "--verbose", action="store_true", help="list every error")
            p.add_argument("--json", action="store_true")
            p.add_argument(
                "--kept-back",
                action="store_true",
                help="score labels of other months (the evaluation kept back from development): "
                "lifts the development-months guard; never use it while tuning",
            )
    args = ap.parse_args(argv)
    archives = args.archive if getattr(args, "kept_back", False) else check_months(args.archive)
    if args.cmd == "select":
        for a in select(iter_archive(archives)):
            print(json.dumps({"name": a.name, "body_hash": a.body_hash, "part": part_of(a.date)}))
        return 0
    if args.cmd == "dump":
        chosen = select(iter_archive(archives))
        dump(chosen, args.out)
        print(f"{len(chosen)} articles -> {args.out}", file=sys.stderr)
        return 0
    labels = [lab for lab in load_labels(args.labels) if args.part in ("all", lab["part"])]
    rep = score(labelled_articles(archives, labels))
    if args.json:
        print(json.dumps({"part": args.part, **rep.summary()}, ensure_ascii=False))
    else:
        print(f"part: {args.part}")
        for k, v in rep.summary().items():
            print(f"  {k}: {v}")
        print(per_topic_table(rep))
    if args.verbose:
        print("\n".join(rep.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

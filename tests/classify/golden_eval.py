"""Precision/recall of every extractor on the hand-labelled golden articles.

Run ``.venv/bin/python tests/classify/golden_eval.py`` for the table of both sets
(``-v`` lists every miss and false alarm, ``--seed`` / ``--heldout`` one set only);
the tests in this folder assert the targets.

Two sets: ``golden_articles.json`` (the 15 seed articles the weights were tuned on)
and ``heldout_articles.json`` (articles written for testing only, labelled before
the classifier was run on them: the honest measure of generalisation).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from newsetl.core.classify import classify_article  # noqa: E402
from newsetl.core.models import Classification, PageContext  # noqa: E402

GOLDEN = Path(__file__).with_name("golden_articles.json")
HELDOUT = Path(__file__).with_name("heldout_articles.json")
SETS = {"seed": GOLDEN, "heldout": HELDOUT}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list = field(default_factory=list)
    false_alarms: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, art_id: str, expected: set, found: set) -> None:
        self.tp += len(expected & found)
        self.fp += len(found - expected)
        self.fn += len(expected - found)
        self.misses += [(art_id, x) for x in sorted(expected - found, key=str)]
        self.false_alarms += [(art_id, x) for x in sorted(found - expected, key=str)]


@dataclass
class Accuracy:
    right: int = 0
    total: int = 0
    wrong: list = field(default_factory=list)

    @property
    def value(self) -> float:
        return self.right / self.total if self.total else 1.0

    def add(self, art_id: str, expected, found) -> None:
        self.total += 1
        if expected == found:
            self.right += 1
        else:
            self.wrong.append((art_id, expected, found))


@cache
def golden(which: str = "seed") -> tuple[dict, ...]:
    return tuple(json.loads(SETS[which].read_text(encoding="utf-8"))["articles"])


@cache
def page_text(file_name: str) -> str:
    return (ROOT / "seeds" / file_name).read_text(encoding="utf-8")


def run(article: dict) -> Classification:
    if article.get("file"):
        ctx = PageContext(file_name=article["file"], page_text=page_text(article["file"]))
    else:  # held-out: no page file; ``page_text`` (optional) stands for the rest of the page
        ctx = PageContext(file_name=f"{article['id']}.txt", page_text=article.get("page_text", ""))
    return classify_article(article["title"], article["body"], ctx, article["dateline"])


@cache
def results(which: str = "seed") -> tuple[tuple[dict, Classification], ...]:
    return tuple((a, run(a)) for a in golden(which))


def evaluate(which: str = "seed") -> dict[str, object]:
    s: dict[str, object] = {
        "topics": Score(),
        "primary_topic": Accuracy(),
        "ministries": Score(),
        "organisations": Score(),
        "organisation_kind": Accuracy(),
        "organisation_level": Accuracy(),
        "people": Score(),
        "person_role": Accuracy(),
        "places": Score(),
        "policy_documents": Score(),
        "policy_doc_type": Accuracy(),
        "date": Accuracy(),
        "dateline_date": Accuracy(),
        "year": Accuracy(),
    }
    for a, c in results(which):
        e, i = a["expected"], a["id"]
        s["topics"].add(i, set(e["topics"]), {t.code for t in c.topics})
        ok_primary = [e["primary_topic"], *e.get("primary_alternatives", [])]
        expected_primary = c.primary_topic if c.primary_topic in ok_primary else e["primary_topic"]
        s["primary_topic"].add(i, expected_primary, c.primary_topic)
        s["ministries"].add(i, set(e["ministries"]), {m.code for m in c.ministries})
        found_orgs = {o.name: o for o in c.organisations}
        s["organisations"].add(i, {o["name"] for o in e["organisations"]}, set(found_orgs))
        for o in e["organisations"]:
            f = found_orgs.get(o["name"])
            if f is not None:
                s["organisation_kind"].add(i, o["kind"], f.kind)
                if o["kind"] in ("ministry", "government"):
                    s["organisation_level"].add(
                        i, (o["name"], o["level"], o["region"]), (f.name, f.level, f.region)
                    )
        found_people = {p.name: p for p in c.people}
        s["people"].add(i, {p["name"] for p in e["people"]}, set(found_people))
        for p in e["people"]:
            f = found_people.get(p["name"])
            if f is not None and p["role"]:
                s["person_role"].add(i, (p["name"], p["role"]), (f.name, f.role))
        s["places"].add(i, set(e["places"]), {p.full_name for p in c.places})
        found_docs = {d.title: d for d in c.policy_documents}
        s["policy_documents"].add(i, {d["title"] for d in e["policy_documents"]}, set(found_docs))
        for d in e["policy_documents"]:
            f = found_docs.get(d["title"])
            if f is not None:
                s["policy_doc_type"].add(i, (d["title"], d["doc_type"]), (f.title, f.doc_type))
        ed = e["date"]
        s["date"].add(i, (ed["event_date"], ed["precision"]), (c.date.event_date, c.date.precision))
        s["year"].add(i, ed["year"], c.date.year)
        if a["dateline"]:
            s["dateline_date"].add(i, ed["event_date"], c.date.event_date)
    return s


def main(verbose: bool = False, sets: tuple[str, ...] = ("seed", "heldout")) -> None:
    for which in sets:
        print(f"== {which} ({len(golden(which))} articles, {SETS[which].name})")
        report(evaluate(which), verbose)


def report(metrics: dict[str, object], verbose: bool = False) -> None:
    for name, m in metrics.items():
        if isinstance(m, Score):
            print(f"{name:20s} P={m.precision:.3f} R={m.recall:.3f}  (tp={m.tp} fp={m.fp} fn={m.fn})")
            if verbose:
                for x in m.misses:
                    print("      miss ", x)
                for x in m.false_alarms:
                    print("      false", x)
        else:
            print(f"{name:20s} accuracy={m.value:.3f}  ({m.right}/{m.total})")
            if verbose:
                for x in m.wrong:
                    print("      wrong", x)


if __name__ == "__main__":
    only = tuple(w for w in SETS if f"--{w}" in sys.argv)
    main(verbose="-v" in sys.argv, sets=only or tuple(SETS))

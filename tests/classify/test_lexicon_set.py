"""LexiconSet (one shared scan) must give each lexicon exactly what its own automaton gives,
and both must be true leftmost-longest matching (checked against a brute-force reference)."""

from __future__ import annotations

import random
from collections import Counter

from newsetl.core.classify.lexicon import Automaton, LexiconSet, count_keys, keys_each

ALPHABET = "中国大连五池部局工信a1"


def leftmost_longest(entries: dict[str, object], text: str) -> list[tuple[int, int, str, object]]:
    """The reference: at each position the longest key starting there, then go on after it."""
    out, i = [], 0
    while i < len(text):
        best = max((k for k in entries if k and text.startswith(k, i)), key=len, default=None)
        if best is None:
            i += 1
            continue
        out.append((i, i + len(best), best, entries[best]))
        i += len(best)
    return out


def random_entries(rng: random.Random) -> dict[str, int]:
    """1-10 keys of 1-4 characters over ``ALPHABET``, with small payloads."""
    return {
        "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4))): rng.randint(0, 9)
        for _ in range(rng.randint(1, 10))
    }


def random_text(rng: random.Random, max_len: int) -> str:
    return "".join(rng.choice(ALPHABET + "的，\n") for _ in range(rng.randint(0, max_len)))


def test_automaton_is_leftmost_longest_on_random_lexicons() -> None:
    rng = random.Random(3)
    for _ in range(1000):
        entries = random_entries(rng)
        auto = Automaton(entries)
        for _ in range(4):
            text = random_text(rng, 30)
            expected = leftmost_longest(entries, text)
            assert list(auto.iter_longest(text)) == expected, (entries, text)
            assert dict(count_keys(auto, text)) == {
                k: [m[2] for m in expected].count(k) for _, _, k, _ in expected
            }


def count_keys_each(auto: Automaton, texts: list[str]) -> list[Counter[str]]:
    return [Counter(keys) for keys in keys_each(auto, texts)]


def test_count_keys_each_is_count_keys_of_each_text() -> None:
    rng = random.Random(5)
    for _ in range(500):
        entries = random_entries(rng)
        auto = Automaton(entries)
        texts = [random_text(rng, 12) for _ in range(rng.randint(1, 4))]
        got = count_keys_each(auto, texts)
        want = [count_keys(auto, t) for t in texts]
        assert [list(c.items()) for c in got] == [list(c.items()) for c in want], (entries, texts)
    with_nul = Automaton({"a\0b": 1, "b": 2})  # a key holding the separator: one scan per text
    assert count_keys_each(with_nul, ["a", "b"]) == [count_keys(with_nul, "a"), count_keys(with_nul, "b")]


def test_a_key_ending_inside_an_unfinished_longer_key_is_found() -> None:
    # 五大连 starts 五大连池 but is not completed: 大连 inside it is still a match
    # (pyahocorasick's iter_long skipped it; LexiconSet once carried a workaround).
    entries = {"五大连池": 1, "大连": 2, "中国": 3}
    lex, own = LexiconSet({"places": entries}), Automaton(entries)
    for text in ("五大连镇和大连", "五大连中国", "五大连池", "大连五大", "中国大连"):
        assert lex.find(text)["places"] == list(own.iter_longest(text)) == leftmost_longest(entries, text), (
            text
        )
    assert [m[2] for m in own.iter_longest("五大连镇和大连")] == ["大连", "大连"]


def test_shared_scan_equals_iter_longest_on_random_lexicons() -> None:
    rng = random.Random(7)
    checked = 0
    for _ in range(1500):
        keys = {
            "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 10))
        }
        other = {
            "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(0, 6))
        }
        lex = LexiconSet({"a": {k: k for k in keys}, "b": {k: len(k) for k in other}})
        solo_a, solo_b = Automaton({k: k for k in keys}), Automaton({k: len(k) for k in other})
        for _ in range(4):
            text = "".join(rng.choice(ALPHABET + "的，\n") for _ in range(rng.randint(0, 30)))
            found = lex.find(text)
            assert found["a"] == list(solo_a.iter_longest(text)), (keys, text)
            assert found["b"] == list(solo_b.iter_longest(text)), (other, text)
            checked += 1
    assert checked == 6000


def test_every_lexicon_gets_all_overlapping_matches() -> None:
    rng = random.Random(11)
    for _ in range(500):
        keys = {
            "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 8))
        }
        lex = LexiconSet({"a": {k: k for k in keys}, "b": {"大连": 1}}, every=frozenset({"a"}))
        solo_b = Automaton({"大连": 1})
        for _ in range(4):
            text = "".join(rng.choice(ALPHABET + "的，\n") for _ in range(rng.randint(0, 30)))
            found = lex.find(text)
            expected = sorted(
                ((i, i + len(k), k, k) for k in keys for i in range(len(text)) if text.startswith(k, i)),
                key=lambda m: (m[0], -m[1]),
            )
            assert found["a"] == expected, (keys, text)
            assert found["b"] == list(solo_b.iter_longest(text)), text


def test_after_role_hits_are_every_occurrence_of_those_roles() -> None:
    """``people`` reads where a name before 总书记/教授/… may start off the entity scan."""
    from newsetl.core.classify import people
    from newsetl.core.classify.entities import entity_lexicons

    pieces = [*people.AFTER_ROLES, "副教授", "教授授", "总书", "书记", "研究", "院", "王", "，", "\n"]
    rng = random.Random(8)
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        hits = entity_lexicons().find(text)["after_role"]
        assert [s for s, _e, _k, _p in hits] == people._occurrences(text, people.AFTER_ROLES), text

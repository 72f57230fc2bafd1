"""builders.builder must give the very objects the dataclass's own constructor gives."""

from __future__ import annotations

import dataclasses
import pickle

from newsetl.classify.builders import builder
from newsetl.models import MinistryHit, OrganisationHit, PersonHit, PlaceHit, PolicyDocHit, TopicHit


def test_built_hits_equal_constructed_ones() -> None:
    cases = [
        (OrganisationHit, ("中国信通院", "think_tank", None, "北京市", 2, None, None)),
        (OrganisationHit, ("河北省工业和信息化厅", "government", "provincial", "河北省", 1, None, "MIIT")),
        (PlaceHit, ("南京", "南京市", "320100", "city", "江苏省", 3)),
        (TopicHit, ("ai", 12.5, ("人工智能", "大模型"))),
        (MinistryHit, ("MIIT", "工信部", 4)),
        (PersonHit, ("肖亚庆", "部长", None)),
        (PolicyDocHit, ("《中华人民共和国数据安全法》", "law", 1)),
    ]
    for cls, values in cases:
        build = builder(cls)
        assert build is not cls, cls  # these are plain frozen dataclasses: the fast path applies
        a, b = build(*values), cls(*values)
        assert type(a) is cls and a == b and hash(a) == hash(b) and repr(a) == repr(b)
        assert list(vars(a).items()) == list(vars(b).items())
        assert pickle.dumps(a) == pickle.dumps(b)
        assert build(**dict(zip([f.name for f in dataclasses.fields(cls)], values, strict=True))) == b
        try:
            a.name = "x"  # type: ignore[misc]
        except dataclasses.FrozenInstanceError:
            pass
        else:
            raise AssertionError("a built hit must stay frozen")


def test_classes_the_fast_path_does_not_fit_keep_their_constructor() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            assert self.x >= 0

    @dataclasses.dataclass(frozen=True, slots=True)
    class Slotted:
        x: int

    @dataclasses.dataclass(frozen=True)
    class Own:
        x: int

        def __init__(self, x: int) -> None:
            object.__setattr__(self, "x", 2 * x)

    @dataclasses.dataclass(frozen=True)
    class WithInitVar:
        x: int
        scale: dataclasses.InitVar[int] = 1

    for cls in (Checked, Slotted, Own, WithInitVar, tuple):
        assert builder(cls) is cls, cls

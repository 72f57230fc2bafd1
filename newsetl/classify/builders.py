"""Cheaper construction of the frozen result dataclasses of ``newsetl.models``.

A frozen dataclass's ``__init__`` stores each field with ``object.__setattr__`` (a global
lookup and a call per field): about 1.2 us for a 7-field ``OrganisationHit``, and an
article yields some twenty such hits. :func:`builder` gives a function taking the same
arguments that creates the instance and fills its ``__dict__`` in one ``update`` (about
0.5 us): the very same object (same fields in the same order, so equal, hashed and
pickled alike). Classes this does not fit (a ``__post_init__``, ``__slots__``, an
``__init__`` that is not the plain field list) get their own constructor back.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """``cls(...)`` for a dataclass, without the per-field ``object.__setattr__`` (see module doc).

    The builder takes the fields positionally or by name, all of them (defaults included).
    """
    if not _fits(cls):
        return cls
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    params = ", ".join(names)
    stores = ", ".join(f"{n}={n}" for n in names)
    source = f"def build({params}):\n    obj = new(cls)\n    obj.__dict__.update({stores})\n    return obj\n"
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    exec(source, namespace)  # noqa: S102 - built from the dataclass's own field names
    build = namespace["build"]
    build.__qualname__ = build.__name__ = f"build_{cls.__name__}"
    build.__doc__ = f"``{cls.__name__}(...)``, built without its ``__init__`` (newsetl.classify.builders)."
    return build


def _fits(cls: type) -> bool:
    if not dataclasses.is_dataclass(cls) or "__slots__" in vars(cls) or hasattr(cls, "__post_init__"):
        return False
    fields = dataclasses.fields(cls)
    if any(not f.init or not f.name.isidentifier() for f in fields):
        return False
    # the generated __init__ takes exactly the fields, in order (no InitVar, no custom __init__)
    try:
        params = list(inspect.signature(cls.__init__).parameters)[1:]
    except (TypeError, ValueError):
        return False
    # and it is the generated one (compiled from a string), not one written in the class body
    code = getattr(cls.__init__, "__code__", None)
    return (
        params == [f.name for f in fields]
        and code is not None
        and code.co_filename == "<string>"
        and "__create_fn__" in getattr(code, "co_qualname", "")
    )

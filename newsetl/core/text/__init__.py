"""Pure text core: one OCR'd page in, whole articles and page furniture out.

Public entry point: :func:`segment_page`. Modules, one concern each:
``normalize`` (clean text), ``pieces`` (lines -> typed pieces), ``furniture``,
``headlines``, ``bylines``, ``dedup``, ``repair`` (column-break joins),
``segment`` (assembly), ``degrade`` (synthetic test pages) and ``score``.
No I/O, no Prefect, no DuckDB: the flow calls this per document.
"""

from newsetl.core.text.segment import segment_page

__all__ = ["segment_page"]

"""One fingerprint of the code and data that shape processed rows.

Stored with every processed document and article (``processor_version``): when it changes,
the next run processes every document again, with no manual full refresh. It covers

* the text core and classifier: the modules compiled with mypyc (:data:`newsetl.native.COMPILED`);
* the few modules outside that core that shape rows too (:data:`ROW_MODULES`);
* the data the core reads: its learned weights (``newsetl/core/text/data``, ``newsetl/core/classify/data``)
  and the lexicons (``dbt/seeds/*.csv``) but the English display names, which only dbt reads.

Nothing else: the test and benchmark tooling (the synthetic-page generator, the degradation
harness and its scoring), the CLI, the flow or the warehouse code can change without
reprocessing a single document.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from newsetl.config import CLASSIFY_MODEL_DIR, LEXICON_DIR, PROJECT_ROOT, TEXT_MODEL_DIR
from newsetl.native import COMPILED, source_path

ROW_MODULES = (
    "newsetl.pipeline.process",  # flattens pages and articles into the raw rows
    "newsetl.core.windows",  # segments a long page in windows
    "newsetl.core.search_tokens",  # the tokens of raw.article_search
)
DATA_DIRS = (TEXT_MODEL_DIR, CLASSIFY_MODEL_DIR)


def processing_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The files :func:`processing_fingerprint` hashes, under ``root`` (a project tree)."""
    modules = [source_path(module, root) for module in (*COMPILED, *ROW_MODULES)]
    data = [p for d in DATA_DIRS for p in (root / d.relative_to(PROJECT_ROOT)).iterdir() if p.is_file()]
    lexicons = [
        p
        for p in (root / LEXICON_DIR.relative_to(PROJECT_ROOT)).glob("*.csv")
        if not p.name.endswith("_names_en.csv")
    ]
    return sorted({*modules, *data, *lexicons})


def processing_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """12 hex characters of a SHA-256 over the path and content of every :func:`processing_files`."""
    digest = hashlib.sha256()
    for path in processing_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]

"""Measure the text core and the classifier on real newspaper text.

The real text (the People's Daily archive, one article a file) stays outside the
repository: these modules read it from a path they are given and rebuild pages,
truth and labels from it. Nothing here runs in ``make test``.

* ``archive``: read the monthly archives into articles with known boundaries;
* ``realpages``: lay one newspaper page's articles out as a degraded page, with truth;
* ``realscore``: segment and date those pages, score them against the truth;
* ``__main__``: ``python -m newsetl_tools.evaluation build|score``;
* ``labelset``: the hand-labelled real articles for topics and ministries (labels in
  ``data/labels.jsonl``, no text): ``python -m newsetl_tools.evaluation.labelset select|dump|score``.
"""

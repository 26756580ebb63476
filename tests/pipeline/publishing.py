"""Builders for fixture projects of the publishing tests: extra issues, drafts, future issues, marker entries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

BUNDLED_ENTRIES = {"topic": "perplexity", "problem": "batch-norm-forward", "feature": "implementation-walkthroughs"}
"""Entries of the first bundled issue, which every fixture issue may reuse."""


def write_issue(root: Path, date: str, *, draft: bool = False, intro: str | None = None, **refs: str) -> Path:
    """``content/issues/<date>.yaml`` featuring ``refs`` (default: the first bundled issue's entries)."""
    fields = {**BUNDLED_ENTRIES, **refs}
    lines = [f"date: {date}", *(f"{k}: {v}" for k, v in fields.items())]
    if intro:
        lines.append(f"intro: {intro}")
    if draft:
        lines.append("draft: true")
    path = root / "content" / "issues" / f"{date}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def ensure_bundled_three(root: Path) -> list[str]:
    """Make sure the project has issues on 2026-11-26, -27 and -28.

    The bundled project gains its 2026-11-27 and 2026-11-28 issues on main; until
    then this adds stand-ins reusing the first issue's entries. Returns the dates
    that were added.
    """
    added = []
    for date in ("2026-11-27", "2026-11-28"):
        if not (root / "content" / "issues" / f"{date}.yaml").exists():
            write_issue(root, date)
            added.append(date)
    return added


def write_topic(root: Path, entry_id: str, title: str, chapter: str, latex: str, inline: str = "x") -> Path:
    """A small topic with one displayed formula and one inline formula."""
    text = f"""id: {entry_id}
title: {title}
chapter: {chapter}
summary: A marker topic used by the publishing tests.
tags: [testing]
sections:
  - heading: Only section
    body: |
      Inline math ${inline}$ and a displayed formula:

      ```{{formula}} only
      ```
formulas:
  - id: only
    latex: '{latex}'
"""
    path = root / "content" / "topics" / f"{entry_id}.yaml"
    path.write_text(text)
    return path


def write_problem(root: Path, entry_id: str, title: str, collection: str) -> Path:
    """A problem with its own collection, solved by the bundled batch-norm reference code."""
    text = f"""id: {entry_id}
title: {title}
difficulty: Easy
collection: "{collection}"
summary: A marker problem used by the publishing tests.
tags: [testing]
sections:
  - heading: The problem
    body: Normalize a batch.
solution: batchnorm.batch_norm_forward
tests:
  - name: one pass
    inputs:
      x: [[1.0, 2.0], [3.0, 4.0]]
      gamma: [1.0, 1.0]
      beta: [0.0, 0.0]
      running_mean: [0.0, 0.0]
      running_var: [1.0, 1.0]
"""
    path = root / "content" / "problems" / f"{entry_id}.yaml"
    path.write_text(text)
    return path


def day(text: str, offset: int = 0) -> str:
    """``2026-11-26`` moved by ``offset`` days."""
    return (dt.date.fromisoformat(text) + dt.timedelta(days=offset)).isoformat()

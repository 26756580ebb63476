"""A new author's first hour, end to end in a fresh folder: init -> new topic -> new issue -> serve -> check -> build.

Every command runs as the author runs it (``python -m site_builder``, in a folder of its own) and must exit 0 with
no warning and no line said twice; the author's own topic (a KL divergence, written as the textbooks write it)
ends up in the built site with its formula marked verified.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import os
import re
import subprocess
import sys
import urllib.request
from collections import Counter
from pathlib import Path

import yaml

from .test_serve_process import ServeProcess

TOPIC = "kl-divergence"
KL_LATEX = r"D_{\mathrm{KL}}(p \parallel q) = \sum_{x \in \mathcal{X}} p(x) \log \frac{p(x)}{q(x)}"
MODULE = '''"""The Kullback-Leibler divergence of two distributions over the same outcomes."""

import numpy as np


def kl_steps(p, q) -> dict:
    """D(p || q) = sum_x p(x) log(p(x) / q(x)), in nats."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return {"ratio": p / q, "kl": float(np.sum(p * np.log(p / q)))}


def sample_kl_steps(rng) -> dict:
    size = int(rng.integers(2, 8))
    return {"p": rng.dirichlet(np.ones(size)), "q": rng.dirichlet(np.ones(size))}
'''


def run(folder: Path, *args: str) -> list[str]:
    """Run ``build-site ARGS`` in ``folder`` as the author would; exit 0, no warning, no line twice."""
    done = subprocess.run(
        [sys.executable, "-m", "site_builder", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "default"},
        timeout=600,
        check=False,
    )
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    shown = "\n".join(lines)
    assert done.returncode == 0, f"build-site {' '.join(args)} exited {done.returncode}:\n{shown}"
    assert not [line for line in lines if re.search(r"warn", line, re.IGNORECASE)], f"a warning:\n{shown}"
    twice = [line for line, count in Counter(lines).items() if count > 1]
    assert not twice, f"build-site {' '.join(args)} said {twice} more than once:\n{shown}"
    return lines


def write_the_topic(path: Path) -> None:
    """What the author does with the new topic: a formula of their own, verified against a worked example."""
    text = path.read_text(encoding="utf-8")
    text = text.replace("latex: 'y = f(x)'", f"latex: '{KL_LATEX}'")
    text = text.replace(
        "    label: Replace with the defining formula.\n",
        "    label: The divergence of q from p, in nats.\n"
        "    verify:\n"
        f"      example: {TOPIC}-example\n"
        "      output: kl\n"
        "      symbols: {p: p, q: q}\n",
    )
    start = text.index("# examples:")
    text = text[:start] + (
        "examples:\n"
        f"  - id: {TOPIC}-example\n"
        "    function: kl_divergence.kl_steps\n"
        "    caption: a fair coin against a biased one\n"
        "    inputs: {p: [0.5, 0.5], q: [0.9, 0.1]}\n"
    )
    path.write_text(text, encoding="utf-8")
    assert yaml.safe_load(text)["formulas"][0]["verify"]["output"] == "kl"


class _Verified(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.figures: list[str] = []
        self.inside = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "figure" and dict(attrs).get("id") == f"formula-{TOPIC}":
            self.inside = 1
            self.figures.append("")
        elif self.inside:
            self.inside += tag != "br"

    def handle_endtag(self, tag: str) -> None:
        if self.inside:
            self.inside -= 1

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.figures[-1] += data


def test_a_new_authors_first_hour(tmp_path: Path) -> None:
    root = tmp_path / "my-newsletter"
    run(tmp_path, "init", str(root), "--defaults", "--timezone", "UTC")
    created = run(root, "new", "topic", TOPIC)
    assert any(f"content/topics/{TOPIC}.yaml" in line for line in created)
    topic_file = root / "content" / "topics" / f"{TOPIC}.yaml"
    assert yaml.safe_load(topic_file.read_text())["title"] == "KL Divergence"
    write_the_topic(topic_file)
    (root / "computed" / "kl_divergence.py").write_text(MODULE, encoding="utf-8")

    said = run(root, "new", "issue", "--topic", TOPIC)
    issues = sorted((root / "content" / "issues").glob("*.yaml"))
    first, new = (dt.date.fromisoformat(p.stem) for p in issues)
    assert new == first + dt.timedelta(days=1)
    assert any(f"dated {new}, the day after the last scheduled issue ({first})" in line for line in said), said
    reused = [line for line in said if "reuses the" in line]
    assert len(reused) == 2 and all(str(first) in line for line in reused), said  # the problem and the feature

    preview = ServeProcess(root)
    try:
        with urllib.request.urlopen(f"{preview.url}topics/{TOPIC}/", timeout=30) as response:
            page = response.read().decode()
        assert "✓ verified against" in page
    finally:
        assert preview.stop() == 0
    served = [line for line in preview.lines if line.strip()]
    assert not [line for line in served if re.search(r"warn", line, re.IGNORECASE)], served

    checked = run(root, "check")
    assert any("publishing 1 issue as of" in line and "--date" not in line for line in checked), checked

    issue_file = root / "content" / "issues" / f"{new}.yaml"
    issue_file.write_text(issue_file.read_text().replace("draft: true\n", ""), encoding="utf-8")
    run(root, "check", "--date", str(new))
    run(root, "--date", str(new))
    built = (root / "output" / "topics" / TOPIC / "index.html").read_text(encoding="utf-8")
    figures = _Verified()
    figures.feed(built)
    assert len(figures.figures) == 1 and "✓ verified against computed/kl_divergence.py" in figures.figures[0]

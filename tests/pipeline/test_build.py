"""End-to-end: the bundled project builds into a complete, linked site."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import yaml

from site_builder.check.links import links_in, resolve

from ..conftest import REPO, run_cli

ATOM = "{http://www.w3.org/2005/Atom}"
ISSUE_DATES = sorted(p.stem for p in (REPO / "content" / "issues").glob("*.yaml"))


def test_bundled_content_builds_every_issue(built_site: Path) -> None:
    for date in ISSUE_DATES:
        assert (built_site / "issues" / date / "index.html").is_file()
        assert (built_site / "issues" / date / "index.md").is_file()


def test_issue_page_shows_all_three_parts_with_mathml(built_site: Path) -> None:
    html = (built_site / "issues/2026-11-26/index.html").read_text()
    assert "Topic deep dive" in html and "Perplexity" in html
    assert "Problem of the day" in html and "Batch Normalization Forward Pass" in html
    assert "Feature spotlight" in html and "Implementation Walkthroughs" in html
    formula = html.split('id="formula-perplexity"', 1)[1].split("</figure>", 1)[0]
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in formula
    # The seed lost the log; ours keeps it: log with subscript 2 inside the exponent.
    assert "<msub><mi>log</mi><mn>2</mn></msub>" in formula
    assert "$" not in html.split("<main>", 1)[1], "no raw TeX left in the page"


def test_markdown_holds_the_same_content(built_site: Path) -> None:
    md = (built_site / "issues/2026-11-26/index.md").read_text()
    front, body = md.split("---\n", 2)[1:]
    assert 'title: "Perplexity · Batch Normalization Forward Pass"' in front
    assert 'canonical_url: "https://daily-gradient.example.org/issues/2026-11-26/"' in front
    for heading in ("Topic deep dive: Perplexity", "Problem of the day: Batch Normalization Forward Pass"):
        assert f"## {heading}" in body
    assert "## Feature spotlight: Implementation Walkthroughs" in body
    assert "$$\n\\mathrm{PP}(M) = 2^{-\\frac{1}{N}\\sum_{i=1}^{N} \\log_2 p(x_i)}\n$$" in body
    # The solution comes with the imports it needs, so a copied block runs.
    assert "```python\nfrom __future__ import annotations\n\nimport numpy as np\n\n\ndef batch_norm_forward(" in body
    assert "{value}" not in body and "{formula}" not in body and "{example}" not in body


def test_feed_is_atom_with_one_entry_per_published_issue(built_site: Path) -> None:
    root = ET.parse(built_site / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(ISSUE_DATES) == 3
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert all(i.startswith("urn:uuid:") for i in ids) and len(set(ids)) == len(ISSUE_DATES)
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert links[0] == f"https://daily-gradient.example.org/issues/{ISSUE_DATES[-1]}/"
    content = entries[-1].findtext(f"{ATOM}content")
    assert "<math" in content and 'href="https://daily-gradient.example.org/' in content


def test_every_internal_link_resolves(built_site: Path) -> None:
    files = {p.relative_to(built_site).as_posix() for p in built_site.rglob("*") if p.is_file()}
    checked = 0
    # email.html is the email edition, not a page: its links are absolute, checked in tests/pipeline/test_email.py.
    for page in sorted(f for f in files if f.endswith(".html") and not f.endswith("/email.html")):
        for link, _ in links_in((built_site / page).read_text()):
            target = resolve(link, page, "/")
            if target is not None:
                assert target in files, f"{page}: {link}"
                checked += 1
    assert checked > 50


def test_page_types_render(built_site: Path) -> None:
    expected = {
        "index.html": "Latest issue",
        "archive/index.html": "November 2026",
        "404.html": "Page not found",
        "topics/perplexity/index.html": "From the",
        "problems/batch-norm-forward/index.html": "Show solution",
        "features/implementation-walkthroughs/index.html": "For students, engineers, researchers",
        "chapters/evaluation-benchmarks/index.html": "Evaluation &amp; Benchmarks",
        "collections/cv-deep-learning/index.html": "CV: Deep Learning",
        "static/style.css": "prefers-color-scheme: dark",
    }
    for path, text in expected.items():
        assert text in (built_site / path).read_text(), path
    sitemap = ET.parse(built_site / "sitemap.xml").getroot()
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://daily-gradient.example.org/issues/2026-11-26/" in locs


def test_default_output_folder_is_root_output(project: Path) -> None:
    result = run_cli("build", "--root", project, "--date", "2026-11-26")
    assert result.exit_code == 0, result.stderr
    assert (project / "output/issues/2026-11-26/index.html").is_file()
    assert not (project / "output/issues/2026-11-27").exists()
    assert "published 1 issue as of 2026-11-26" in result.stderr


def test_out_option_and_rebuild_replaces_output(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert run_cli("--root", project, "--out", out, "--date", "2026-11-28").exit_code == 0
    assert (out / "issues/2026-11-26/index.html").is_file()
    assert run_cli("--root", project, "--out", out, "--date", "2026-11-25").exit_code == 0
    assert not (out / "issues/2026-11-26").exists(), "unpublished pages do not linger"
    beside = [p.name for p in tmp_path.iterdir() if p.name.startswith(".site.")]
    assert beside == [".site.build-state"], "no staging folder left behind (the state folder stays)"


def _figure(html: str, figure_id: str) -> str:
    return html.split(f'id="{figure_id}"', 1)[1].split("</figure>", 1)[0]


def test_the_first_issue_has_worked_examples_plots_and_verified_formulas(built_site: Path) -> None:
    html = (built_site / "issues/2026-11-26/index.html").read_text()

    sentence = re.sub(r"</?span[^>]*>", "", _figure(html, "example-sentence"))  # a vector's spans keep numbers whole
    p = np.array([0.25, 0.5, 0.125, 0.5])
    h = -np.log2(p).mean()
    # Without a `digits` setting, numbers show in their shortest form to 6 significant digits, with a minus sign.
    for label, value in (
        ("log₂ p(xᵢ)", "[−2, −1, −3, −1]"),
        ("Σ log₂ p(xᵢ)", "−7"),
        ("H = −(1/N) Σ log₂ p(xᵢ), bits", f"{h:.6g}"),
        ("PP = 2ᴴ", f"{2**h:.6g}"),
        ("PP = eᴴ (nats)", f"{np.exp(-np.log(p).mean()):.6g}"),
    ):
        assert f'<th scope="row">{label}</th><td>{value}</td>' in sentence, label

    minibatch = re.sub(r"</?span[^>]*>", "", _figure(html, "example-minibatch"))
    x = np.array([[1.0, 2.0, 0.5], [3.0, 0.0, 1.5], [5.0, 4.0, -0.5], [7.0, 2.0, 2.5]])
    running_mean = 0.9 * np.zeros(3) + 0.1 * x.mean(axis=0)
    running_var = 0.9 * np.ones(3) + 0.1 * x.var(axis=0, ddof=1)  # PyTorch: the unbiased variance
    for label, value in (("running mean", running_mean), ("running variance", running_var)):
        expected = "[" + ", ".join(f"{v:.6g}" for v in value) + "]"
        assert f'<tr><th scope="row">{label}</th><td>{expected}</td></tr>' in minibatch, label

    for entry, plot in (("topics/perplexity", "pp-vs-ce"), ("problems/batch-norm-forward", "distributions")):
        assert f'<img src="/{entry}/{plot}.svg" alt="' in _figure(html, f"plot-{plot}")

    checked = 0
    for path in ("content/topics/perplexity.yaml", "content/problems/batch-norm-forward.yaml"):
        entry = yaml.safe_load((REPO / path).read_text())
        module = {"topics": "computed/perplexity.py", "problems": "computed/batchnorm.py"}[path.split("/")[1]]
        for formula in entry["formulas"]:
            mark = f"✓ verified against <code>{module}</code>"
            assert (mark in _figure(html, f"formula-{formula['id']}")) == ("verify" in formula), formula["id"]
            checked += "verify" in formula
    assert checked == 8

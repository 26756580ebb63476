"""The benchmark's generator and runner stay usable: a tiny generated project builds, the same seed gives the same bytes."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import yaml

from benchmarks.daily import KEPT
from benchmarks.generate import append_to_last_section, entry_path, generate_project
from benchmarks.peers import write_hugo, write_pelican
from benchmarks.profile_build import main as profile_main
from benchmarks.run import main, marginal_costs

from ..conftest import REPO, run_cli, tree_digest


def _bodies(root: Path) -> dict[Path, list[str]]:
    """Section bodies of every generated entry, read back with plain PyYAML."""
    found = {}
    for path in sorted((root / "content").glob("*/*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "sections" in data:
            found[path] = [section["body"] for section in data["sections"]]
    return found


def test_generated_project_builds_with_realistic_issues(tmp_path: Path) -> None:
    root = tmp_path / "site"
    archive = generate_project(root, n=3, seed=7)
    last = archive.last_date.isoformat()
    assert [p.stem for p in sorted((root / "content/issues").glob("*.yaml"))] == [
        issue.date.isoformat() for issue in archive.issues
    ]

    result = run_cli("--root", root, "--date", last, "-q")
    assert result.exit_code == 0, result.stderr

    bodies = _bodies(root)
    assert len(bodies) == 9, "a topic, a problem and a feature per issue"
    for issue in archive.issues:
        page = (root / "output/issues" / issue.date.isoformat() / "index.html").read_text()
        for entry in issue.parts:
            assert f">{entry.title}</a></h2>" in page
        words = sum(len(body.split()) for entry in issue.parts for body in bodies[entry_path(root, entry)])
        assert 1200 <= words <= 1900, f"{issue.date}: {words} words of Markdown"
        main_part = page.split("<main>", 1)[1]
        for feature in ("<h4>", "<ul>", "<ol>", "<table>", '<pre class="highlight"><code class="language-python">'):
            assert feature in main_part, feature
        assert "<math" in main_part and "$" not in main_part
        assert re.search(r'href="https://arxiv\.org/abs/\d{4}\.\d{5}"', main_part)
        assert re.search(r'href="/(archive|topics/[a-z0-9-]+)/"', main_part)


def test_computational_entries_show_computed_numbers(tmp_path: Path) -> None:
    root = tmp_path / "site"
    archive = generate_project(root, n=2, seed=3)
    assert run_cli("--root", root, "--date", archive.last_date.isoformat(), "-q").exit_code == 0
    # The second issue's topic has a perplexity worked example: check its number independently.
    topic = archive.issues[1].topic
    data = yaml.safe_load(entry_path(root, topic).read_text(encoding="utf-8"))
    (example,) = data["examples"]
    probabilities = example["inputs"]["probabilities"]
    perplexity = 2 ** (-sum(math.log2(p) for p in probabilities) / len(probabilities))
    page = (root / "output/topics" / topic.id / "index.html").read_text()
    assert f"the perplexity is {perplexity:.3f}." in page
    assert 'id="formula-perplexity"' in page and 'id="example-sentence"' in page


def test_generator_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    generate_project(tmp_path / "a", n=3, seed=11)
    generate_project(tmp_path / "b", n=3, seed=11)
    generate_project(tmp_path / "c", n=3, seed=12)
    first = tree_digest(tmp_path / "a")
    assert first == tree_digest(tmp_path / "b")
    assert first != tree_digest(tmp_path / "c")


def test_benchmark_edit_keeps_the_entry_valid(tmp_path: Path) -> None:
    root = tmp_path / "site"
    archive = generate_project(root, n=1, seed=5)
    topic = archive.issues[0].topic
    append_to_last_section(entry_path(root, topic), "Edited by the benchmark in round 1.")
    assert run_cli("--root", root, "--date", archive.last_date.isoformat(), "-q").exit_code == 0
    page = (root / "output/topics" / topic.id / "index.html").read_text()
    assert "Edited by the benchmark in round 1." in page


def test_peer_projects_hold_the_same_text(tmp_path: Path) -> None:
    archive = generate_project(tmp_path / "site", n=3, seed=7)
    write_pelican(archive, tmp_path / "pelican")
    write_hugo(archive, tmp_path / "hugo")
    issue = archive.issues[1]
    date = issue.date.isoformat()
    pelican = (tmp_path / "pelican/content/issues" / f"{date}.md").read_text(encoding="utf-8")
    assert f"Title: {issue.title}\n" in pelican and f"Slug: {date}\n" in pelican
    hugo = (tmp_path / "hugo/content/posts" / f"{date}.md").read_text(encoding="utf-8")
    front = yaml.safe_load(hugo.split("---\n")[1])
    assert front["title"] == issue.title and front["slug"] == date and front["tags"] == list(issue.tags)
    for entry in issue.parts:
        for section in entry.sections:
            assert f"### {section.heading}\n" in pelican and f"### {section.heading}\n" in hugo
    assert "{formula}" not in pelican and "{value}" not in hugo
    assert len(list((tmp_path / "pelican/content/issues").glob("*.md"))) == 3
    assert (tmp_path / "hugo/layouts/_default/single.html").is_file()


def test_runner_reports_every_scenario_as_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    args = ["--n", "2", "--runs", "1", "--skip-peers", "--scale", "none", "--workdir", str(tmp_path / "work")]
    assert main([*args, "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert list(data["summary"]) == [
        "cold",
        "warm-cache",
        "warm-full",
        "no-op",
        "edit-entry",
        "edit-template",
        "next-day",
        "daily-job",
        "serve-reload",
        "serve-template",
    ]
    cold = data["summary"]["cold"]
    assert cold["median"] > 0 and cold["peak_rss_mb"] > 0
    assert cold["files_written"] == cold["files_total"] > 0, "a cold build writes every file"
    summary = data["summary"]
    assert summary["warm-full"]["files_written"] == summary["warm-full"]["files_total"], "no output: all written"
    assert summary["no-op"]["files_written"] == 0, "nothing changed: nothing written"
    assert 0 < summary["edit-entry"]["files_written"] < summary["edit-entry"]["files_total"]
    assert 0 < summary["next-day"]["files_written"] < summary["next-day"]["files_total"], "the daily publish"
    daily = [m for m in data["measurements"] if m["scenario"] == "daily-job"]
    assert 0 < daily[0]["files_written"] < daily[0]["files_total"], "a day added to the kept output, not a full build"
    assert summary["serve-reload"]["median"] > 0 and summary["serve-reload"]["peak_rss_mb"] > 0
    assert summary["serve-template"]["median"] > 0, "a template edited in serve: a topic's page showed the edit"
    assert "build-site serve: template edit reloaded" in data["report"]
    assert "build-site no-op rebuild" in data["report"]


def test_the_daily_job_keeps_what_the_workflows_build_job_keeps() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/publish.yml").read_text())
    cached = [s for s in workflow["jobs"]["build"]["steps"] if s.get("uses", "").startswith("actions/cache@")]
    assert sorted(path for step in cached for path in step["with"]["path"].split()) == sorted(KEPT)


def test_marginal_costs_are_per_added_issue() -> None:
    steps = marginal_costs([(1000, 10.5), (100, 1.5), (3000, 40.5)])
    assert steps == [(100, 1000, 9 / 900), (1000, 3000, 30 / 2000)]


def test_profiler_times_every_stage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert profile_main(["--n", "2", "--no-cprofile", "--workdir", str(tmp_path)]) == 0
    report = capsys.readouterr().out
    for stage in ("scan", "load", "compute", "model", "plan", "render", "check", "write", "total build_site"):
        assert re.search(rf"^{re.escape(stage)} +\d+\.\d\d +\d+% +\d+ MB$", report, re.MULTILINE), stage
    assert re.search(r"^  Markdown -> HTML \(markup\.to_html\) +\d+\.\d\d +\d+% +\d+$", report, re.MULTILINE)

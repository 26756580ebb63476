"""Daily publishing end to end: what a date publishes, what stays hidden, and the same bytes every run."""

from __future__ import annotations

import datetime as dt
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from site_builder.outputs.email.math_images import formula_image
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions

from ..conftest import REPO, copy_project, run_cli, tree_digest
from .publishing import ensure_bundled_three, write_issue, write_problem, write_topic

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://daily-gradient.example.org/"
EDITIONS = ("index.html", "index.md", "email.html", "email.txt", "issue.eml", "devto.md")


def _published_dates(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "issues").iterdir())


def _feed_links(out: Path) -> list[str]:
    root = ET.parse(out / "feed.xml").getroot()
    return [e.find(f"{ATOM}link").get("href") for e in root.findall(f"{ATOM}entry")]


def _sitemap(out: Path) -> list[str]:
    return [e.text for e in ET.parse(out / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")]


@pytest.fixture
def three_issues(tmp_path: Path) -> Path:
    """The bundled project with issues on 2026-11-26, -27 and -28 (stand-ins where the bundled ones are missing)."""
    root = copy_project(tmp_path / "project")
    ensure_bundled_three(root)
    return root


def test_2026_11_26_publishes_exactly_one_issue(three_issues: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("--root", three_issues, "--out", out, "--date", "2026-11-26")
    assert result.exit_code == 0, result.stderr
    assert "publishing 1 issue as of 2026-11-26 (given with --date)" in result.stderr
    assert "published 1 issue as of 2026-11-26" in result.stderr
    assert _published_dates(out) == ["2026-11-26"]
    assert _feed_links(out) == [f"{BASE}issues/2026-11-26/"]
    for name in EDITIONS:
        assert (out / "issues/2026-11-26" / name).is_file(), name


def test_2026_11_28_publishes_three_issues(three_issues: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("--root", three_issues, "--out", out, "--date", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    assert "published 3 issues as of 2026-11-28" in result.stderr
    dates = ["2026-11-26", "2026-11-27", "2026-11-28"]
    assert _published_dates(out) == dates
    assert _feed_links(out) == [f"{BASE}issues/{d}/" for d in reversed(dates)]
    for date in dates:
        assert f"{BASE}issues/{date}/" in _sitemap(out)
        for name in EDITIONS:
            assert (out / "issues" / date / name).is_file(), (date, name)
    home = (out / "index.html").read_text()
    assert 'datetime="2026-11-28"' in home.split("Latest issue", 1)[1].split("</p>", 1)[0]


def test_bundled_issues_of_the_27th_and_28th_publish_with_their_own_content(built_site: Path) -> None:
    """Against the bundled content as it stands: every bundled issue up to the 28th is out, with every edition."""
    bundled = sorted(p.stem for p in (REPO / "content/issues").glob("*.yaml") if p.stem <= "2026-11-28")
    assert bundled[0] == "2026-11-26"
    assert _published_dates(built_site) == bundled
    for date in bundled:
        for name in EDITIONS:
            assert (built_site / "issues" / date / name).stat().st_size > 0, (date, name)


DRAFT_MARK, FUTURE_MARK = "Zygomorphic Draft Topic", "Quixotic Future Topic"
DRAFT_LATEX, FUTURE_LATEX = r"\zeta_{draft} = 1", r"\xi_{future} = 2"


@pytest.fixture
def with_hidden_issues(tmp_path: Path) -> Path:
    """The bundled project plus a draft dated 1 December and an issue dated the 5th, each with entries of its own.

    Built as of 2 December: the draft's day has passed, the future issue's has not.
    """
    root = copy_project(tmp_path / "project")
    write_topic(root, "zygomorphic-draft", DRAFT_MARK, "Zygomorphic Chapter", DRAFT_LATEX)
    write_problem(root, "zygomorphic-problem", "Zygomorphic Problem", "Zygomorphic Collection")
    write_issue(root, "2026-12-01", draft=True, topic="zygomorphic-draft", problem="zygomorphic-problem")
    write_topic(root, "quixotic-future", FUTURE_MARK, "Quixotic Chapter", FUTURE_LATEX)
    write_issue(root, "2026-12-05", topic="quixotic-future", intro="Quixotic intro line.")
    return root


def _every_file_text(out: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(out.rglob("*")) if p.is_file())


def test_draft_and_future_issues_appear_nowhere(with_hidden_issues: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("--root", with_hidden_issues, "--out", out, "--date", "2026-12-02")
    assert result.exit_code == 0, result.stderr
    assert "2026-11-26" in _published_dates(out)
    everything = _every_file_text(out)
    for marker in ("zygomorphic", "Zygomorphic", "quixotic", "Quixotic", "2026-12-01", "2026-12-05"):
        assert marker not in everything, marker
    assert not (out / "issues/2026-12-01").exists() and not (out / "issues/2026-12-05").exists()
    assert not (out / "topics/zygomorphic-draft").exists(), "an entry featured only by a draft has no page"
    assert not (out / "topics/quixotic-future").exists(), "an entry featured only by a future issue has no page"
    assert (
        not (out / "chapters/zygomorphic-chapter").exists()
        and not (out / "collections/zygomorphic-collection").exists()
    )
    for latex in (DRAFT_LATEX, FUTURE_LATEX):
        for display in (True, False):
            assert not (out / "math" / f"{formula_image(latex, display=display).key}.png").exists()
    assert _feed_links(out) and not any("2026-12" in link for link in _feed_links(out))


def test_previews_show_drafts_and_future_issues(with_hidden_issues: Path, tmp_path: Path) -> None:
    """The other side of the test above: the markers are found when a preview asks for them."""
    drafts, future = tmp_path / "drafts", tmp_path / "future"
    assert run_cli("--root", with_hidden_issues, "--out", drafts, "--date", "2026-12-02", "--drafts").exit_code == 0
    assert run_cli("--root", with_hidden_issues, "--out", future, "--date", "2026-12-02", "--future").exit_code == 0
    assert "2026-12-01" in _published_dates(drafts) and "2026-12-05" not in _published_dates(drafts)
    assert (drafts / "chapters/zygomorphic-chapter/index.html").is_file()
    assert DRAFT_MARK in (drafts / "issues/2026-12-01/email.html").read_text()
    assert "2026-12-05" in _published_dates(future) and "2026-12-01" not in _published_dates(future)
    assert FUTURE_MARK in (future / "feed.xml").read_text()
    assert f"{BASE}topics/quixotic-future/" in _sitemap(future)


def test_two_runs_give_identical_bytes(three_issues: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert run_cli("--root", three_issues, "--out", first, "--date", "2026-11-28").exit_code == 0
    assert run_cli("--root", three_issues, "--out", second, "--date", "2026-11-28").exit_code == 0
    digest = tree_digest(first)
    assert digest == tree_digest(second)
    assert "issues/2026-11-28/issue.eml" in digest and any(p.startswith("math/") for p in digest)


def test_the_wall_clock_only_chooses_the_day(three_issues: Path, tmp_path: Path) -> None:
    """Builds at different moments of the same publication day are identical; the day turns at 07:00 Berlin."""
    berlin = dt.timezone(dt.timedelta(hours=1))  # CET: no daylight saving time in November

    def build(now: dt.datetime, name: str) -> tuple[dt.date, dict[str, str]]:
        report = build_site(three_issues, tmp_path / name, BuildOptions(), now=now)
        return report.as_of, tree_digest(tmp_path / name)

    morning = build(dt.datetime(2026, 11, 28, 7, 0, tzinfo=berlin), "morning")
    night = build(dt.datetime(2026, 11, 29, 6, 59, 59, tzinfo=berlin), "night")
    assert morning[0] == night[0] == dt.date(2026, 11, 28)
    assert morning[1] == night[1]
    assert build(dt.datetime(2026, 11, 28, 6, 59, tzinfo=berlin), "early")[0] == dt.date(2026, 11, 27)


def test_a_build_says_why_it_publishes_as_of_its_day(three_issues: Path, tmp_path: Path, caplog) -> None:
    caplog.set_level("INFO", logger="site_builder")
    now = dt.datetime(2026, 11, 28, 5, 30, tzinfo=dt.UTC)  # 06:30 in Berlin, before the 07:00 publish time
    build_site(three_issues, tmp_path / "out", BuildOptions(), now=now)
    assert (
        "publishing 2 issues as of 2026-11-27 (it is 2026-11-28 06:30 in Europe/Berlin, before the 07:00 publish time)"
        in caplog.messages
    )


def test_a_day_without_an_issue_is_a_warning(project: Path, tmp_path: Path) -> None:
    result = run_cli("--root", project, "--out", tmp_path / "out", "--date", "2026-12-24")
    assert result.exit_code == 0
    assert "no issue goes out on 2026-12-24: content/issues/2026-12-24.yaml is missing or a draft" in result.stderr


def test_a_file_two_workers_put_at_once_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A formula image two emails show is put by two workers: the other's file may appear between
    # this one's unlink and its create, and the put must not fail for it.
    from site_builder.publish import publication as publish

    target = tmp_path / "math" / "f.png"
    target.parent.mkdir()
    target.write_bytes(b"the other worker's")
    remove = publish._remove

    def other_worker_puts_it_again(path: Path) -> None:
        remove(path)
        if not hasattr(other_worker_puts_it_again, "done"):
            other_worker_puts_it_again.done = True  # type: ignore[attr-defined]
            path.write_bytes(b"the other worker's")

    monkeypatch.setattr(publish, "_remove", other_worker_puts_it_again)
    fd = publish._create(target)
    os.write(fd, b"png")
    os.close(fd)
    assert target.read_bytes() == b"png"

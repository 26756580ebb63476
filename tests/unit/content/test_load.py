"""The loader on tiny content trees: which files it reads, what it reports, what it keeps from the last build."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import site_builder.content.load
from site_builder.content.kinds import BY_FOLDER
from site_builder.content.load import entry_folder, issue_paths, load_changed, load_content, load_site, source_texts
from site_builder.content.schema import IssueEntry, ProblemEntry, TopicEntry
from site_builder.content.sources import Content
from site_builder.content.yamlsource import YamlProblem
from site_builder.errors import ContentError
from site_builder.incremental.deps import tracking

SITE = "content/site.yaml"
TOPIC = "content/topics/entropy.yaml"
PROBLEM = "content/problems/argmax.yaml"
FEATURE = "content/features/search.yaml"
ISSUE = "content/issues/2026-11-26.yaml"

SITE_YAML = """\
title: The Test Gradient
tagline: One line.
base_url: https://example.org/
author: Editors
timezone: Europe/Berlin
feed_id: e877c43b-2724-4295-9a81-d436c47564a7
"""
SECTIONS = "sections:\n  - heading: Idea\n    body: Some text.\n"


def topic(entry_id: str = "entropy", chapter: str = "Information", extra: str = "") -> str:
    return f"id: {entry_id}\ntitle: Entropy\nsummary: How surprised we are.\nchapter: {chapter}\n{SECTIONS}{extra}"


def problem(entry_id: str = "argmax", collection: str = "Basics", extra: str = "") -> str:
    return (
        f"id: {entry_id}\ntitle: Argmax\nsummary: The largest.\ndifficulty: Easy\ncollection: {collection}\n"
        "solution: basics.argmax\ntests:\n  - name: two\n    inputs: {x: [1, 2]}\n" + SECTIONS + extra
    )


def feature(entry_id: str = "search") -> str:
    return (
        f"id: {entry_id}\ntitle: Search\nsummary: Find a topic.\naudience: [readers]\n"
        "call_to_action: {text: Try it, url: /search/}\n" + SECTIONS
    )


def issue(date: str = "2026-11-26", parts: str = "entropy argmax search", draft: bool = False) -> str:
    topic_id, problem_id, feature_id = parts.split()
    text = f"date: {date}\ntopic: {topic_id}\nproblem: {problem_id}\nfeature: {feature_id}\n"
    return text + ("draft: true\n" if draft else "")


def project(**changes: str | None) -> dict[str, str]:
    """The content of a one-issue site; ``changes`` maps a file to its text, or None to leave it out.

    A file is named as a keyword: ``issues__2026_11_27`` is ``content/issues/2026-11-27.yaml``.
    """
    files = {SITE: SITE_YAML, TOPIC: topic(), PROBLEM: problem(), FEATURE: feature(), ISSUE: issue()}
    for name, text in changes.items():
        path = f"content/{name.replace('__', '/').replace('_', '-')}.yaml"
        if text is None:
            del files[path]
        else:
            files[path] = text
    return files


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load(
    files: dict[str, str], root: Path, recorded: dict[str, tuple[str, Any]] | None = None
) -> tuple[Content | None, list[str]]:
    """``load_changed`` over ``files`` handed in as bytes (nothing on disk), with their digests."""
    data: dict[str, bytes | None] = {path: text.encode() for path, text in files.items()}
    content, problems = load_changed(root, data, recorded or {}, {path: sha(text) for path, text in files.items()})
    return content, [str(p) for p in sorted(problems)]


def write(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


# --- a whole load --------------------------------------------------------------------------------


def test_a_tiny_project_on_disk_is_loaded_whole(tmp_path: Path) -> None:
    files = project()
    write(tmp_path, {**files, "computed/basics.py": "def argmax(x):\n    return 0\n", "README.md": "# x\n"})
    content = load_content(tmp_path)
    assert list(content.entries) == [("topics", "entropy"), ("problems", "argmax"), ("features", "search")]
    topic_source = content.entries["topics", "entropy"]
    assert (topic_source.kind, topic_source.id, topic_source.title, topic_source.group) == (
        BY_FOLDER["topics"],
        "entropy",
        "Entropy",
        "Information",
    )
    assert (content.entries["problems", "argmax"].group, content.entries["features", "search"].group) == (
        "Basics",
        None,
    )
    assert (topic_source.path, topic_source.digest) == (TOPIC, sha(files[TOPIC]))
    assert isinstance(topic_source.loaded.model, TopicEntry) and topic_source.loaded.doc.path == TOPIC
    day = content.issues[dt.date(2026, 11, 26)]
    assert (day.path, day.digest, day.draft, day.parts) == (
        ISSUE,
        sha(files[ISSUE]),
        False,
        ("entropy", "argmax", "search"),
    )
    assert isinstance(day.loaded.model, IssueEntry) and day.loaded.model.topic == "entropy"
    assert content.site.model.title == "The Test Gradient"
    assert (content.site_source.path, content.site_source.digest) == (SITE, sha(SITE_YAML))
    assert content.site_source.loaded is content.site
    assert content.read == {SITE, TOPIC, PROBLEM, FEATURE, ISSUE}
    assert content.skeletons == {
        SITE: (),
        TOPIC: ("entropy", "Entropy", "Information", {"summary": "How surprised we are."}),
        PROBLEM: ("argmax", "Argmax", "Basics", {"summary": "The largest.", "difficulty": "Easy"}),
        FEATURE: ("search", "Search", None, {"summary": "Find a topic."}),
        ISSUE: ("2026-11-26", False, "entropy", "argmax", "search"),
    }
    assert set(content.facts) == {SITE, TOPIC, PROBLEM, FEATURE, ISSUE}


def test_entries_are_looked_up_by_folder_and_id(tmp_path: Path) -> None:
    files = project(topics__adam=topic("adam", chapter="Optimisation"))
    content, problems = load(files, tmp_path)
    assert problems == [] and content is not None
    assert content.entry("topics", "adam") is content.entries["topics", "adam"]
    assert content.entry("problems", "argmax").title == "Argmax"  # type: ignore[union-attr]
    assert content.entry("problems", "entropy") is None and content.entry("topics", "argmax") is None
    assert [s.id for s in content.of_kind("topics")] == ["adam", "entropy"]
    assert [s.id for s in content.of_kind("problems")] == ["argmax"]
    assert content.of_kind("issues") == []


def test_issues_are_by_date_in_date_order_and_a_draft_is_marked(tmp_path: Path) -> None:
    files = project()
    files["content/issues/2026-11-27.yaml"] = issue("2026-11-27", draft=True)
    files["content/issues/2026-11-25.yaml"] = issue("2026-11-25")
    content, problems = load(files, tmp_path)
    assert problems == [] and content is not None
    assert list(content.issues) == [dt.date(2026, 11, 25), dt.date(2026, 11, 26), dt.date(2026, 11, 27)]
    assert [source.draft for source in content.issues.values()] == [False, False, True]
    assert content.skeletons["content/issues/2026-11-27.yaml"] == ("2026-11-27", True, "entropy", "argmax", "search")


def test_every_problem_is_raised_at_once(tmp_path: Path) -> None:
    write(
        tmp_path,
        project(
            topics__entropy=topic().replace("title:", "titel:"), issues__2026_11_26=issue(parts="entropy zzz search")
        ),
    )
    with pytest.raises(ContentError) as info:
        load_content(tmp_path)
    assert [str(p) for p in info.value.problems] == [
        "content/issues/2026-11-26.yaml:3:10: problem: 'zzz' does not exist (no content/problems/zzz.yaml)",
        "content/topics/entropy.yaml:1:1: title: required field is missing",
        "content/topics/entropy.yaml:2:1: titel: unknown field (did you mean 'title'?)",
    ]


def test_an_invalid_site_file_gives_no_content_and_every_other_problem_too(tmp_path: Path) -> None:
    files = project(site=SITE_YAML.replace("title:", "titl:"), topics__entropy=topic(extra="zzz: 1\n"))
    content, problems = load(files, tmp_path)
    assert content is None
    assert problems == [
        "content/site.yaml:1:1: titl: unknown field (did you mean 'title'?)",
        "content/site.yaml:1:1: title: required field is missing",
        "content/topics/entropy.yaml:8:1: zzz: unknown field"
        " (known fields: applications, call_to_action, chapter, chapter_connection, examples, formulas, id, plots,"
        " sections, summary, tags, title)",
    ]


def test_load_site_reads_the_settings_alone(tmp_path: Path) -> None:
    write(tmp_path, {SITE: SITE_YAML})  # no folder of entries: not needed for the settings
    assert load_site(tmp_path).title == "The Test Gradient"
    write(tmp_path, {SITE: SITE_YAML.replace("author: Editors\n", "")})
    with pytest.raises(ContentError) as info:
        load_site(tmp_path)
    assert [str(p) for p in info.value.problems] == ["content/site.yaml:1:1: author: required field is missing"]


# --- which files are read ------------------------------------------------------------------------


def test_a_missing_folder_is_reported_and_an_empty_one_is_not(tmp_path: Path) -> None:
    write(tmp_path, {SITE: SITE_YAML})
    for folder in ("topics", "problems", "features"):
        (tmp_path / "content" / folder).mkdir()
    with pytest.raises(ContentError) as info:
        load_content(tmp_path)
    assert [str(p) for p in info.value.problems] == ["content/issues: folder is missing"]
    (tmp_path / "content/issues").mkdir()
    content = load_content(tmp_path)
    assert (content.entries, content.issues) == ({}, {})


def test_files_handed_in_need_no_folder_on_disk(tmp_path: Path) -> None:
    content, problems = load(project(), tmp_path)
    assert problems == [] and content is not None
    assert len(content.entries) == 3 and len(content.issues) == 1


def test_only_the_yaml_files_of_a_folder_are_loaded_and_the_others_reported(tmp_path: Path) -> None:
    files = project()
    files["content/topics/.entropy.yaml.swp"] = "not: [yaml\n"
    files["content/topics/entropy.yaml~"] = "not: [yaml\n"
    files["content/topics/notes.txt"] = "notes\n"
    content, problems = load(files, tmp_path)
    assert problems == [
        "content/topics/notes.txt: not read: content files end in .yaml"
        " (rename it to .yaml if it is content, else move it out of content/)"
    ]
    assert content is not None and list(content.of_kind("topics")) == [content.entries["topics", "entropy"]]


def test_a_file_not_handed_in_is_read_from_disk_and_one_that_is_gone_is_a_problem(tmp_path: Path) -> None:
    files = project()
    write(tmp_path, {TOPIC: files[TOPIC]})
    data: dict[str, bytes | None] = {path: text.encode() for path, text in files.items()}
    data[TOPIC] = None
    data["content/features/gone.yaml"] = None
    content, problems = load_changed(tmp_path, data, {})
    assert [str(p) for p in problems] == ["content/features/gone.yaml: cannot read file: No such file or directory"]
    assert content is not None and content.entry("topics", "entropy").title == "Entropy"  # type: ignore[union-attr]
    assert TOPIC in content.read and "content/features/gone.yaml" in content.read


def test_a_file_that_is_not_a_mapping_or_not_yaml_is_a_problem_and_not_a_dangling_reference(tmp_path: Path) -> None:
    files = project(topics__entropy="- a\n- b\n", problems__argmax="id: [argmax\n")
    content, problems = load(files, tmp_path)
    assert problems == [
        "content/problems/argmax.yaml:2:1: YAML syntax: while parsing a flow sequence"
        " (started at line 1, column 5) did not find expected ',' or ']'",
        "content/topics/entropy.yaml:1:1: expected a mapping of fields, found list",
    ]
    assert content is not None and list(content.entries) == [("features", "search")] and content.issues == {}
    assert content.read == {SITE, TOPIC, PROBLEM, FEATURE, ISSUE}
    assert set(content.facts) == {SITE, FEATURE, ISSUE}, "only valid files have facts"


def test_an_id_that_is_not_the_file_name_is_located_and_not_a_dangling_reference(tmp_path: Path) -> None:
    files = project(
        topics__entropy=None, topics__other=topic("entropy"), issues__2026_11_26=issue(parts="other argmax search")
    )
    content, problems = load(files, tmp_path)
    assert problems == ["content/topics/other.yaml:1:5: id: id 'entropy' does not match the file name 'other.yaml'"]
    assert content is not None and content.of_kind("topics") == [] and content.issues == {}
    assert "content/topics/other.yaml" not in content.skeletons


def test_a_dangling_reference_hints_at_a_close_id_of_its_own_kind_or_the_missing_file(tmp_path: Path) -> None:
    files = project(issues__2026_11_26=issue(parts="entropi entropy searc"))
    content, problems = load(files, tmp_path)
    assert problems == [
        "content/issues/2026-11-26.yaml:2:8: topic: 'entropi' does not exist (did you mean 'entropy'?)",
        "content/issues/2026-11-26.yaml:3:10: problem: 'entropy' does not exist (no content/problems/entropy.yaml)",
        "content/issues/2026-11-26.yaml:4:10: feature: 'searc' does not exist (did you mean 'search'?)",
    ]
    assert content is not None and content.issues == {}
    assert content.skeletons[ISSUE] == ("2026-11-26", False, "entropi", "entropy", "searc")


def test_an_entry_is_checked_on_its_own(tmp_path: Path) -> None:
    formulas = "formulas:\n  - id: f\n    latex: x\n  - id: f\n    latex: y\n"
    content, problems = load(project(topics__adam=topic("adam", extra=formulas)), tmp_path)
    assert problems == ["content/topics/adam.yaml:11:9: formulas[1].id: duplicate id 'f'"]
    assert content is not None and ("topics", "adam") in content.entries


def test_group_names_sharing_a_page_are_reported_within_a_kind_only(tmp_path: Path) -> None:
    files = project(
        topics__entropy=topic(chapter="Deep Learning"),
        topics__adam=topic("adam", chapter="Deep Learning"),
        topics__bias=topic("bias", chapter="deep learning"),
        problems__argmax=problem(collection="deep learning"),
    )
    _, problems = load(files, tmp_path)
    assert problems == [
        "content/topics/bias.yaml:4:10: chapter: 'deep learning' and 'Deep Learning'"
        " (content/topics/adam.yaml:4:10) would share the page chapters/deep-learning/"
        " (write the name the same way in both)"
    ]


# --- misdated issues -----------------------------------------------------------------------------


def test_a_misdated_issue_is_located_with_the_rename_hint(tmp_path: Path) -> None:
    content, problems = load(project(issues__2026_11_26=issue("2026-11-27")), tmp_path)
    assert problems == [
        "content/issues/2026-11-26.yaml:1:7: date: date 2026-11-27 does not match the file name '2026-11-26.yaml'"
        " (rename the file to 2026-11-27.yaml, or correct the date)"
    ]
    assert content is not None and content.issues == {} and ISSUE not in content.skeletons


def test_a_misdated_issue_on_a_day_that_has_one_says_so(tmp_path: Path) -> None:
    files = project(issues__2026_11_26=issue("2026-11-27"))
    files["content/issues/2026-11-27.yaml"] = issue("2026-11-27")
    content, problems = load(files, tmp_path)
    assert problems == [
        "content/issues/2026-11-26.yaml:1:7: date: date 2026-11-27 does not match the file name '2026-11-26.yaml'"
        " (content/issues/2026-11-27.yaml is already the issue of that day: one issue per day)"
    ]
    assert content is not None and list(content.issues) == [dt.date(2026, 11, 27)]


def test_the_issue_of_that_day_is_found_on_disk_too(tmp_path: Path) -> None:
    write(tmp_path, {"content/issues/2026-11-27.yaml": issue("2026-11-27")})
    _, problems = load(project(issues__2026_11_26=issue("2026-11-27")), tmp_path)
    assert [p.rsplit(" (", 1)[1] for p in problems] == [
        "content/issues/2026-11-27.yaml is already the issue of that day: one issue per day)"
    ]


# --- parts sharing an element id -----------------------------------------------------------------

LOSS = "formulas:\n  - id: loss\n    latex: x\n"
SHARED = (
    "content/issues/2026-11-26.yaml:3:10: problem: problem 'argmax' and topic 'entropy' both have a formula 'loss':"
    " the issue page would hold two elements with id 'formula-loss'"
    " (rename the formula in content/problems/argmax.yaml and the directives that show it)"
)


def test_parts_sharing_an_element_id_are_reported_on_the_issue(tmp_path: Path) -> None:
    _, problems = load(project(topics__entropy=topic(extra=LOSS), problems__argmax=problem(extra=LOSS)), tmp_path)
    assert problems == [SHARED]


def _recorded(files: dict[str, str], *unchanged: str) -> dict[str, tuple[str, Any]]:
    """The record a last build left of ``unchanged`` files, as the state stores it (lists, not tuples)."""
    skeletons: dict[str, list[Any]] = {
        TOPIC: ["entropy", "Entropy", "Information"],
        PROBLEM: ["argmax", "Argmax", "Basics"],
        FEATURE: ["search", "Search", None],
        ISSUE: ["2026-11-26", False, "entropy", "argmax", "search"],
    }
    return {path: (sha(files[path]), skeletons[path]) for path in unchanged}


@pytest.mark.parametrize(
    ("unchanged", "reported"),
    [
        ((TOPIC, PROBLEM, FEATURE, ISSUE), False),  # checked when they were read
        ((TOPIC, FEATURE, ISSUE), True),  # one part changed
        ((TOPIC, PROBLEM, FEATURE), True),  # the issue changed
    ],
)
def test_element_ids_are_checked_when_the_issue_or_one_of_its_parts_changed(
    tmp_path: Path, unchanged: tuple[str, ...], reported: bool
) -> None:
    files = project(topics__entropy=topic(extra=LOSS), problems__argmax=problem(extra=LOSS))
    write(tmp_path, files)  # unchanged files are read from disk when the check needs them
    content, problems = load(files, tmp_path, _recorded(files, *unchanged))
    assert problems == ([SHARED] if reported else [])
    assert content is not None and content.read == {SITE} | (set(files) - {SITE} - set(unchanged))


# --- what the last build left --------------------------------------------------------------------


def test_an_unchanged_file_is_known_by_its_record_and_read_only_when_used(tmp_path: Path) -> None:
    files = project()
    data: dict[str, bytes | None] = {path: text.encode() for path, text in files.items()}
    data[TOPIC] = data[ISSUE] = None  # a scan does not read unchanged files; these are not even on disk yet
    digests = {path: sha(text) for path, text in files.items()}
    content, problems = load_changed(tmp_path, data, _recorded(files, TOPIC, PROBLEM, FEATURE, ISSUE), digests)
    assert problems == [] and content is not None
    source = content.entries["topics", "entropy"]
    assert (source.kind, source.id, source.title, source.group, source.path, source.digest) == (
        BY_FOLDER["topics"],
        "entropy",
        "Entropy",
        "Information",
        TOPIC,
        sha(files[TOPIC]),
    )
    assert content.read == {SITE} and set(content.facts) == {SITE}
    assert content.skeletons[TOPIC] == ["entropy", "Entropy", "Information"]
    assert content.skeletons[ISSUE] == ("2026-11-26", False, "entropy", "argmax", "search")
    day = content.issues[dt.date(2026, 11, 26)]
    assert (day.path, day.digest, day.draft, day.parts) == (
        ISSUE,
        sha(files[ISSUE]),
        False,
        ("entropy", "argmax", "search"),
    )
    with pytest.raises(YamlProblem):  # only using the entry reads its file
        source.loaded  # noqa: B018
    write(tmp_path, {TOPIC: files[TOPIC], ISSUE: files[ISSUE]})
    assert isinstance(source.loaded.model, TopicEntry) and source.loaded.model.summary == "How surprised we are."
    assert source.loaded.doc.path == TOPIC and source.loaded is source.loaded
    assert isinstance(day.loaded.model, IssueEntry) and day.loaded.model.feature == "search"
    assert day.loaded.doc.path == ISSUE
    with tracking() as seen:
        assert (source.fields.title, day.fields.problem) == ("Entropy", "argmax")
    assert seen == {f"{TOPIC}#title", f"{ISSUE}#problem"}


def test_unchanged_settings_are_loaded_but_not_noted_as_read(tmp_path: Path) -> None:
    files = project()
    content, problems = load(files, tmp_path, {SITE: (sha(SITE_YAML), [])})
    assert problems == [] and content is not None
    assert content.site.model.author == "Editors" and content.site_source.digest == sha(SITE_YAML)
    assert content.read == {TOPIC, PROBLEM, FEATURE, ISSUE} and SITE not in content.facts
    assert content.skeletons[SITE] == ()


def test_a_recorded_draft_stays_a_draft(tmp_path: Path) -> None:
    files = project(issues__2026_11_26=issue(draft=True))
    recorded = {ISSUE: (sha(files[ISSUE]), ["2026-11-26", True, "entropy", "argmax", "search"])}
    content, problems = load(files, tmp_path, recorded)
    assert problems == [] and content is not None
    assert content.issues[dt.date(2026, 11, 26)].draft is True
    assert content.skeletons[ISSUE] == ("2026-11-26", True, "entropy", "argmax", "search")


def test_a_file_whose_bytes_changed_since_its_record_is_read_again(tmp_path: Path) -> None:
    files = project()
    recorded = {TOPIC: ("0" * 64, ["entropy", "Old title", "Old chapter"])}
    content, problems = load(files, tmp_path, recorded)
    assert problems == [] and content is not None
    assert TOPIC in content.read and content.entries["topics", "entropy"].title == "Entropy"
    assert content.skeletons[TOPIC] == ("entropy", "Entropy", "Information", {"summary": "How surprised we are."})


def test_without_digests_every_recorded_file_is_read_again(tmp_path: Path) -> None:
    files = project()
    data: dict[str, bytes | None] = {path: text.encode() for path, text in files.items()}
    content, _ = load_changed(tmp_path, data, _recorded(files, TOPIC, PROBLEM, FEATURE, ISSUE))
    assert content is not None and content.read == set(files)


def test_facts_change_exactly_with_the_fields_that_changed(tmp_path: Path) -> None:
    before, _ = load(project(), tmp_path)
    after, _ = load(project(topics__entropy=topic().replace("title: Entropy", "title: Entropy, again")), tmp_path)
    assert before is not None and after is not None
    names = {f"{TOPIC}#{name}" for name in TopicEntry.model_fields} | {TOPIC}
    assert set(before.facts[TOPIC]) == set(after.facts[TOPIC]) == names
    changed = {name for name in names if before.facts[TOPIC][name] != after.facts[TOPIC][name]}
    assert changed == {f"{TOPIC}#title", TOPIC}
    assert before.facts[PROBLEM] == after.facts[PROBLEM]
    assert set(before.facts[PROBLEM]) == {f"{PROBLEM}#{name}" for name in ProblemEntry.model_fields} | {PROBLEM}


def test_reading_a_field_of_a_source_notes_that_field(tmp_path: Path) -> None:
    content, _ = load(project(), tmp_path)
    assert content is not None
    with tracking() as seen:
        assert content.entries["topics", "entropy"].fields.chapter == "Information"
        assert content.issues[dt.date(2026, 11, 26)].fields.feature == "search"
        assert content.site_source.fields.author == "Editors"
    assert seen == {f"{TOPIC}#chapter", f"{ISSUE}#feature", f"{SITE}#author"}


# --- paths ---------------------------------------------------------------------------------------


def test_source_texts_are_every_yaml_file_under_content(tmp_path: Path) -> None:
    write(tmp_path, {TOPIC: "id: entropy\n", "content/issues/old/2020-01-01.yaml": "date: x\n", "content/a.md": "x\n"})
    (tmp_path / "content/topics/bad.yaml").write_bytes(b"title: caf\xe9\n")
    (tmp_path / "content/topics/folder.yaml").mkdir()
    (tmp_path / "computed").mkdir()
    (tmp_path / "computed/x.yaml").write_text("x: 1\n")
    assert source_texts(tmp_path) == {
        "content/issues/old/2020-01-01.yaml": "date: x\n",
        "content/topics/bad.yaml": "title: caf\ufffd\n",
        TOPIC: "id: entropy\n",
    }
    assert list(source_texts(tmp_path)) == sorted(source_texts(tmp_path))


def test_source_texts_are_read_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    write(tmp_path, {TOPIC: "title: Café – naïve\n"})
    assert source_texts(tmp_path) == {TOPIC: "title: Café – naïve\n"}
    # Under the C locale without UTF-8 mode, Python's default encoding is ASCII.
    package = Path(site_builder.content.load.__file__).parent.parent
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONPATH": str(package), "PYTHONIOENCODING": "utf-8"}
    code = (
        "import sys; from pathlib import Path; from site_builder.content.load import source_texts;"
        " print(source_texts(Path(sys.argv[1]))[sys.argv[2]])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), TOPIC], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout == "title: Café – naïve\n\n"


def test_entry_folder_is_the_kind_of_an_entry_file_only() -> None:
    assert entry_folder("content/topics/x.yaml") is BY_FOLDER["topics"]
    assert entry_folder("content/features/x.yaml") is BY_FOLDER["features"]
    assert [
        entry_folder(path)
        for path in ("content/issues/x.yaml", "content/topics/a/x.yaml", "site/topics/x.yaml", "content/topics", SITE)
    ] == [None] * 5


def test_issue_paths_are_those_in_the_issues_folder() -> None:
    paths = [ISSUE, TOPIC, "content/issues.yaml", "output/content/issues/x.yaml", "content/issues/2026-11-27.yaml"]
    assert issue_paths(paths) == [ISSUE, "content/issues/2026-11-27.yaml"]

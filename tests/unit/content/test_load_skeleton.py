"""Files the last build read are known by their skeleton: what it holds is given without parsing the file again.

The archive lists every issue's title; on a site of a thousand issues, parsing the two
thousand entry files behind those titles would cost the daily build a second. An
entry's id and title are in the skeleton the state keeps, so reading them notes the
field, as reading the parsed file would, and leaves the file unparsed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from site_builder.content import load
from site_builder.content.load import load_changed, load_content
from site_builder.content.sources import Content
from site_builder.incremental.deps import tracking

from ...conftest import copy_project

PERPLEXITY = "content/topics/perplexity.yaml"


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, list[str]]:
    """The bundled project, and the display paths of the files parsed from now on (in order)."""
    root = copy_project(tmp_path / "project", warm_cache=False)
    seen: list[str] = []
    original = load.parse_yaml

    def counting(text: object, path: str, *args: object, **kwargs: object) -> object:
        seen.append(path)
        return original(text, path, *args, **kwargs)

    monkeypatch.setattr(load, "parse_yaml", counting)
    return root, seen


def test_an_unchanged_entry_gives_its_id_and_title_without_being_parsed(parsed: tuple[Path, list[str]]) -> None:
    root, seen = parsed
    first = load_content(root)
    digests = {s.path: s.digest for s in [*first.entries.values(), *first.issues.values()]}
    digests[load.SITE_FILE] = first.site.doc.digest
    recorded = {path: (digests[path], first.skeletons[path]) for path in digests}
    seen.clear()

    content, problems = load_changed(root, dict.fromkeys(digests), recorded, digests)
    assert not problems and content is not None
    source = content.entry("topics", "perplexity")
    assert source is not None
    with tracking() as reads:
        assert source.fields.title == "Perplexity"  # as content/topics/perplexity.yaml says
        assert source.fields.id == "perplexity"
    assert reads == {f"{PERPLEXITY}#title", f"{PERPLEXITY}#id"}
    assert PERPLEXITY not in seen, "the title was read by parsing the file again"

    with tracking() as reads:  # what a chapter's page lists of each topic: in the skeleton too
        assert source.fields.summary.startswith("How surprised")
    assert reads == {f"{PERPLEXITY}#summary"}
    assert PERPLEXITY not in seen, "the summary was read by parsing the file again"

    with tracking() as reads:  # a field the skeleton does not hold: the file is parsed, once
        assert source.fields.tags == source.loaded.model.tags
    assert reads == {f"{PERPLEXITY}#tags"}
    assert seen.count(PERPLEXITY) == 1


def _recorded(content: Content) -> tuple[dict[str, str], dict[str, tuple[str, object]]]:
    digests = {s.path: s.digest for s in [*content.entries.values(), *content.issues.values()]}
    digests[load.SITE_FILE] = content.site.doc.digest
    return digests, {path: (digests[path], content.skeletons[path]) for path in digests}


def _save(root: Path, path: str, old: str, new: str, digests: dict[str, str]) -> dict[str, bytes | None]:
    """Replace ``old`` by ``new`` in ``path``, as an author's save; the files as the scan hands them to the loader."""
    data = (root / path).read_bytes().replace(old.encode(), new.encode(), 1)
    (root / path).write_bytes(data)
    digests[path] = hashlib.sha256(data).hexdigest()
    return {path: data}


def test_a_save_over_the_content_before_parses_the_file_saved_alone(parsed: tuple[Path, list[str]]) -> None:
    root, seen = parsed
    before = load_content(root)
    digests, recorded = _recorded(before)
    files = {**dict.fromkeys(before.paths), **_save(root, PERPLEXITY, "How surprised", "How very surprised", digests)}
    seen.clear()

    content, problems = load_changed(root, files, recorded, digests, before)
    assert not problems and content is not None
    assert seen == [PERPLEXITY] and content.read == {PERPLEXITY} and set(content.facts) == {PERPLEXITY}
    assert content.entry("topics", "perplexity").fields.summary.startswith("How very surprised")  # type: ignore[union-attr]
    others = [key for key in before.entries if key != ("topics", "perplexity")]
    assert all(content.entries[key] is before.entries[key] for key in others)
    assert list(content.issues) == list(before.issues) and content.skeletons.keys() == before.skeletons.keys()
    full, _ = load_changed(root, files, recorded, digests)
    assert full is not None and content.skeletons == full.skeletons and content.facts == full.facts


def test_a_save_that_changes_the_site_s_shape_or_fails_is_loaded_as_a_whole(parsed: tuple[Path, list[str]]) -> None:
    root, _ = parsed
    before = load_content(root)
    digests, recorded = _recorded(before)
    files = {**dict.fromkeys(before.paths), **_save(root, PERPLEXITY, "title: Perplexity", "title: Surprise", digests)}
    content, problems = load_changed(root, files, recorded, digests, before)
    full, _ = load_changed(root, files, recorded, digests)
    assert not problems and content is not None and full is not None
    assert content.entry("topics", "perplexity").title == "Surprise"  # type: ignore[union-attr]
    assert content.skeletons == full.skeletons

    files.update(_save(root, PERPLEXITY, "title: Surprise", "title: [", digests))
    _, problems = load_changed(root, files, recorded, digests, before)
    assert problems and problems == load_changed(root, files, recorded, digests)[1]
    assert problems[0].path == PERPLEXITY and problems[0].line  # file and line, as ever


def test_a_source_let_go_of_is_parsed_again_when_read(parsed: tuple[Path, list[str]]) -> None:
    root, seen = parsed
    content = load_content(root)
    source = content.entry("topics", "perplexity")
    assert source is not None and source._loaded is not None
    seen.clear()
    load.let_go(root, content)
    assert source._loaded is None and seen == []
    assert source.fields.sections == source.loaded.model.sections
    assert seen == [PERPLEXITY]

"""Files the last build read are known by their skeleton: what it holds is given without parsing the file again.

The archive lists every issue's title; on a site of a thousand issues, parsing the two
thousand entry files behind those titles would cost the daily build a second. An
entry's id and title are in the skeleton the state keeps, so reading them notes the
field, as reading the parsed file would, and leaves the file unparsed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.content import load
from site_builder.content.load import load_changed, load_content
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

    with tracking() as reads:  # a field the skeleton does not hold: the file is parsed, once
        assert source.fields.summary.startswith("How surprised")
        assert source.fields.summary == source.loaded.model.summary
    assert reads == {f"{PERPLEXITY}#summary"}
    assert seen.count(PERPLEXITY) == 1

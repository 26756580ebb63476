"""The dev.to edition: valid front matter with at most four tags, KaTeX math, absolute links."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from ..conftest import run_cli

BASE = "https://daily-gradient.example.org/"
ISSUE = "issues/2026-11-26/"


def _split(text: str) -> tuple[dict[str, object], str]:
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    data = yaml.safe_load(front)
    assert isinstance(data, dict)
    return data, body


def test_front_matter_is_what_dev_to_reads(built_site: Path) -> None:
    front, body = _split((built_site / ISSUE / "devto.md").read_text())
    assert front == {
        "title": "Perplexity · Batch Normalization Forward Pass",
        "published": True,
        "description": "How surprised is your language model? Today we measure it, then normalize a mini-batch by hand.",
        "tags": "machinelearning, llm, deeplearning, python",
        "canonical_url": f"{BASE}{ISSUE}",
        "series": "The Daily Gradient",
    }
    assert not body.lstrip().startswith("# "), "dev.to shows the title from the front matter"


def test_every_issue_has_at_most_four_lower_case_alphanumeric_tags(built_site: Path) -> None:
    for path in sorted((built_site / "issues").glob("*/devto.md")):
        front, _ = _split(path.read_text())
        tags = str(front["tags"]).split(", ")
        assert 1 <= len(tags) <= 4, path
        assert all(re.fullmatch(r"[a-z0-9]+", tag) for tag in tags), path


def test_math_is_katex_and_links_are_absolute(built_site: Path) -> None:
    _, body = _split((built_site / ISSUE / "devto.md").read_text())
    assert (
        "{% katex %}\n\\mathrm{PP}(M) = 2^{-\\frac{1}{N}\\sum_{i=1}^{N} \\log_2 p(x_i)}\n{% endkatex %}\n\n"
        "*Perplexity is 2 raised to the cross-entropy in bits.*" in body
    )
    assert "Write {% katex inline %}p(x_i){% endkatex %} for the probability" in body
    outside_code = re.sub(r"```.*?```", "", body, flags=re.DOTALL)
    assert "$" not in outside_code
    assert "](/" not in body and 'src="/' not in body
    assert f'[Open today\'s problem and press "Show solution"](<{BASE}problems/batch-norm-forward/>)' in body
    assert (
        "{% details Show the reference solution %}\n\n```python\nfrom __future__ import annotations\n\n"
        "import numpy as np\n\n\ndef batch_norm_forward(" in body
    )
    assert body.rstrip().endswith(f"*Read this issue online: <{BASE}{ISSUE}>*")


def test_svg_images_become_their_png_sibling_on_dev_to(project: Path, tmp_path: Path) -> None:
    static = project / "templates" / "static"
    static.mkdir(parents=True, exist_ok=True)  # the project's own static files, beside the theme's
    (static / "diagram.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    (static / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    topic = project / "content" / "topics" / "perplexity.yaml"
    topic.write_text(
        topic.read_text().replace(
            "      ```{example} sentence\n",
            "      ![A diagram](/static/diagram.svg)\n\n      ```{example} sentence\n",
            1,
        )
    )
    out = tmp_path / "out"
    assert run_cli("--root", project, "--out", out, "--date", "2026-11-26").exit_code == 0
    body = (out / ISSUE / "devto.md").read_text()
    assert f"![A diagram]({BASE}static/diagram.png)" in body
    # index.md keeps the author's image, made absolute because it is read away from the site.
    assert f"![A diagram]({BASE}static/diagram.svg)" in (out / ISSUE / "index.md").read_text()


def test_an_entry_with_five_tags_is_an_error_at_build_time(project: Path, tmp_path: Path) -> None:
    issue = project / "content" / "issues" / "2026-11-26.yaml"
    issue.write_text(
        issue.read_text().replace("tags: [machinelearning, llm, deeplearning, python]", "tags: [a, b, c, d, e]")
    )
    result = run_cli("--root", project, "--out", tmp_path / "out", "--date", "2026-11-26")
    assert result.exit_code == 2
    line = issue.read_text().splitlines().index("tags: [a, b, c, d, e]") + 1
    assert result.stderr.splitlines() == [
        f"content/issues/2026-11-26.yaml:{line}:7: tags: List should have at most 4 items after validation, not 5 "
        "(got ['a', 'b', 'c', 'd', 'e'])",
        "1 problem found (content).",
    ]


def test_the_edition_itself_refuses_tags_dev_to_would_reject(project: Path) -> None:
    """The schema already caps tags; the dev.to edition checks again, so a later schema change cannot slip by."""
    from site_builder.content.yamlsource import read_yaml
    from site_builder.errors import ContentError
    from site_builder.outputs.devto import check_tags

    path = project / "content/issues/2026-11-26.yaml"
    doc = read_yaml(path, "content/issues/2026-11-26.yaml")
    line = path.read_text().splitlines().index("tags: [machinelearning, llm, deeplearning, python]") + 1
    too_many = SimpleNamespace(
        tags=("a", "b", "c", "d", "e"),
        entry=SimpleNamespace(tags=["a"]),
        source=SimpleNamespace(loaded=SimpleNamespace(doc=doc)),
    )
    with pytest.raises(ContentError) as caught:
        check_tags(too_many)  # type: ignore[arg-type]
    assert str(caught.value.problems[0]) == (
        f"content/issues/2026-11-26.yaml:{line}:7: tags: dev.to takes at most 4 lower-case alphanumeric tags; "
        "this issue has 5 tags (a, b, c, d, e) (set the issue's own tags)"
    )
    upper = SimpleNamespace(
        tags=("ML",), entry=SimpleNamespace(tags=["ML"]), source=SimpleNamespace(loaded=SimpleNamespace(doc=doc))
    )
    with pytest.raises(ContentError, match="this issue has tags ML"):
        check_tags(upper)  # type: ignore[arg-type]

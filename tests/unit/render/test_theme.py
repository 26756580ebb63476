"""The theme's files on their own: ejecting copies them into templates/ and never overwrites, and an error in one
names the theme's file and how to change it."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.errors import TemplateError
from site_builder.render import templates
from site_builder.render.theme import THEME

from ...conftest import run_cli


def test_eject_copies_never_overwrites_and_refuses_unknown_names(tmp_path: Path) -> None:
    root = tmp_path / "project"
    result = run_cli("theme", "eject", "entry.html", "static/style.css", "--root", root)
    assert result.exit_code == 0, result.stderr
    for name in ("entry.html", "static/style.css"):
        assert (root / "templates" / name).read_bytes() == (THEME / name).read_bytes()
        assert f"created {root / 'templates' / name}: edit it to change the site" in result.stderr
    (root / "templates/entry.html").write_text("mine\n")

    result = run_cli("theme", "eject", "base.html", "entry.html", "nosuch.html", "--root", root)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "templates/entry.html: already exists; not overwritten",
        "templates/nosuch.html: the theme has no such file (`build-site theme list` names them)",
        "2 problems found (configuration).",
    ]
    assert (root / "templates/entry.html").read_text() == "mine\n"
    assert not (root / "templates/base.html").exists(), "a refused eject copies nothing"


def test_an_error_in_a_theme_template_names_the_themes_file_and_how_to_change_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "page.html").write_text("<p>fine</p>\n{{ no_such_value.title }}\n")
    monkeypatch.setattr(templates, "THEME", theme)
    env = templates.load_templates(tmp_path / "project")
    with pytest.raises(TemplateError) as error:
        templates.render_template(env, "page.html", {})
    (problem,) = error.value.problems
    assert (problem.path, problem.line) == (str(theme / "page.html"), 2)
    assert problem.message == "UndefinedError: 'no_such_value' is undefined"
    assert problem.hint == (
        "a file of build-site's theme: `build-site theme eject page.html` copies it into templates/ to change it"
    )
    # The project's own file of that name wins, and its errors name it as the project's.
    (tmp_path / "project/templates").mkdir(parents=True)
    (tmp_path / "project/templates/page.html").write_text("{% if %}\n")
    env = templates.load_templates(tmp_path / "project")
    with pytest.raises(TemplateError) as error:
        templates.render_template(env, "page.html", {})
    assert str(error.value.problems[0]).startswith("templates/page.html:1:1: syntax error: ")

"""The documentation cannot drift: the authoring reference is generated from the models, every command and option is
in docs/command-line.md."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import click
import pytest
from pydantic import Field

from site_builder.authoring import reference as docs
from site_builder.cli.main import main
from site_builder.content import schema
from site_builder.content import settings as site_settings

from .conftest import REPO

COMMAND_LINE = (REPO / "docs/command-line.md").read_text()


def test_authoring_reference_is_up_to_date() -> None:
    current = (REPO / docs.DOC_PATH).read_text()
    assert current == docs.authoring_reference(REPO), (
        "docs/authoring.md is out of date: run python -m site_builder.authoring.reference"
    )


def test_docs_check_mode_fails_on_a_stale_file_and_passes_on_a_fresh_one(tmp_path: Path) -> None:
    for part in ("content",):
        (tmp_path / part).symlink_to(REPO / part)
    assert docs.main(["--root", str(tmp_path), "--check"]) == 1
    assert docs.main(["--root", str(tmp_path)]) == 0
    assert docs.main(["--root", str(tmp_path), "--check"]) == 0
    (tmp_path / docs.DOC_PATH).write_text((tmp_path / docs.DOC_PATH).read_text() + "edited by hand\n")
    assert docs.main(["--root", str(tmp_path), "--check"]) == 1


def _models() -> list[type[schema.Model]]:
    """Every model reachable from the content files, found independently of docs.py."""
    found: list[type[schema.Model]] = []
    todo = [site_settings.SiteConfig, schema.TopicEntry, schema.ProblemEntry, schema.FeatureEntry, schema.IssueEntry]
    while todo:
        model = todo.pop()
        if model in found:
            continue
        found.append(model)
        for field in model.model_fields.values():
            todo.extend(m for m in _nested(field.annotation) if m not in found)
    return found


def _nested(annotation: typing.Any) -> list[type[schema.Model]]:
    if isinstance(annotation, type) and issubclass(annotation, schema.Model):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _nested(arg)]


def test_every_field_of_every_model_is_documented() -> None:
    reference = (REPO / docs.DOC_PATH).read_text()
    sections = re.split(r'^<a id="', reference, flags=re.MULTILINE)
    by_anchor = {s.split('"', 1)[0]: s for s in sections[1:]}
    models = _models()
    assert len(models) >= 12
    for model in models:
        section = by_anchor.get(model.__name__.lower())
        assert section is not None, f"{model.__name__} has no section"
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            row = re.search(rf"^\| `{name}` \| (.+) \| (.+) \| (.+) \|$", section, flags=re.MULTILINE)
            assert row is not None, f"{model.__name__}.{name} is not in docs/authoring.md"
            assert row.group(3) == " ".join(field.description.split()).replace("|", "\\|")
            assert (row.group(2) == "**required**") == field.is_required()


def test_each_file_type_has_a_full_bundled_example() -> None:
    reference = (REPO / docs.DOC_PATH).read_text()
    for file_type in docs.FILE_TYPES:
        text = (REPO / file_type.example).read_text().rstrip("\n")
        heading = re.escape(f"### {file_type.title}: `{file_type.example}`")
        assert re.search(rf"^{heading}\n\n(`{{3,}})yaml\n{re.escape(text)}\n\1$", reference, flags=re.MULTILINE)


def test_an_undocumented_field_stops_the_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    class Sneaky(schema.Model):
        """A file type with a field nobody described."""

        documented: int = Field(description="Fine.")
        hidden: int = 0

    monkeypatch.setattr(docs, "FILE_TYPES", (docs.FileType("Sneaky", Sneaky, "x.yaml", "content/site.yaml"),))
    with pytest.raises(docs.UndocumentedError, match=r"^field Sneaky\.hidden has no description"):
        docs.authoring_reference(REPO)


# --- the command line in docs/command-line.md (like sqlite-utils' tests/test_docs.py) -------------------------------


def _section(command: str) -> str:
    match = re.search(rf"^## `build-site {command}`$(.*?)(?=^## |\Z)", COMMAND_LINE, flags=re.MULTILINE | re.DOTALL)
    assert match is not None, f"docs/command-line.md has no '## `build-site {command}`' section"
    return match.group(1)


COMMON = re.search(r"Options of every command:(.*?)^## `build-site", COMMAND_LINE, flags=re.MULTILINE | re.DOTALL)


def _commands(command: click.Command, name: str) -> list[tuple[str, click.Command]]:
    """``command`` and, for a group such as ``subscribers``, each of its subcommands."""
    found = [(name, command)]
    if isinstance(command, click.Group):
        for sub in sorted(command.commands):
            found.extend(_commands(command.commands[sub], f"{name} {sub}"))
    return found


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_and_option_is_documented(command: str) -> None:
    section = _section(command)
    assert COMMON is not None, "docs/command-line.md lists the options every command takes"
    common = COMMON.group(1)
    for name, cli_command in _commands(main.commands[command], command):
        if name != command:
            assert f"`{name.rsplit(' ', 1)[1]}" in section, (
                f"subcommand build-site {name} is not in docs/command-line.md"
            )
        for param in cli_command.params:
            if isinstance(param, click.Argument):
                argument = param.human_readable_name.strip("[]")
                assert argument in section, f"{name}: argument {argument}"
                continue
            for option in (*param.opts, *param.secondary_opts):
                if option in ("-h", "--help"):
                    continue
                assert f"`{option}" in section or f"`{option}" in common, (
                    f"build-site {name} {option} is not in docs/command-line.md"
                )


def test_the_options_of_build_site_itself_are_documented() -> None:
    """``build-site`` alone builds: its options are the build's, and ``--version``."""
    build = _section("build")
    intro = re.search(
        r"^## Options and exit statuses$(.*?)^## `build-site", COMMAND_LINE, flags=re.MULTILINE | re.DOTALL
    )
    assert intro is not None
    for param in main.params:
        for option in param.opts:
            if option not in ("-h", "--help"):
                documented = (f"`{option}", f"`build-site {option}")
                assert any(text in build or text in intro.group(1) for text in documented), (
                    f"build-site {option} is not in docs/command-line.md"
                )


def test_the_command_line_documents_no_command_that_does_not_exist() -> None:
    documented = set(re.findall(r"^## `build-site (\w+)`", COMMAND_LINE, flags=re.MULTILINE))
    assert documented == set(main.commands)

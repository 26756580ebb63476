"""The wheel works anywhere: built from this checkout, installed into a fresh virtual environment elsewhere, it starts,
builds and checks a new project, and a template of the project overrides the theme's.

The wheel is installed with its dependencies from the package index, as a user would install it,
so the test also proves that the dependencies it declares are enough (a module build-site imports
but does not declare fails it). Nothing of the checkout is importable in that environment: the
commands run from a temporary folder, without PYTHONPATH, and the test checks where build-site
was imported from.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

import site_builder

from .conftest import REPO, tree_digest


def _run(*args: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check:
        assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh virtual environment, outside the checkout, with the wheel built from it installed."""
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", dist, REPO, cwd=dist)
    (wheel,) = dist.glob("build_site-*-py3-none-any.whl")
    assert [p.name for p in dist.glob("build_site-*.tar.gz")] == [f"build_site-{site_builder.__version__}.tar.gz"]
    venv = tmp_path_factory.mktemp("venv") / "env"
    assert REPO not in venv.parents
    _run(sys.executable, "-m", "venv", venv, cwd=venv.parent)
    _run(venv / "bin/python", "-m", "pip", "install", "--quiet", wheel, cwd=venv.parent)
    return venv / "bin"


def test_the_installed_wheel_is_not_the_checkout_and_knows_its_version(installed: Path, tmp_path: Path) -> None:
    where = _run(installed / "python", "-c", "import site_builder; print(site_builder.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(installed.parent), where.stdout
    version = _run(installed / "build-site", "--version", cwd=tmp_path)
    assert version.stdout == f"build-site {site_builder.__version__}\n"


def test_init_build_check_and_a_template_override(installed: Path, tmp_path: Path) -> None:
    build_site = installed / "build-site"
    init = _run(
        build_site,
        "init",
        "site",
        "--title",
        "The Weekly Tensor",
        "--timezone",
        "Asia/Tokyo",
        "--defaults",
        cwd=tmp_path,
    )
    assert "started The Weekly Tensor in site" in init.stderr
    site = tmp_path / "site"
    assert not (site / "templates").exists(), "a new project uses the packaged theme"
    _run(build_site, cwd=site)
    _run(build_site, "check", cwd=site)

    home = lxml.html.parse(str(site / "output/index.html")).getroot()
    assert home.findtext(".//title").startswith("The Weekly Tensor")
    theme = _run(installed / "python", "-c", "from site_builder.render.theme import THEME; print(THEME)", cwd=tmp_path)
    assert (site / "output/static/style.css").read_bytes() == (
        Path(theme.stdout.strip()) / "static/style.css"
    ).read_bytes()
    problem = lxml.html.parse(str(site / "output/problems/mean-squared-error/index.html")).getroot()
    assert "✓ verified against" in problem.text_content()
    assert problem.xpath('.//img[@src="/problems/mean-squared-error/constant-prediction.svg"]')

    _run(build_site, "theme", "eject", "base.html", "static/style.css", cwd=site)
    base = site / "templates/base.html"
    text = base.read_text(encoding="utf-8")
    assert "</footer>" in text
    base.write_text(text.replace("</footer>", "<p id='ours'>Printed by our own base.html</p></footer>", 1))
    with (site / "templates/static/style.css").open("a", encoding="utf-8") as css:
        css.write("\n/* our own style */\n")
    _run(build_site, cwd=site)
    pages = sorted(site.glob("output/**/index.html"))
    assert len(pages) >= 8
    for page in pages:
        assert lxml.html.parse(str(page)).getroot().get_element_by_id("ours").text == "Printed by our own base.html"
    assert (site / "output/static/style.css").read_text(encoding="utf-8").endswith("/* our own style */\n")
    _run(build_site, "check", cwd=site)


def test_init_refuses_a_folder_that_is_not_empty_and_changes_nothing(installed: Path, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "ideas.txt").write_text("an issue on dropout\n")
    before = tree_digest(folder)
    refused = _run(installed / "build-site", "init", "notes", "--defaults", cwd=tmp_path, check=False)
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[0].startswith("notes: is not empty (ideas.txt); nothing written")
    assert tree_digest(folder) == before

    # --force adds the project beside what is there, but never overwrites a file: one that exists refuses it all.
    (folder / "README.md").write_text("# my notes\n")
    before = tree_digest(folder)
    refused = _run(installed / "build-site", "init", "notes", "--defaults", "--force", cwd=tmp_path, check=False)
    assert refused.returncode == 2
    assert "README.md: already exists; not overwritten" in refused.stderr
    assert tree_digest(folder) == before
    assert hashlib.sha256((folder / "README.md").read_bytes()).hexdigest() == before["README.md"]

"""The build cache on its own: values kept exactly, the code a computation depends on, changes said in words."""

from __future__ import annotations

from pathlib import Path

from site_builder.incremental.cache import Cache, CodeIndex, Key, explain_change

from ...conftest import REPO


def test_json_round_trip_keeps_values_types_and_order(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    data = {"z": [0.1 + 0.2, 1e-320, -0.0, 2**53 + 1, 1.7976931348623157e308], "a": 4, "m": 4.0, "s": "σ²"}
    key = Key({"inputs": "x"})
    cache.store("topics/t/example-e", key, data)
    hit, reason = Cache(tmp_path).lookup("topics/t/example-e", key)
    assert hit is not None and reason == "unchanged"
    assert repr(hit.data) == repr(data)


def test_code_manifest_follows_relative_imports_and_includes_data(tmp_path: Path) -> None:
    folder = tmp_path / "computed"
    folder.mkdir()
    (folder / "a.py").write_text("from .b import f\nfrom . import c\n")
    (folder / "b.py").write_text("import numpy as np\n")
    (folder / "c.py").write_text("from .b import f\n")
    (folder / "d.py").write_text("x = 1\n")
    (folder / "table.csv").write_text("1,2\n")
    manifest = CodeIndex(folder).manifest("a")
    assert sorted(manifest) == ["computed/a.py", "computed/b.py", "computed/c.py", "computed/table.csv"]
    assert sorted(CodeIndex(folder).manifest("d")) == ["computed/d.py", "computed/table.csv"]


def test_changes_are_explained_in_words() -> None:
    old = {
        "code": {"computed/a.py": "1", "computed/b.py": "2"},
        "function": "a.f",
        "inputs": "i",
        "versions": {"numpy": "2.0"},
        "builder": {"site_builder/compute/computer.py": "x"},
    }
    new = {
        "code": {"computed/a.py": "9", "computed/c.py": "3"},
        "function": "a.g",
        "inputs": "j",
        "versions": {"numpy": "2.1"},
        "builder": {"site_builder/compute/computer.py": "y"},
    }
    assert explain_change(old, new) == (
        "source of computed/a.py changed; computed/b.py is no longer used; computed/c.py is new; "
        "function changed from a.f to a.g; inputs changed; numpy 2.0 -> 2.1; "
        "build-site's site_builder/compute/computer.py changed"
    )


def test_the_bundled_project_keeps_its_cache_out_of_git() -> None:
    assert ".build-cache/" in (REPO / ".gitignore").read_text().splitlines()

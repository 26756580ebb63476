"""The mutation-testing set-up stays valid: every target names modules and tests that exist, equivalents are well formed."""

from __future__ import annotations

from benchmarks.mutation import (
    CONFIG,
    changed_lines,
    is_equivalent,
    load_equivalents,
    load_targets,
    mutmut_table,
)

from ..conftest import REPO


def test_every_target_mutates_modules_that_exist_with_tests_that_exist() -> None:
    targets = load_targets()
    assert targets
    for target in targets.values():
        for pattern in target.mutate:
            assert sorted(REPO.glob(pattern)), f"{target.name}: {pattern} matches no file"
        for test in target.tests:
            assert (REPO / test).is_file(), f"{target.name}: {test} does not exist"


def test_the_modules_that_carry_correctness_are_all_targets() -> None:
    mutated = {
        path.relative_to(REPO).as_posix() for t in load_targets().values() for p in t.mutate for path in REPO.glob(p)
    }
    for module in (
        "check/links",
        "content/slugs",
        "model/schedule",
        "content/yamlsource",
        "content/load",
        "content/validation",
        "model/site_model",
        "incremental/deps",
        "pipeline/rebuild",
        "incremental/state",
    ):
        assert f"site_builder/{module}.py" in mutated, module
    assert {p.relative_to(REPO).as_posix() for p in (REPO / "site_builder/compute/formulas").glob("*.py")} <= mutated


def test_equivalent_mutants_name_a_mutated_module_the_change_and_a_reason() -> None:
    mutated = {p.removesuffix(".py").replace("/", ".") for t in load_targets().values() for p in t.mutate}
    for equivalent in load_equivalents():
        module = equivalent.function.rpartition(".")[0]
        assert module in mutated or any(m.endswith("*") and module.startswith(m[:-1]) for m in mutated), module
        assert equivalent.removed or equivalent.added
        assert equivalent.reason and "\n" not in equivalent.reason


def test_a_survivor_is_equivalent_only_with_the_same_function_and_lines() -> None:
    diff = "--- a.py\n+++ a.py\n@@ -1,3 +1,3 @@\n def f():\n-    return x <= 1\n+    return x < 1\n"
    assert changed_lines(diff) == (("return x <= 1",), ("return x < 1",))
    [equivalent] = [e for e in load_equivalents() if e.function.endswith("x_agrees")]
    assert not is_equivalent("site_builder.compute.formulas.check.x_agrees__mutmut_3", diff, [equivalent])
    same = f"--- a\n+++ a\n-    {equivalent.removed[0]}\n+    {equivalent.added[0]}\n"
    assert is_equivalent("site_builder.compute.formulas.check.x_agrees__mutmut_24", same, [equivalent])
    assert not is_equivalent("site_builder.compute.formulas.check.x_bind__mutmut_24", same, [equivalent])


def test_each_target_gets_its_own_mutmut_table() -> None:
    target = load_targets()["slugs"]
    table = mutmut_table(target, {"also_copy": ["content"], "timeout_multiplier": 10.0, "timeout_constant": 5.0})
    assert 'only_mutate = ["site_builder/content/slugs.py"]' in table
    assert 'pytest_add_cli_args_test_selection = ["tests/unit/content/test_slugs.py"]' in table
    assert CONFIG.name == "mutation.toml"

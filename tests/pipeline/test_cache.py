"""The build cache: unchanged computations are reused exactly, changed ones rerun and say why.

Most tests start without a cache, so their first build runs every computation and draws every plot, and most
build several times: the fast lane runs the first test, the whole suite all of them (the cache on its own is
tests/unit/incremental/test_cache.py's). Tests of what becomes of a filled cache start from the session's.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from site_builder.compute.computer import compute_all
from site_builder.content.load import load_content
from site_builder.incremental import cache as cache_module
from site_builder.incremental.cache import Cache

from ..conftest import copy_project, run_cli

BUILD = ("--date", "2026-11-26", "--explain")
PERPLEXITY = [
    "topics/perplexity: example sentence (perplexity.perplexity_steps)",
    "topics/perplexity: formula cross-entropy (perplexity.perplexity_steps)",
    "topics/perplexity: formula perplexity (perplexity.perplexity_steps)",
    "topics/perplexity: formula perplexity-nats (perplexity.perplexity_steps)",
]
PP_PLOT = "topics/perplexity: plot pp-vs-ce (figures.perplexity_vs_cross_entropy)"
BATCH_NORM = [
    "problems/batch-norm-forward: example minibatch (batchnorm.batch_norm_steps)",
    *(
        f"problems/batch-norm-forward: formula {f} (batchnorm.batch_norm_steps)"
        for f in ("batch-mean", "batch-variance", "output", "running-mean", "running-var")
    ),
]
BN_PLOT = "problems/batch-norm-forward: plot distributions (figures.batch_norm_distributions)"
BN_SOLUTION = "problems/batch-norm-forward: solution (batchnorm.batch_norm_forward)"
ALL = [*PERPLEXITY, PP_PLOT, *BATCH_NORM, BN_PLOT, BN_SOLUTION]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the bundled project with no build cache yet."""
    return copy_project(tmp_path / "project", warm_cache=False)


@pytest.fixture
def warm_project(tmp_path: Path) -> Path:
    """A copy of the bundled project with the session's build cache (for tests about what happens to a filled one)."""
    return copy_project(tmp_path / "project")


def _explain(project: Path, *extra: str) -> dict[str, str]:
    """computation -> 'ran, why' or 'reused, why', for the bundled entries (other content may add more)."""
    result = run_cli("--root", project, *BUILD, *extra)
    assert result.exit_code == 0, result.stderr
    lines = dict(line.rsplit("): ", 1) for line in result.stdout.splitlines())
    return {f"{name})": how for name, how in lines.items() if f"{name})" in ALL}


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_a_second_build_reuses_everything_and_edits_rerun_only_what_depends_on_them(project: Path) -> None:
    assert _explain(project) == dict.fromkeys(ALL, "ran, not computed before")
    assert _explain(project) == dict.fromkeys(ALL, "reused, unchanged")

    _append(project / "computed/figures.py", "\n# a comment changes the source\n")
    assert _explain(project) == {
        **dict.fromkeys(ALL, "reused, unchanged"),
        PP_PLOT: "ran, source of computed/figures.py changed",
        BN_PLOT: "ran, source of computed/figures.py changed",
    }

    # figures.py imports batchnorm.py, so its plots depend on it too; perplexity's results do not.
    _append(project / "computed/batchnorm.py", "\n# a comment changes the source\n")
    changed = "ran, source of computed/batchnorm.py changed"
    assert _explain(project) == {
        **dict.fromkeys([*PERPLEXITY], "reused, unchanged"),
        **dict.fromkeys([*BATCH_NORM, BN_SOLUTION, PP_PLOT, BN_PLOT], changed),
    }

    topic = project / "content/topics/perplexity.yaml"
    topic.write_text(topic.read_text().replace("vocab_size: 16", "vocab_size: 32"))
    assert _explain(project)[PP_PLOT] == "ran, inputs changed"
    topic.write_text(topic.read_text().replace(r"\log_2 p(x_i)'", r"\log_2 p(x_i)\,'", 1))
    explained = _explain(project)
    assert explained[PERPLEXITY[1]] == "ran, formula changed"
    assert explained[PERPLEXITY[2]] == "reused, unchanged"


@pytest.mark.slow  # builds several times (see the module's docstring)
def test_a_library_upgrade_reruns_what_used_it(warm_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = warm_project  # the session's cache: made with the real versions
    assert set(_explain(project).values()) == {"reused, unchanged"}
    real = metadata.version
    monkeypatch.setattr(cache_module.metadata, "version", lambda name: "99.0" if name == "matplotlib" else real(name))
    cache_module._version.cache_clear()  # versions are read once per process: forget the real ones
    try:
        explained = _explain(project)
    finally:
        cache_module._version.cache_clear()  # and forget the fake one
    upgraded = f"ran, matplotlib {real('matplotlib')} -> 99.0"
    assert explained[PP_PLOT] == upgraded and explained[BN_PLOT] == upgraded
    assert explained[PERPLEXITY[0]] == "reused, unchanged" and explained[PERPLEXITY[1]] == "reused, unchanged"


def _results_text(project: Path) -> str:
    results = compute_all(project, load_content(project), Cache.at(project))
    # repr shows every float exactly and tells 4 from 4.0; the dict order is the table order.
    return repr(sorted(results.results.items()))


@pytest.mark.slow  # builds from a cold cache (see the module's docstring)
def test_cached_results_are_exactly_the_computed_ones(project: Path) -> None:
    assert _results_text(project) == _results_text(project)
    assert run_cli("--root", project, "--date", "2026-11-26").exit_code == 0  # and a fresh build agrees
    fresh = compute_all(project, load_content(project), None)
    assert repr(sorted(fresh.results.items())) == _results_text(project)


@pytest.mark.slow  # builds from a cold cache (see the module's docstring)
def test_a_failing_computation_does_not_poison_the_cache(warm_project: Path) -> None:
    project = warm_project
    slot = project / ".build-cache/v1/topics/perplexity/example-sentence.json"
    formula_slot = project / ".build-cache/v1/topics/perplexity/formula-perplexity.json"
    before = slot.read_bytes(), formula_slot.read_bytes()

    module = project / "computed/perplexity.py"
    good = module.read_text()
    module.write_text(
        good.replace("    log2_p = np.log2(p)\n", "    log2_p = np.log2(p)\n    raise ZeroDivisionError('oops')\n")
    )
    line = module.read_text().splitlines().index("    raise ZeroDivisionError('oops')") + 1
    result = run_cli("--root", project, "--date", "2026-11-26")
    assert result.exit_code == 2
    example = (project / "content/topics/perplexity.yaml").read_text().splitlines().index("  - id: sentence") + 1
    assert (
        f"content/topics/perplexity.yaml:{example}:5: examples[0]: perplexity.perplexity_steps raised "
        f"ZeroDivisionError: oops at computed/perplexity.py:{line}"
    ) in result.stderr
    assert (slot.read_bytes(), formula_slot.read_bytes()) == before

    topic = project / "content/topics/perplexity.yaml"
    formula = topic.read_text()
    module.write_text(good)
    topic.write_text(
        formula.replace(r"2^{-\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)}", r"2^{-\frac{1}{N}\sum_{i=1}^{N} p(x_i)}")
    )
    assert run_cli("--root", project, "--date", "2026-11-26").exit_code == 2
    assert formula_slot.read_bytes() == before[1], "a formula that failed is not recorded"

    topic.write_text(formula)
    explained = _explain(project)
    assert explained[PERPLEXITY[0]] == "reused, unchanged"
    assert explained[PERPLEXITY[2]] == "reused, unchanged"


@pytest.mark.slow  # builds from a cold cache (see the module's docstring)
def test_no_cache_neither_reads_nor_writes(project: Path) -> None:
    assert _explain(project, "--no-cache") == dict.fromkeys(ALL, "ran, the cache is off (--no-cache)")
    assert not (project / ".build-cache").exists()


@pytest.mark.slow  # builds from a cold cache (see the module's docstring)
def test_damaged_entries_are_recomputed(warm_project: Path) -> None:
    project = warm_project
    (project / ".build-cache/v1/topics/perplexity/example-sentence.json").write_text("{not json")
    (project / ".build-cache/v1/topics/perplexity/plot-pp-vs-ce.svg").write_text("<svg/>")
    explained = _explain(project)
    assert explained[PERPLEXITY[0]] == "ran, the cache entry is unreadable (JSONDecodeError)"
    assert explained[PP_PLOT] == "ran, the cached .svg file does not match its record"
    assert _explain(project)[PP_PLOT] == "reused, unchanged"


@pytest.mark.slow  # builds from a cold cache (see the module's docstring)
def test_slots_nothing_uses_any_more_are_removed(warm_project: Path) -> None:
    project = warm_project
    plot = project / ".build-cache/v1/topics/perplexity/plot-pp-vs-ce"
    assert all(plot.with_suffix(s).is_file() for s in (".json", ".svg", ".png"))
    topic = project / "content/topics/perplexity.yaml"
    text = topic.read_text()
    topic.write_text(text[: text.index("\nplots:")].replace("      ```{plot} pp-vs-ce\n      ```\n", "") + "\n")
    _explain(project)
    assert not any(plot.with_suffix(s).exists() for s in (".json", ".svg", ".png"))


@pytest.mark.slow  # builds from a cold cache (see the module's docstring)
def test_an_unwritable_cache_is_a_warning_not_a_failed_build(project: Path) -> None:
    (project / ".build-cache").write_text("not a folder")
    result = run_cli("--root", project, "--date", "2026-11-26")
    assert result.exit_code == 0, result.stderr
    assert f"cannot write the build cache in {project / '.build-cache' / 'v1'}" in result.stderr
    assert result.stderr.count("cannot write the build cache") == 1

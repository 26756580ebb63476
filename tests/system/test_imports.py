"""What a build in a process of its own imports: a fully cached build neither matplotlib nor sympy nor the
computations, a no-op rebuild none of the pipeline."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from site_builder.incremental import scan

from ..conftest import REPO, copy_project
from ..pipeline.test_cache import ALL

DATE = dt.date(2026, 11, 28)

_PROBE = textwrap.dedent(
    """
    import datetime, json, sys
    from pathlib import Path
    from site_builder.pipeline.build import build_site
    from site_builder.pipeline.options import BuildOptions
    report = build_site(Path(sys.argv[1]), Path(sys.argv[1]) / "output", BuildOptions(date=datetime.date(2026, 11, 26)))
    heavy = sorted({name.split(".")[0] for name in sys.modules} & {"matplotlib", "sympy", "antlr4", "torch"})
    computed = sorted(name for name in sys.modules if name.startswith("_computed_") and "." in name)
    ran = sum(c.ran for c in report.computations)
    print(json.dumps({"heavy": heavy, "computed": computed, "ran": ran, "total": len(report.computations)}))
    """
)


def _probe(project: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(project)], capture_output=True, text=True, check=True, cwd=project
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_a_fully_cached_build_imports_neither_matplotlib_nor_sympy_nor_the_computations(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project", warm_cache=False)
    cold = _probe(project)
    # The formula checker parses LaTeX itself: even a cold build needs neither sympy nor ANTLR.
    assert cold["heavy"] == ["matplotlib"] and cold["ran"] == cold["total"] >= len(ALL)
    for made in ("output", ".output.build-state"):  # a full build again, with every computation in the cache
        shutil.rmtree(project / made)
    warm = _probe(project)
    assert warm == {"heavy": [], "computed": [], "ran": 0, "total": cold["total"]}


def test_a_no_op_rebuild_imports_none_of_the_pipeline(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "project")
    modules = tmp_path / "modules.json"
    script = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: json.dump(sorted(sys.modules), open({str(modules)!r}, 'w')))\n"
        "from site_builder.cli.launch import run\n"
        "run()\n"
    )
    command = [sys.executable, "-c", script, "--root", str(root), "--date", DATE.isoformat()]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    time.sleep(scan.RACY_NS / 1e9 + 0.2)  # a stamp does not trust stats of files written in the last two seconds
    subprocess.run(command, env=env, check=True, capture_output=True)
    result = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert "nothing to build" in result.stderr, result.stderr
    loaded = {name.split(".")[0] for name in json.loads(modules.read_text())}
    assert not loaded & {"pydantic", "jinja2", "markdown_it", "yaml", "numpy", "matplotlib", "sympy", "click"}

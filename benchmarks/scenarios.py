"""The scenarios of the benchmark, what each keeps from the runs before, and the issue's targets for them."""

from __future__ import annotations

OURS = (
    "cold",
    "warm-cache",
    "warm-full",
    "no-op",
    "edit-entry",
    "edit-template",
    "next-day",
    "daily-job",
    "serve-reload",
    "serve-template",
)
PEERS = ("pelican", "hugo")
# A round: build-site's scenarios in their order, the peers interleaved after the first two of them.
ROUND_ORDER = (OURS[0], PEERS[0], OURS[1], PEERS[1], *OURS[2:])
SCALE_ORDER = (
    "cold",
    "pelican",
    "warm-cache",
    "hugo",
    "no-op",
    "edit-entry",
    "next-day",
    "daily-job",
    "serve-reload",
)
SCALE_COLUMNS = (
    "cold",
    "warm-cache",
    "no-op",
    "edit-entry",
    "next-day",
    "daily-job",
    "serve-reload",
    "pelican",
    "hugo",
)
FLAT_WITHIN = 0.25
"""The scenarios of ``FLAT``: their times at every size of the scaling table within this fraction of each other."""
FLAT = ("edit-entry", "daily-job")
LABELS = {
    "cold": "build-site cold (no output, no cache)",
    "warm-cache": "build-site warm compute cache",
    "warm-full": "build-site warm full cache, no output",
    "no-op": "build-site no-op rebuild",
    "edit-entry": "build-site one entry edited",
    "edit-template": "build-site one template edited",
    "next-day": "build-site next day's issue added",
    "daily-job": "build-site daily job (kept state)",
    "serve-reload": "build-site serve: save -> page reloaded",
    "serve-template": "build-site serve: template edit reloaded",
    "pelican": "Pelican cold",
    "hugo": "Hugo cold",
}
HEAVY_MODULES = (
    "numpy",
    "matplotlib",
    "sympy",
    "pygments",
    "latex2mathml",
    "jinja2",
    "pydantic",
    "markdown_it",
    "yaml",
)
TARGETS = (
    # (description, scenario, compared with, limit): issue 26's targets at the main N (1000), on a 2-core machine.
    ("serve: save -> page reloaded ≤ 0.2 s", "serve-reload", None, 0.2),
    ("serve: a template edited -> page reloaded ≤ 1× Hugo cold", "serve-template", "hugo", 1.0),
    ("daily job from the kept state ≤ 1.0 s", "daily-job", None, 1.0),
    ("daily job ≥ 3× faster than Hugo cold (≤ 1/3)", "daily-job", "hugo", 1 / 3),
    ("full build, warm full cache ≤ 2× Hugo cold", "warm-full", "hugo", 2.0),
    ("full build, warm full cache ≤ 1/2 Pelican cold", "warm-full", "pelican", 1 / 2),
    ("one template edited ≤ 1.5× Hugo cold", "edit-template", "hugo", 1.5),
    ("cold build ≤ 2.5× Pelican cold", "cold", "pelican", 2.5),
    ("no-op rebuild ≤ 0.3 s", "no-op", None, 0.3),
)
SCALE_TARGETS = (
    # (description, scenario, N, limit in seconds): issue 26's targets at other sizes of the scaling table.
    ("serve: save -> page reloaded at N=3000 ≤ 0.25 s", "serve-reload", 3000, 0.25),
)
MEMORY_LIMITS_MB = {1000: 300, 3000: 500}
"""Issue 26: all processes together (PSS), warm builds and serve, at these sizes."""

# Runs ``build-site`` as its console script does and, at exit, records which heavy modules the build imported.
OURS_WRAPPER = """\
import atexit, json, os, sys
def _record():
    heavy = json.loads(os.environ["BENCH_HEAVY"])
    found = sorted({m.split(".")[0] for m in sys.modules} & set(heavy))
    with open(os.environ["BENCH_MODULES_FILE"], "w") as handle:
        json.dump(found, handle)
atexit.register(_record)
from site_builder.cli.launch import run
run()
"""

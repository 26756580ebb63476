"""The scenarios of the benchmark, what each keeps from the runs before, and the issue's targets for them."""

from __future__ import annotations

OURS = ("cold", "warm-cache", "warm-full", "no-op", "edit-entry", "edit-template", "next-day", "serve-reload")
PEERS = ("pelican", "hugo")
ROUND_ORDER = (
    "cold",
    "pelican",
    "warm-cache",
    "hugo",
    "warm-full",
    "no-op",
    "edit-entry",
    "edit-template",
    "next-day",
    "serve-reload",
)
SCALE_ORDER = ("cold", "pelican", "warm-cache", "hugo", "no-op", "edit-entry", "next-day")
SCALE_COLUMNS = ("cold", "warm-cache", "no-op", "edit-entry", "next-day", "pelican", "hugo")
FLAT_WITHIN = 0.25
"""One entry edited: the times at every size of the scaling table within this fraction of each other."""
LABELS = {
    "cold": "build-site cold (no output, no cache)",
    "warm-cache": "build-site warm compute cache",
    "warm-full": "build-site warm full cache, no output",
    "no-op": "build-site no-op rebuild",
    "edit-entry": "build-site one entry edited",
    "edit-template": "build-site one template edited",
    "next-day": "build-site next day's issue added",
    "serve-reload": "build-site serve: save -> page reloaded",
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
    # (description, scenario, compared with, limit): the targets for a 2-core machine.
    ("full build, warm compute cache ≤ 1/3 of Pelican cold", "warm-cache", "pelican", 1 / 3),
    ("full build, warm compute cache ≤ 2× Hugo cold", "warm-cache", "hugo", 2.0),
    ("full build, warm full cache ≤ 1× Hugo cold", "warm-full", "hugo", 1.0),
    ("no-op rebuild ≤ 0.3 s", "no-op", None, 0.3),
    ("one entry edited ≤ 0.4 s", "edit-entry", None, 0.4),
    ("next day's issue added ≤ 0.5 s", "next-day", None, 0.5),
    ("serve: save -> page reloaded ≤ 0.2 s", "serve-reload", None, 0.2),
)
PEAK_RSS_LIMIT_MB = 300

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

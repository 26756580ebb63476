"""Plots in a build of the bundled project: placed in HTML and Markdown, byte-identical when rebuilt, and a failing
plot function named with its entry."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from ..conftest import run_cli


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_plots_appear_in_html_and_markdown(built_site: Path) -> None:
    html = (built_site / "issues/2026-11-26/index.html").read_text()
    for entry, plot_id in (("topics/perplexity", "pp-vs-ce"), ("problems/batch-norm-forward", "distributions")):
        figure = html.split(f'<figure class="plot" id="plot-{plot_id}">', 1)[1].split("</figure>", 1)[0]
        img = re.search(r'<img src="([^"]+)" alt="([^"]+)" width="(\d+)" height="(\d+)">', figure)
        assert img, figure
        assert img.group(1) == f"/{entry}/{plot_id}.svg"
        svg, png = built_site / f"{entry}/{plot_id}.svg", built_site / f"{entry}/{plot_id}.png"
        assert svg.read_bytes().startswith(b"<?xml")
        assert _png_size(png.read_bytes()) == (int(img.group(3)) * 3 // 2, int(img.group(4)) * 3 // 2)
        assert "<figcaption>" in figure
    md = (built_site / "issues/2026-11-26/index.md").read_text()
    assert "](https://daily-gradient.example.org/topics/perplexity/pp-vs-ce.png)" in md
    assert "](https://daily-gradient.example.org/problems/batch-norm-forward/distributions.png)" in md
    assert "![Line chart of perplexity against cross-entropy" in md


def test_a_failing_plot_function_names_the_entry_and_function(project: Path) -> None:
    path = project / "computed/figures.py"
    source = path.read_text()
    path.write_text(
        source.replace("    ax = fig.add_subplot()\n", '    ax = fig.add_subplot()\n    raise KeyError("vocab")\n', 1)
    )
    line = path.read_text().splitlines().index('    raise KeyError("vocab")') + 1
    result = run_cli("--root", project, "--date", "2026-11-26")
    assert result.exit_code == 2
    yaml_line = (project / "content/topics/perplexity.yaml").read_text().splitlines().index("  - id: pp-vs-ce") + 1
    assert result.stderr.splitlines()[-2:] == [
        f"content/topics/perplexity.yaml:{yaml_line}:5: plots[0]: figures.perplexity_vs_cross_entropy raised "
        f"KeyError: 'vocab' at computed/figures.py:{line}",
        "1 problem found (compute).",
    ]

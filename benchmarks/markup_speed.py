"""How fast the Markdown layer is on an archive: every section parsed and rendered, single process.

    python -m benchmarks.generate DIR --n 1000
    python -m benchmarks.markup_speed DIR [--repeat 3]

Reads every section of ``DIR/content/*/*.yaml`` and times, in this process:

- parse + HTML: ``Section`` then ``to_html`` (MathML, highlighted code), as the web page;
- parse + Markdown: ``Section`` then ``to_markdown``, as ``index.md``;
- parse + HTML + Markdown: one ``Section`` rendered both ways, as a build does;
- text: ``to_text`` (Unicode math, link markers) of sections parsed but not yet rendered,
  then ``number_links`` over all of it, as the email's text part;
- text after HTML: ``to_text`` of sections already rendered to HTML (the parse of the
  placeholders' text is shared between the two);
- parse + text: ``Section`` then ``to_text``, section after section.

Directives and roles are answered by stand-ins (their cost belongs to the templates
and the computed results, not to Markdown). The caches a build starts without (MathML,
Unicode math, highlighting) are emptied before each run; each figure is the best of
``--repeat`` runs, as the machine is shared.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

if __package__ in (None, ""):  # run as a script: make ``site_builder`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_builder import markup
from site_builder.markup import code, latex, unicodemath
from site_builder.markup.reading import Math


def read_sections(root: Path) -> list[str]:
    """The body of every section of every entry, in file order."""
    bodies = []
    for path in sorted((root / "content").glob("*/*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        if isinstance(data, dict):
            bodies += [section["body"] for section in data.get("sections") or []]
    return bodies


def _directive(name: str, target: str) -> str:
    return f'<div class="{name}">{target}</div>\n'


def _role(name: str, content: str) -> str:
    return "1.0000"


def _clear_caches() -> None:
    latex._converted.cache_clear()
    unicodemath.latex_to_unicode.cache_clear()
    code.highlight.cache_clear()


def _html(bodies: Sequence[str]) -> None:
    for body in bodies:
        markup.to_html(markup.Section(body, allow_html=False), allow_html=False, directive=_directive, role=_role)


def _markdown(bodies: Sequence[str]) -> None:
    for body in bodies:
        markup.to_markdown(markup.Section(body, allow_html=False), directive=_directive, role=_role)


def _both(bodies: Sequence[str]) -> None:
    for body in bodies:
        section = markup.Section(body, allow_html=False)
        markup.to_html(section, allow_html=False, directive=_directive, role=_role)
        markup.to_markdown(section, directive=_directive, role=_role)


def _text_directive(name: str, target: str) -> str:
    return f"    [{name} {target}]"


def _text_of(sections: Sequence[markup.Section]) -> None:
    parts = [markup.to_text(section, directive=_text_directive, role=_role) for section in sections]
    markup.number_links("\n".join(parts))


def _parse_and_text(bodies: Sequence[str]) -> None:
    parts = [
        markup.to_text(markup.Section(body, allow_html=False), directive=_text_directive, role=_role) for body in bodies
    ]
    markup.number_links("\n".join(parts))


def _best(run: Callable[..., object], repeat: int, prepare: Callable[[], object] | None = None) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of the run with the least CPU time.

    What exists before the run (the sections' text, what ``prepare`` made) is frozen out of
    the garbage collector's way, as a build freezes the content it loaded.
    """
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        arguments = (prepare(),) if prepare else ()
        _clear_caches()
        gc.collect()
        gc.freeze()
        wall, cpu = time.perf_counter(), time.process_time()
        run(*arguments)
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu), key=lambda pair: pair[1])
        gc.unfreeze()
    return best


def measure(bodies: Sequence[str], repeat: int) -> dict[str, tuple[float, float]]:
    """(wall-clock, CPU) seconds for each step, best of ``repeat``."""

    def parsed() -> list[markup.Section]:
        return [markup.Section(body, allow_html=False) for body in bodies]

    def rendered() -> list[markup.Section]:
        sections = parsed()
        for section in sections:
            markup.to_html(section, allow_html=False, directive=_directive, role=_role)
        return sections

    return {
        "parse + HTML": _best(lambda: _html(bodies), repeat),
        "parse + Markdown": _best(lambda: _markdown(bodies), repeat),
        "parse + HTML + Markdown": _best(lambda: _both(bodies), repeat),
        "text (sections parsed)": _best(_text_of, repeat, parsed),
        "text (sections rendered to HTML)": _best(_text_of, repeat, rendered),
        "parse + text": _best(lambda: _parse_and_text(bodies), repeat),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="a project made by python -m benchmarks.generate")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step; the best is shown")
    args = parser.parse_args(argv)
    bodies = read_sections(args.root)
    size = sum(len(body.encode()) for body in bodies)
    sections = [markup.Section(body, allow_html=False) for body in bodies]
    formulas = [m.latex for section in sections for m in section.placeholders if isinstance(m, Math)]
    print(
        f"{len(bodies):,} sections, {size / 1e6:.1f} MB of Markdown, {len(formulas):,} formulas ({len(set(formulas))} distinct)"
    )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; CPU time is what the step costs one core")
    print(f"{'step':<34} {'wall':>7} {'CPU':>7}")
    for step, (wall, cpu) in measure(bodies, args.repeat).items():
        print(f"{step:<34} {wall:6.2f}s {cpu:6.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

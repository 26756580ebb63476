"""The commands that build a site: ``build``, ``check``, ``serve`` (a live preview) and ``editions``."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import click

from ..pipeline.build import build_site
from ..pipeline.options import BUILD, DATE, OUT, OUTPUT, PUBLISH, ROOT, BuildOptions, output_folder
from ..pipeline.project_check import check_project
from .common import EXIT_OK, common_options, option, options, reporting

log = logging.getLogger("site_builder")


@click.command()
@options(*BUILD)
@reporting
def build(
    root: Path,
    out: Path | None,
    date: dt.date | None,
    drafts: bool,
    future: bool,
    explain: bool,
    no_cache: bool,
) -> int:
    """Build ROOT into the output folder (atomically: on error the old output stays)."""
    out = output_folder(root, out)
    options = BuildOptions(date=date, drafts=drafts, future=future, cache=not no_cache, explain=explain)
    report = build_site(root, out, options)
    if explain:
        for computation in report.computations:
            click.echo(str(computation))
    log.info(
        "published %d issue%s as of %s: %d files in %s",
        report.issues,
        "" if report.issues == 1 else "s",
        report.as_of,
        report.files,
        out,
    )
    return EXIT_OK


@click.command()
@options(ROOT, *PUBLISH, *OUTPUT)
@reporting
def check(root: Path, date: dt.date | None, drafts: bool, future: bool) -> int:
    """Check ROOT as a build would, and every draft and future issue too, writing nothing.

    Reports every problem as PATH:LINE:COLUMN: FIELD: MESSAGE (HINT); exit status 2 if there is any.
    """
    options = BuildOptions(date=date, drafts=drafts, future=future)
    report = check_project(root, options)
    log.info(
        "no problems in %d issue%s (%d published as of %s), %d entries and %d pages",
        report.issues,
        "" if report.issues == 1 else "s",
        report.published,
        report.as_of,
        report.entries,
        report.pages,
    )
    if report.unused:
        log.info("not in any issue yet (checked on their own): %s", ", ".join(report.unused))
    return EXIT_OK


@click.command()
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@option(
    DATE, help="Preview as of this day (YYYY-MM-DD).  [default: today in the site's time zone, after its publish time]"
)
@click.option("--drafts/--no-drafts", default=True, show_default=True, help="Show drafts.")
@click.option("--future/--no-future", default=True, show_default=True, help="Show issues dated after the day.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a web browser.")
@reporting
def serve(
    root: Path, host: str, port: int, date: dt.date | None, drafts: bool, future: bool, open_browser: bool
) -> int:
    """Preview ROOT on a local web server, rebuilding and reloading the page on every save.

    The preview is built in memory: output/ is not touched. Entries no issue features yet have
    their pages too (at their usual address, marked "Not in any issue yet"), listed nowhere.
    """
    from ..serve.loop import serve_project  # imports watchfiles only when serving

    # Entries no issue features get their own pages, marked, so a new topic can be read as it is written.
    options = BuildOptions(date=date, drafts=drafts, future=future, unfeatured=True)
    serve_project(root, options, host=host, port=port, open_browser=open_browser)
    return EXIT_OK


@click.command()
@common_options
@option(DATE, required=True, help="The issue's day (YYYY-MM-DD); it must be published.")
@option(OUT, help="Folder to write the editions into.  [default: ROOT/editions]")
@reporting
def editions(root: Path, date: dt.date, out: Path | None) -> int:
    """Make the email and dev.to editions of one published issue, whatever the delivery window.

    A build makes them only for the issues of the delivery window (site.yaml delivery.window);
    this makes them for any published day, into their own folder (replaced as a whole).
    """
    from ..pipeline.build import make_editions
    from ..publish.publication import write_output

    out = out if out is not None else root / "editions"
    made = make_editions(root, date, BuildOptions())
    write_output(made.files, out)
    log.info("wrote the editions of %s: %d files in %s", date, len(made.files), out / made.issue.path)
    return EXIT_OK

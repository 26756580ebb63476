"""The ``build-site`` process: a plain rebuild with nothing to do answers at once, anything else runs the CLI.

``build-site [build]`` with any of ``--root DIR --out DIR --date D --drafts --future -q -v --debug``
(``options.NO_OP``; before or after ``build``) is first checked against the build state the last build left (``noop``), importing only
the standard library; if nothing changed, that is reported and the process ends
in milliseconds. Every other command line, and every build with something to do,
goes to ``cli.main`` unchanged.

When the command is done the process ends without tearing down its objects one
by one: after a build of a thousand issues that alone would take a third of a
second. Output is flushed and exit handlers run first.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from pathlib import Path

from ..pipeline.options import (
    DATE,
    DRAFTS,
    FUTURE,
    NO_OP,
    OUT,
    QUIET,
    ROOT,
    BuildOptions,
    options_key,
    output_folder,
    parse_date,
)


def plain_build(argv: list[str]) -> dict[str, str | bool] | None:
    """The options of a plain ``build-site [build]`` command line, or None for anything else.

    The options are those of ``options.NO_OP``, the table click reads too; they may come before
    ``build`` as well as after it, as the CLI takes them (``cli.main``).
    """
    by_flag = {flag: option for option in NO_OP for flag in option.flags}
    args = list(argv)
    found: dict[str, str | bool] = {}
    command = False
    while args:
        arg = args.pop(0)
        flag, equals, value = arg.partition("=")
        option = by_flag.get(flag)
        if arg == "build" and not command:
            command = True
        elif option is not None and not option.takes_value and not equals:
            found[option.name] = True
        elif option is not None and option.takes_value and (equals or args):
            found[option.name] = value if equals else args.pop(0)
        else:
            return None
    date = found.get(DATE.name)
    if date is not None:
        try:
            parse_date(str(date))
        except ValueError:
            return None  # click says what is wrong with it
    return found


def nothing_to_do(argv: list[str]) -> bool:
    """Report and return True if ``argv`` is a plain build whose output is already up to date.

    If it is not, the build that follows starts from the stats of the project's files the check took.
    """
    options = plain_build(argv)
    if options is None:
        return False
    from ..incremental.scan import Snapshot, hand_over
    from ..incremental.state import NAME, state_folder
    from ..pipeline.noop import up_to_date

    root = Path(str(options.get(ROOT.name, ".")))
    out = output_folder(root, Path(str(options[OUT.name])) if OUT.name in options else None)
    date = options.get(DATE.name)
    asked = BuildOptions(
        date=parse_date(str(date)) if date else None,
        drafts=bool(options.get(DRAFTS.name)),
        future=bool(options.get(FUTURE.name)),
    )
    key = options_key(root, out, asked)
    seen: list[Snapshot] = []
    stamp = up_to_date(root, out, key, state_folder(out) / NAME, seen)
    if stamp is None:
        if seen:  # the build that follows does not stat every file again
            hand_over(seen[0])
        return False
    if not options.get(QUIET.name):
        plural = "" if stamp["issues"] == 1 else "s"
        sys.stderr.write(
            f"nothing to build: content, templates and code are as the last build found them\n"
            f"published {stamp['issues']} issue{plural} as of {stamp['as_of']}: {stamp['files']} files in {out} (unchanged)\n"
        )
    return True


def run() -> None:
    """The console script."""
    status: object = 0
    try:
        if nothing_to_do(sys.argv[1:]):
            status = 0
        else:
            from .main import main

            main(prog_name="build-site")
    except SystemExit as exc:
        status = exc.code
    finish(status)


def finish(status: object) -> None:
    """End the process with ``status`` (as ``sys.exit`` takes it), skipping the teardown of every object."""
    if status is None:
        code = 0
    elif isinstance(status, int):
        code = status
    else:
        sys.stderr.write(f"{status}\n")
        code = 1
    logging.shutdown()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 1
    os._exit(code)

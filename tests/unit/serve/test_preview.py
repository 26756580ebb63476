"""The preview's record of a rebuild: a failure is known to the page before the terminal prints it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from site_builder.errors import ContentError, Problem
from site_builder.pipeline.options import BuildOptions
from site_builder.serve import preview as preview_module
from site_builder.serve.preview import Preview, Session


class _FailingSession:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def saw(self, paths: object) -> None:
        pass

    def build(self, defer: tuple[str, ...] = ()) -> tuple[dict[str, bytes], str]:
        raise self.error


class _SeenWhenLogged(logging.Handler):
    """Keeps, for every error line, what the page would have been told at that moment."""

    def __init__(self, preview: Preview) -> None:
        super().__init__(logging.ERROR)
        self.preview = preview
        self.seen: list[str | None] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(self.preview.snapshot.error)


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (
            ContentError(Problem("content/topics/a.yaml", 2, 8, "", "YAML syntax error")),
            "a.yaml:2:8: YAML syntax error",
        ),
        (RuntimeError("author code"), "internal error: RuntimeError: author code"),
    ],
    ids=["content error", "internal error"],
)
def test_the_error_reaches_the_page_before_the_terminal_line(error: Exception, shown: str) -> None:
    # A reader of the terminal (an author, or a test) may ask the page for the error as soon as the line shows.
    preview = Preview("test")
    handler = _SeenWhenLogged(preview)
    logger = logging.getLogger(preview_module.__name__)
    logger.addHandler(handler)
    try:
        assert not preview_module.rebuild(preview, None, None, _FailingSession(error))  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    assert handler.seen and all(seen == preview.snapshot.error for seen in handler.seen)
    assert shown in str(preview.snapshot.error)


def test_a_session_looks_at_the_files_saved_since_its_last_good_build(tmp_path: Path) -> None:
    session = Session(tmp_path, BuildOptions())
    session.saw({"content/topics/a.yaml"})
    assert session.pending is None  # the first build looks at every file
    session.pending = set()  # as a good build leaves it
    session.saw({"content/topics/a.yaml"})
    with pytest.raises(ContentError):
        session.build()  # an empty folder is no project
    session.saw({"templates/entry.html"})
    # The failed build recorded nothing: the next one looks at the save before it too.
    assert session.pending == {"content/topics/a.yaml", "templates/entry.html"}
    session.saw(None)
    assert session.pending is None

"""What every job of one build renders with: the model, the templates, each entry rendered once per format.

``Site`` is handed to every output's job (``site_jobs``); ``SiteFiles`` lets an edition look up a file of
the site (an image to attach) without reading the output folder.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..incremental.deps import Memo, note
from ..incremental.parts import Parts
from ..model.pages import IssuePage
from ..model.site_model import SiteModel
from ..render.entries import WEB, EntryRenderings, RenderedEntry
from ..render.templates import render_template
from ..render.theme import STATIC, find
from .devto import DEVTO_FORMAT
from .email.edition import FormulaImages, email_formats


@dataclass(frozen=True)
class IssueView:
    """An issue with its three parts rendered in one format."""

    page: IssuePage
    topic: RenderedEntry
    problem: RenderedEntry
    feature: RenderedEntry

    @property
    def parts(self) -> tuple[RenderedEntry, RenderedEntry, RenderedEntry]:
        return (self.topic, self.problem, self.feature)


class SiteFiles(Mapping[str, bytes]):
    """The files of the site an edition can look up (images to attach, a PNG beside an SVG), without reading output.

    A plot image comes from its entry's results, a static file from the project's
    ``templates/static`` or the theme's, a formula image from the formulas drawn for the
    email; each lookup notes what it read.
    """

    def __init__(self, root: Path, model: SiteModel, images: FormulaImages) -> None:
        self.root = root
        self.model = model
        self.images = images

    def _find(self, path: str) -> Callable[[], bytes] | None:
        if path in self.images.sources:
            return functools.partial(self.images.png, path)
        if path.startswith(STATIC):
            note(f"templates/{path}")
            found = find(self.root, path)
            return found.path.read_bytes if found is not None else None
        folder, _, rest = path.partition("/")
        entry_id, _, name = rest.partition("/")
        stem, _, extension = name.rpartition(".")
        page = self.model.entry_page(folder, entry_id)
        if page is None or extension not in ("svg", "png") or "/" in name:
            return None
        plot = page.results.plots.get(stem)
        return (lambda: getattr(plot, extension)) if plot is not None else None

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._find(path) is not None

    def __getitem__(self, path: str) -> bytes:
        found = self._find(path)
        if found is None:
            raise KeyError(path)
        return found()

    def __iter__(self) -> Iterator[str]:
        raise TypeError("the site's files are looked up, never listed: a listing would depend on every file")

    def __len__(self) -> int:
        raise TypeError("the site's files are looked up, never counted")


class Site:
    """What every job of one build renders with: the model, the templates, and each entry rendered once."""

    def __init__(
        self,
        root: Path,
        model: SiteModel,
        env: jinja2.Environment,
        images: FormulaImages,
        *,
        unsubscribe_url: str | None = None,
    ) -> None:
        self.root = root
        self.unsubscribe_url = unsubscribe_url
        """Replaces ``site.yaml``'s in the email editions (``send`` puts a placeholder there)."""
        self.model = model
        self.env = env
        self.images = images
        self.files = SiteFiles(root, model, images)
        self.entries = EntryRenderings(env, model, {"web": WEB, **email_formats(images), "devto": DEVTO_FORMAT})
        self.globals: dict[str, Any] = {"site": model.site, "urls": model.urls, "model": model}
        self.parts = Parts()
        """Parts of jobs kept from the last build (the plan gives them) and those made now."""
        self._memo = Memo()

    def forget(self) -> None:
        """Let go of what was rendered so far (a run of jobs is done: the next renders other issues)."""
        self._memo.clear()
        self.entries.forget()

    def render(self, template: str, **values: Any) -> str:
        """``template`` with the site's globals and ``values``."""
        return render_template(self.env, template, {**self.globals, **values})

    def view(self, issue: IssuePage, form: str) -> IssueView:
        """``issue`` with its parts in format ``form``."""
        return IssueView(issue, *(self.entries(part, form) for part in issue.parts))

    def issue_html(self, issue: IssuePage) -> Markup:
        """An issue's three parts as HTML, shared by its page, the home page and the feed."""
        return self._memo.get(
            ("issue", issue.date), lambda: Markup(self.render("_issue_content.html", issue=self.view(issue, "web")))
        )

"""Search without a server: Pagefind's index of the issues, in a few shards, each made by a job of the build.

**What is indexed.** The issue pages only: each holds the full text of its three parts, so every
published entry is found through the issues that feature it, and a result is a page a reader
came for. Formulas (MathML), code, tables and the table of contents are left out
(``EXCLUDED``): they are noise to a word search, and leaving them out halves the indexing time.
Pagefind is given a document per issue (``_search.html``: the issue's title and the HTML its
page shows, rendered once per process with the page), never the published file: a job reads
what it uses through the model, as every job does (``deps``).

**When.** A Pagefind index depends on every page in it, so it cannot be updated, only made again:
on the benchmark archive (1,000 issues of ~1,800 words) Pagefind takes 5 to 6 s, plus 4 s to render
the documents, where a rebuild after one edit takes 1 to 1.5 s. So the index is made in *shards*
that the search page merges in the browser (Pagefind's ``mergeIndex``: a merged shard costs the
reader two small requests, its entry and metadata, ~1 KB, and a query one index chunk per shard,
the same postings split up): one per quarter of the past years, one per month of the newest
issue's year. An edit, or the day's new issue, makes again the shard of its month (at most 31
issues); an edit to an issue of a past year, its quarter's (about 92 issues); and the first issue
of a new year, once, last year's, as its months become quarters. Each issue's document is a
*part* of its shard's job (``parts``), kept between builds: a shard made again renders only the
documents of the issues that changed, and the rest is Pagefind's time (0.4 s for a quarter). The
1,000 issues make 17 shards; ten years would make at most 52. The newest shard sits in
``pagefind/`` with Pagefind's code; the others in ``pagefind/<shard>/``.

**As a job.** Each shard is a job named by its first file (``pagefind/2025-09/pagefind-entry.json``)
that renders its issues' documents and runs Pagefind on them in a temporary folder. What it read
(the issues' text and titles, the templates, and the ``neighbours:DATE`` facts of its issues,
which change exactly when an issue joins or leaves the shard) remakes it, and nothing else: no rule
of its own, no step after the render stage, and ``check`` and ``serve`` get the index in memory as
any other output. Pagefind's output is deterministic (the same documents give the same bytes, in
any folder, on every run; ``tests/test_search.py``), so an incremental build gives the clean
build's index byte for byte.
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OutputError, Problem
from ..incremental.cache import Cache, Key, digest, versions
from ..incremental.deps import note
from ..model.urls import issue_path
from ..render.jobs import Job, Pending
from .site import Site

if TYPE_CHECKING:
    from ..model.site_model import SiteModel

SEARCH_PAGE = "search/index.html"
BUNDLE = "pagefind/"
"""Where the index goes: the newest shard and Pagefind's code here, the other shards in folders under it."""
SEARCH_SLOTS = "search"
"""The cache's folder of Pagefind bundles, one slot per shard (see ``cached_index``)."""
ENTRY = "pagefind-entry.json"
"""The first file of every shard: its job's name is ``BUNDLE[<shard>/]ENTRY``."""
DOCUMENT_TEMPLATE = "_search.html"
EXCLUDED = ("math", "pre", "table", "nav", ".verified")
"""What Pagefind leaves out of the documents: formulas, code, tables, the table of contents, and the
"verified against computed/x.py" captions (the same words under every formula)."""
CODE = ("pagefind.js", "pagefind-worker.js", "pagefind-ui.js", "pagefind-ui.css")
"""Pagefind's code that the search page loads (with the ``wasm.*.pagefind`` files), kept with the newest shard."""
INDEX_FILES = (ENTRY, "pagefind.", "index/", "fragment/", "filter/")
"""Files (by prefix) of a shard's index proper: a merged shard needs nothing else."""


def shard_of(date: dt.date, newest_year: int) -> str:
    """The shard of an issue: its quarter (``2024-q3``) before the newest issue's year, its month (``2025-09``) in it."""
    return f"{date.year}-q{(date.month + 2) // 3}" if date.year < newest_year else f"{date:%Y-%m}"


def shards(dates: Iterable[dt.date]) -> dict[str, list[dt.date]]:
    """Shard -> its issues' dates, newest shard first, from the published dates (oldest first): no page is made."""
    ordered = sorted(dates, reverse=True)
    found: dict[str, list[dt.date]] = {}
    for date in ordered:
        found.setdefault(shard_of(date, ordered[0].year), []).append(date)
    return found


def shard_folder(shard: str, newest: str) -> str:
    """The newest shard is the bundle Pagefind's code is loaded from; the others sit in folders of their own."""
    return BUNDLE if shard == newest else f"{BUNDLE}{shard}/"


def job_names(model: SiteModel) -> dict[dt.date, str]:
    """The date of the oldest issue of each shard -> the shard's job name (listed right after that issue's jobs)."""
    found = shards(model.dates)
    newest = next(iter(found), "")
    return {dates[-1]: shard_folder(shard, newest) + ENTRY for shard, dates in found.items()}


@dataclass(frozen=True)
class SearchBundles:
    """What the search page loads: the bundle with Pagefind's code and the newest shard, and the shards it merges."""

    primary: str
    merged: tuple[str, ...]


def search_bundles(model: SiteModel) -> SearchBundles | None:
    """The bundles of the site's index, or None when no issue is published (nothing to search)."""
    note("issues")  # the shards follow from every published date
    found = shards(model.dates)
    if not found:
        return None
    newest = next(iter(found))
    return SearchBundles(BUNDLE, tuple(shard_folder(shard, newest) for shard in found if shard != newest))


def shard_job(site: Site, name: str) -> Job | None:
    """The job of the shard named ``name`` (``pagefind/pagefind-entry.json`` is the newest), if the site has it."""

    folder = name.removesuffix(ENTRY)
    found = shards(site.model.dates)
    newest = next(iter(found), "")
    shard = next((s for s in found if shard_folder(s, newest) == folder), None)
    if shard is None or not name.endswith(ENTRY):
        return None

    def document(date: dt.date) -> str:
        issue = site.model.by_date[date]
        return site.render(DOCUMENT_TEMPLATE, issue=site.view(issue, "web"), content=site.issue_html(issue))

    def make() -> dict[str, bytes]:
        documents = {}
        for date in found[shard]:
            note(f"neighbours:{date.isoformat()}")  # changes exactly when an issue joins or leaves the shard
            # Each document is kept between builds: an edit renders again only the documents it changed.
            html = site.parts.get(name, date.isoformat(), lambda date=date: document(date))
            documents[f"{issue_path(date)}index.html"] = html
        bundle = cached_index(documents, folder, site.images.cache)
        return bundle.then(files) if isinstance(bundle, Pending) else files(bundle)

    def files(bundle: dict[str, bytes]) -> dict[str, bytes]:
        keep = [name for name in bundle if name.startswith(INDEX_FILES)]
        if folder == BUNDLE:
            keep += [name for name in bundle if name in CODE or name.startswith("wasm.")]
        return {f"{folder}{name}": bundle[name] for name in sorted(keep)}

    return Job(name, make, parts=site.parts, early=True)


def cached_index(documents: Mapping[str, str], folder: str, cache: Cache) -> dict[str, bytes] | Pending:
    """``pagefind_index`` of ``documents``, from ``cache`` when the shard in ``folder`` had these very documents.

    Pagefind is the slowest part of a full build (5 to 6 s for 1,000 issues) and its output follows
    from the documents alone, so a build with the cache of the last one (a CI job restoring
    ``.build-cache``) indexes only the shards whose issues changed.
    """
    key = Key(
        {
            "documents": digest(marshal.dumps(sorted(documents.items()))),
            "excluded": list(EXCLUDED),
            "versions": versions("pagefind-bin"),
        }
    )
    slot = f"{SEARCH_SLOTS}/{folder.strip('/').replace('/', '-')}"
    hit, _ = cache.lookup(slot, key, files=("bundle",))
    if hit is not None:
        return marshal.loads(hit.files["bundle"])

    def store(bundle: dict[str, bytes]) -> dict[str, bytes]:
        cache.store(slot, key, {}, {"bundle": marshal.dumps(bundle)})
        return bundle

    return start_pagefind(documents).then(store)


def pagefind_index(documents: Mapping[str, str]) -> dict[str, bytes]:
    """Pagefind's bundle for ``documents`` (site path -> HTML): its files by path inside the bundle."""
    return start_pagefind(documents).result()


def start_pagefind(documents: Mapping[str, str]) -> Pending:
    """Pagefind started on ``documents``: its bundle once it is done.

    Pagefind runs in a temporary folder of its own, as its working folder too, with none of the
    ``PAGEFIND_*`` settings of the environment: nothing but these documents and ``EXCLUDED``
    decides what it makes.
    """
    from pagefind_bin import get_executable

    folder = Path(tempfile.mkdtemp(prefix="build-site-search-"))
    try:
        for path, html in documents.items():
            target = folder / "site" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
        (folder / "pagefind.json").write_text(json.dumps({"exclude_selectors": list(EXCLUDED)}), encoding="utf-8")
        environment = {key: value for key, value in os.environ.items() if not key.startswith("PAGEFIND")}
        command = [str(get_executable()), "--site", "site", "--output-path", "bundle", "--silent"]
        process = subprocess.Popen(
            command, cwd=folder, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise _pagefind_failed(str(exc)) from exc

    def wait() -> dict[str, bytes]:
        try:
            _, said = process.communicate()
            if process.returncode != 0:
                raise _pagefind_failed(said or f"exit status {process.returncode}")
            bundle = folder / "bundle"
            return {p.relative_to(bundle).as_posix(): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return Pending(wait)


def _pagefind_failed(said: str) -> OutputError:
    message = f"Pagefind could not index the issues: {said.strip()}"
    return OutputError(Problem(BUNDLE, message=message, hint="pip install --force-reinstall pagefind-bin"))

"""Which files under ``content/`` the loader reads, and a problem for every other one: none is skipped in silence.

The loader reads ``content/site.yaml`` and the ``.yaml`` files directly in the folder of
each kind of entry and of the issues. A file anywhere else under ``content/`` (a
subfolder, another extension, a misspelt folder) would be left out of the site without
a word, though its author wrote it to be published: it is a problem (exit status 2), as
a file that does not validate is. Only what editors and file managers leave beside the
files they edit (hidden files, backups, swap and lock files) is passed over.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections import Counter
from collections.abc import Iterable

from ..errors import Problem
from .kinds import ISSUES, KINDS, SITE_FILE

FOLDERS = (*(kind.folder for kind in KINDS), ISSUES)
"""The folders under ``content/`` the loader reads files from."""

# Hidden files and folders (.DS_Store, .#lock, .name.swp), backups (name~), Emacs's #name#,
# the file Vim writes to test a folder (4913) and JetBrains' safe-write copies: any part of a path.
_LEFT_BY_EDITORS = re.compile(r"(?:^|/)(?:\.|#[^/]*#(?:/|$)|4913(?:/|$))|(?:~|___jb_(?:tmp|old)___)(?:/|$)")


def left_by_editor(path: str) -> bool:
    """True if some part of ``path`` is what an editor or file manager leaves beside the files it edits."""
    return _LEFT_BY_EDITORS.search(path) is not None


@functools.cache  # a project's paths are few and stay: every build (every save in serve) asks again for each
def is_read(path: str) -> bool:
    """True if the loader reads ``path`` (a project path under ``content/``)."""
    folder, _, name = path.removeprefix("content/").partition("/")
    if path == SITE_FILE:
        return True
    return folder in FOLDERS and "/" not in name and name.endswith(".yaml") and not left_by_editor(path)


def unread_problems(paths: Iterable[str]) -> list[Problem]:
    """A problem for each file under ``content/`` in ``paths`` that the loader does not read; one per unknown folder."""
    problems = []
    unknown: Counter[str] = Counter()
    for path in sorted(paths):
        if not path.startswith("content/") or is_read(path) or left_by_editor(path):
            continue
        folder, _, name = path.removeprefix("content/").partition("/")
        if name and folder not in FOLDERS:
            unknown[folder] += 1
        elif "/" in name:
            message = f"not read: only the files directly in content/{folder}/ are"
            problems.append(Problem(path, message=message, hint=f"move it to content/{folder}/"))
        elif path.endswith(".yml"):
            problems.append(Problem(path, message="content files end in .yaml", hint="rename it"))
        elif name and not path.endswith(".yaml"):
            hint = "rename it to .yaml if it is content, else move it out of content/"
            problems.append(Problem(path, message="not read: content files end in .yaml", hint=hint))
        else:  # a file directly in content/
            problems.append(Problem(path, message=f"not read: {_LAYOUT}", hint="move it out of content/"))
    for folder, count in unknown.items():
        close = difflib.get_close_matches(folder, FOLDERS, n=1)
        hint = f"did you mean content/{close[0]}/?" if close else _LAYOUT
        files = f"{count} file{'s' if count > 1 else ''}"
        message = f"not read ({files}): build-site reads no folder content/{folder}/"
        problems.append(Problem(f"content/{folder}/", message=message, hint=hint))
    return problems


_LAYOUT = "content/ holds site.yaml and the folders " + ", ".join(f"{f}/" for f in FOLDERS)

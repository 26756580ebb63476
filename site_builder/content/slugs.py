"""Slugs: the one place where author-written names become url segments."""

from __future__ import annotations

import functools

from slugify import slugify

MAX_SLUG_LENGTH = 80


@functools.lru_cache(maxsize=4096)
def group_slug(name: str) -> str:
    """``CV: Deep Learning`` -> ``cv-deep-learning``.

    Only ASCII letters, digits and hyphens come out (other scripts are transliterated:
    ``Ünïcode`` -> ``unicode``), so a slug can never name another folder; it may be
    empty, which the loader reports.
    """
    return _slug(name)


def _slug(name: str) -> str:
    # Apart from the cache: mutation testing (``benchmarks.mutation``) skips decorated functions.
    return slugify(name, max_length=MAX_SLUG_LENGTH, word_boundary=True)

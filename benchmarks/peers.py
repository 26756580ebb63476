"""The generated archive as a Pelican project and as a Hugo project, with equivalent pages.

Each daily issue becomes one post holding the same text build-site shows on the
issue page (its three parts, with the worked test cases and solution code that
build-site generates from ``computed/``). Math stays as ``$...$`` text. Both peers
produce a page per post, tag and chapter (category) lists, an index, an archive
and one Atom feed of the ten newest posts with full content, as build-site does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from site_builder.render.theme import THEME

from .archive import Archive, GeneratedIssue

KIND_LABELS = {"topics": "Topic deep dive", "problems": "Problem of the day", "features": "Feature spotlight"}
SITE_TITLE = "The Daily Gradient"
TAGLINE = "One machine-learning topic, one problem and one feature every morning, with every number computed."
SITE_URL = "https://daily-gradient.example.org"


def issue_markdown(issue: GeneratedIssue) -> str:
    """The issue's text as plain Markdown: what build-site renders on the issue page."""
    out = [issue.intro]
    for entry in issue.parts:
        out.append(f"## {KIND_LABELS[entry.kind]}: {entry.title}")
        if entry.kind == "topics":
            out.append(f"*From the {entry.group} chapter.*")
        elif entry.kind == "problems":
            out.append(f"*Collection: {entry.group}*")
        out.append(entry.summary)
        for section in entry.sections:
            out += [f"### {section.heading}", section.peer_body]
        if entry.peer_appendix:
            out.append(entry.peer_appendix)
    return "\n\n".join(out) + "\n"


PELICAN_CONF = f'''\
"""Pelican settings for the synthetic Daily Gradient archive (benchmarks/peers.py)."""

AUTHOR = "The Daily Gradient editors"
SITENAME = "{SITE_TITLE}"
SITEURL = "{SITE_URL}"
RELATIVE_URLS = False
PATH = "content"
TIMEZONE = "Europe/Berlin"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%A, %d %B %Y"

# A page per issue at the same url as build-site's.
ARTICLE_URL = "issues/{{slug}}/"
ARTICLE_SAVE_AS = "issues/{{slug}}/index.html"
ARCHIVES_SAVE_AS = "archive/index.html"

# Like build-site: one index page, one archive, unpaginated tag and chapter lists.
DEFAULT_PAGINATION = False

# One Atom feed of the ten newest issues with full content, as build-site's feed.xml.
FEED_DOMAIN = SITEURL
FEED_ALL_ATOM = "feed.xml"
FEED_MAX_ITEMS = 10
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
RSS_FEED_SUMMARY_ONLY = False

# Cold builds: no content cache.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
'''


def write_pelican(archive: Archive, root: Path) -> None:
    """A Pelican project: ``pelicanconf.py`` and ``content/issues/DATE.md`` (Markdown via the markdown package)."""
    if root.exists():
        shutil.rmtree(root)
    posts = root / "content" / "issues"
    posts.mkdir(parents=True)
    (root / "pelicanconf.py").write_text(PELICAN_CONF, encoding="utf-8")
    for issue in archive.issues:
        date = issue.date.isoformat()
        meta = [
            f"Title: {issue.title}",
            f"Date: {date} 07:00",
            f"Category: {issue.topic.group}",
            f"Tags: {', '.join(issue.tags)}",
            f"Slug: {date}",
            f"Summary: {issue.intro}",
        ]
        (posts / f"{date}.md").write_text("\n".join(meta) + "\n\n" + issue_markdown(issue), encoding="utf-8")


HUGO_CONFIG = f"""\
# Hugo settings for the synthetic Daily Gradient archive (benchmarks/peers.py).
baseURL = "{SITE_URL}/"
languageCode = "en"
title = "{SITE_TITLE}"
timeZone = "Europe/Berlin"
# Large archives run past today: publish every generated issue, as build-site --date LAST_DATE does.
buildFuture = true
# Hugo's default RSS feeds are replaced by one Atom feed, as build-site has.
disableKinds = ["RSS"]

[params]
  tagline = "{TAGLINE}"

[permalinks]
  posts = "/issues/:slug/"

[taxonomies]
  tag = "tags"
  chapter = "chapters"
  collection = "collections"

[mediaTypes."application/atom+xml"]
  suffixes = ["xml"]

[outputFormats.Atom]
  mediaType = "application/atom+xml"
  baseName = "feed"
  isHTML = false

[outputs]
  home = ["HTML", "Atom"]
  section = ["HTML"]
  taxonomy = ["HTML"]
  term = ["HTML"]

[markup.goldmark.renderer]
  # The worked test-case tables use <br> between values, as build-site's do.
  unsafe = true
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """\
<!DOCTYPE html>
<html lang="{{ .Site.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ .Site.Title }}</title>
<meta name="description" content="{{ with .Description }}{{ . }}{{ else }}{{ .Site.Params.tagline }}{{ end }}">
<link rel="stylesheet" href="{{ "static/style.css" | relURL }}">
<link rel="alternate" type="application/atom+xml" title="{{ .Site.Title }}" href="{{ "feed.xml" | relURL }}">
</head>
<body>
<header class="site-header">
  <a class="site-title" href="{{ "/" | relURL }}">{{ .Site.Title }}</a>
  <nav aria-label="Site">
    <a href="{{ "/" | relURL }}">Latest</a>
    <a href="{{ "/posts/" | relURL }}">Archive</a>
    <a href="{{ "feed.xml" | relURL }}">Feed</a>
  </nav>
</header>
<main>
{{ block "main" . }}{{ end }}
</main>
<footer class="site-footer"><p>{{ .Site.Title }} · {{ .Site.Params.tagline }}</p></footer>
</body>
</html>
""",
    "_default/single.html": """\
{{ define "main" }}
<article class="issue">
  <p class="kicker"><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "Monday, 2 January 2006" }}</time></p>
  <h1>{{ .Title }}</h1>
  <p class="terms">
  {{ range .GetTerms "chapters" }}Chapter: <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}
  {{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">#{{ .LinkTitle }}</a> {{ end }}
  </p>
  {{ .Content }}
  <nav class="pager" aria-label="Issues">
    {{ with .NextInSection }}<a rel="prev" href="{{ .RelPermalink }}">← {{ .Date.Format "2006-01-02" }}</a>{{ end }}
    {{ with .PrevInSection }}<a rel="next" href="{{ .RelPermalink }}">{{ .Date.Format "2006-01-02" }} →</a>{{ end }}
  </nav>
</article>
{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}
<h1>Archive</h1>
{{ range .Pages.GroupByDate "January 2006" }}
<section>
  <h2>{{ .Key }}</h2>
  <ul class="issue-list">
  {{ range .Pages }}
    <li><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "Monday, 2 January 2006" }}</time> · <a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
  {{ end }}
  </ul>
</section>
{{ end }}
{{ end }}
""",
    "_default/taxonomy.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Data.Terms.Alphabetical }}
  <li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>
{{ end }}
</ul>
{{ end }}
""",
    "_default/term.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul class="entry-list">
{{ range .Pages }}
  <li><a href="{{ .RelPermalink }}">{{ .Title }}</a><br>{{ .Description }}</li>
{{ end }}
</ul>
{{ end }}
""",
    "index.html": """\
{{ define "main" }}
<p class="tagline">{{ .Site.Params.tagline }}</p>
{{ $posts := where .Site.RegularPages "Section" "posts" }}
{{ with index $posts 0 }}
<article class="issue">
  <p class="kicker">Latest issue · <time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "Monday, 2 January 2006" }}</time></p>
  <h1><a href="{{ .RelPermalink }}">{{ .Title }}</a></h1>
  {{ .Content }}
</article>
{{ end }}
<section class="recent">
  <h2>Recent issues</h2>
  <ul class="issue-list">
  {{ range first 9 (after 1 $posts) }}
    <li><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "Monday, 2 January 2006" }}</time> · <a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
  {{ end }}
  </ul>
  <p><a href="{{ "/posts/" | relURL }}">All issues in the archive</a></p>
</section>
{{ end }}
""",
    "index.atom.xml": """\
{{ printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
{{ $posts := first 10 (where .Site.RegularPages "Section" "posts") }}
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{{ .Site.LanguageCode }}">
  <id>{{ .Permalink }}</id>
  <title>{{ .Site.Title }}</title>
  <subtitle>{{ .Site.Params.tagline }}</subtitle>
  <link rel="self" type="application/atom+xml" href="{{ "feed.xml" | absURL }}"/>
  <link rel="alternate" type="text/html" href="{{ .Permalink }}"/>
  {{ with index $posts 0 }}<updated>{{ .Date.Format "2006-01-02T15:04:05-07:00" }}</updated>{{ end }}
  <author><name>The Daily Gradient editors</name></author>
{{ range $posts }}
  <entry>
    <id>{{ .Permalink }}</id>
    <title>{{ .Title }}</title>
    <link rel="alternate" type="text/html" href="{{ .Permalink }}"/>
    <published>{{ .Date.Format "2006-01-02T15:04:05-07:00" }}</published>
    <updated>{{ .Date.Format "2006-01-02T15:04:05-07:00" }}</updated>
    <summary>{{ .Description }}</summary>
{{ range .Params.tags }}    <category term="{{ . }}"/>
{{ end }}
    <content type="html">{{ .Content | html }}</content>
  </entry>
{{ end }}
</feed>
""",
}


def write_hugo(archive: Archive, root: Path) -> None:
    """A Hugo project: ``hugo.toml``, ``content/posts/DATE.md`` and a minimal hand-written ``layouts/``."""
    if root.exists():
        shutil.rmtree(root)
    posts = root / "content" / "posts"
    posts.mkdir(parents=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        path = root / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    static = root / "static" / "static"
    static.mkdir(parents=True)
    shutil.copyfile(THEME / "static" / "style.css", static / "style.css")
    for issue in archive.issues:
        date = issue.date.isoformat()
        front = [
            "---",
            f"title: {json.dumps(issue.title, ensure_ascii=False)}",
            f"date: {date}T07:00:00",
            f'slug: "{date}"',
            f"description: {json.dumps(issue.intro, ensure_ascii=False)}",
            f"tags: {json.dumps(list(issue.tags))}",
            f"chapters: {json.dumps([issue.topic.group], ensure_ascii=False)}",
            f"collections: {json.dumps([issue.problem.group], ensure_ascii=False)}",
            "---",
        ]
        (posts / f"{date}.md").write_text("\n".join(front) + "\n\n" + issue_markdown(issue), encoding="utf-8")

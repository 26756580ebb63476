"""``build-site serve`` on the bundled project: a save makes again only what it changed, and the preview serves what a
fresh build makes; a published site never carries the live-reload script."""

from __future__ import annotations

import socket
from pathlib import Path

from site_builder.serve.preview import Preview

from ..conftest import edit_file, run_cli

TOPIC = "content/topics/perplexity.yaml"
ISSUE_PATH = "issues/2026-11-26/"
MARKER = b"data-build-site-live-reload"


def test_published_output_never_has_the_live_reload_script(built_site: Path) -> None:
    files = [p for p in built_site.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        data = path.read_bytes()
        assert MARKER not in data and b"/_build-site/" not in data, path


def test_a_taken_port_is_a_clean_error(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--root", project, "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"127.0.0.1:{port}: cannot listen: Address already in use (another program uses it; pick another with --port, or --port 0 for any free one)",
        "1 problem found (server).",
    ]


def test_a_save_makes_again_only_what_it_changed_and_serves_what_a_fresh_build_makes(project: Path) -> None:
    # The preview keeps its site in memory between saves: a save costs what its change calls for,
    # not a build of the whole archive.
    import datetime as dt

    from site_builder.pipeline.build import make_site
    from site_builder.pipeline.options import BuildOptions
    from site_builder.serve.preview import Session

    options = BuildOptions(date=dt.date(2026, 11, 28))
    session = Session(project, options)
    files, _ = session.build()
    everything = set(session.rendered)
    assert len(everything) == len(files) > 100
    edit_file(project, TOPIC, "title: Perplexity", "title: Perplexity, explained")
    files, _ = session.build()
    remade = set(session.rendered)
    assert f"{ISSUE_PATH}index.html" in remade and "topics/perplexity/index.html" in remade
    assert "topics/softmax-temperature/index.html" not in remade and len(remade) < len(everything) / 4
    assert files == make_site(project, options).files


def test_a_save_reloads_the_pages_before_the_search_index_is_made_again(project: Path) -> None:
    # Pagefind is most of a save's time, and the page being written does not show the index: the pages
    # reload after a build that leaves the shards as they were, and a second build makes them at once,
    # without reloading the pages again.
    import datetime as dt

    from site_builder.pipeline.build import make_site
    from site_builder.pipeline.options import BuildOptions
    from site_builder.serve.preview import Session, rebuild

    options = BuildOptions(date=dt.date(2026, 11, 28))
    session = Session(project, options)
    preview = Preview("test")
    assert rebuild(preview, project, options, session)
    first = preview.snapshot
    shard = "pagefind/pagefind-entry.json"
    assert shard in first.files

    seen: list[tuple[str, bytes]] = []
    succeeded = preview.succeeded

    def watching(files: dict[str, bytes], base_path: str, *, reload: bool = True) -> None:
        succeeded(files, base_path, reload=reload)
        seen.append((preview.snapshot.build, files[shard]))

    preview.succeeded = watching  # type: ignore[method-assign]
    edit_file(project, TOPIC, "  - heading: The definition", "  - heading: The definitions")
    assert rebuild(preview, project, options, session)
    (reloaded, index_then), (after, index_after) = seen
    assert reloaded != first.build and after == reloaded, "the pages reload once, when the save shows"
    assert index_then == first.files[shard] and index_after != index_then, "the index is made again after the reload"
    assert preview.snapshot.files == make_site(project, options).files
    assert rebuild(preview, project, options, session) and preview.snapshot.build == reloaded  # nothing left to do

"""A list as CSV (imported, or kept by older versions): strict reading with ``file:line: message``."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.delivery.subscribers import SubscriberListError, read_subscribers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("address,name\nada@example.org,Ada\n", ["list.csv:1: the header row has no column status"]),
        (
            "address,name,status\nada@example.org,Ada,subscribed,extra\n\ngrace@example.org,subscribed\n",
            ["list.csv:2: 4 fields, but the header row has 3", "list.csv:4: 2 fields, but the header row has 3"],
        ),
        ("address,name,status\n,Nobody,subscribed\n", ["list.csv:2: no address"]),
        (
            "address,name,status\nada@,Ada,subscribed\nbob@exa mple.org,Bob,subscribed\n",
            [
                "list.csv:2: ada@: not a mail address: There must be something after the @-sign.",
                "list.csv:3: bob@exa mple.org: not a mail address: The part after the @-sign contains invalid characters: SPACE.",
            ],
        ),
        (
            "address,name,status\nada@example.org,Ada,Subscribed\n",
            ["list.csv:2: status 'Subscribed' is not one of subscribed, unsubscribed, bounced"],
        ),
        (
            "address,name,status\nada@example.org,Ada,subscribed\nADA@Example.org,Ada,unsubscribed\n",
            ["list.csv:3: ADA@Example.org is already on line 2"],
        ),
        (
            'address,name,status\nada@example.org,"Ada,subscribed\n',
            ["list.csv:2: is not valid CSV: unexpected end of data"],
        ),
        (b"address,name,status\nada@example.org,Ad\xe9,subscribed\n", ["list.csv:2: is not UTF-8 text"]),
    ],
)
def test_every_bad_row_is_named_by_file_and_line(tmp_path: Path, text: str | bytes, expected: list[str]) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(SubscriberListError) as error:
        read_subscribers(path, "list.csv")
    noun = "problem" if len(expected) == 1 else "problems"
    assert str(error.value) == "\n".join([*expected, f"{len(expected)} {noun} found (subscriber list)."])
    assert error.value.exit_code == 2


def test_a_list_written_by_a_spreadsheet_reads_with_its_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "subscribers.csv"
    path.write_bytes(
        '\ufeffstatus,address,since,name\r\nsubscribed,ada@example.org,2026-01-02,"Lovelace, Ada"\r\n\r\n'.encode()
    )
    (row,) = read_subscribers(path, "x").rows
    assert (row.address, row.name, row.status, row.extra) == (
        "ada@example.org",
        "Lovelace, Ada",
        "subscribed",
        (("since", "2026-01-02"),),
    )

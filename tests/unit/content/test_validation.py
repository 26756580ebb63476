"""What an author reads about invalid content, checked on small entries: each problem's place, field, words and hint."""

from __future__ import annotations

import textwrap
from typing import Any

import pydantic
import pytest

from site_builder.content.kinds import BY_FOLDER
from site_builder.content.schema import IssueEntry, Model, ProblemEntry, TopicEntry
from site_builder.content.sources import EntrySource, Loaded
from site_builder.content.validation import (
    _examples_hint,
    check_element_ids,
    check_entry,
    check_groups,
    dangling,
    validation_problems,
)
from site_builder.content.yamlsource import parse_yaml
from site_builder.errors import Problem

TOPIC = """\
id: entropy
title: Entropy
summary: How surprised we are.
chapter: Information
sections:
  - heading: Idea
    body: |
      Some text.
"""


def _problems(yaml: str, model: type[Model] = TopicEntry, path: str = "content/topics/entropy.yaml") -> list[str]:
    """The problems pydantic finds in ``yaml``, as the author reads them."""
    doc = parse_yaml(textwrap.dedent(yaml).encode(), path)
    try:
        model.model_validate(doc.data)
    except pydantic.ValidationError as exc:
        return [str(p) for p in validation_problems(exc, doc, model)]
    return []


def _loaded(yaml: str, model: type[Model] = TopicEntry, path: str = "content/topics/entropy.yaml") -> Loaded[Any]:
    doc = parse_yaml(textwrap.dedent(yaml).encode(), path)
    return Loaded(model.model_validate(doc.data), doc)


def test_a_valid_entry_has_no_problems() -> None:
    assert _problems(TOPIC) == []
    assert check_entry(_loaded(TOPIC)) == []


# --- pydantic's errors in the author's words ---------------------------------------------------


def test_a_misspelt_field_gets_the_close_name_and_the_missing_one_is_named() -> None:
    yaml = TOPIC.replace("chapter: Information", "chaptr: Information")
    assert sorted(_problems(yaml)) == [
        "content/topics/entropy.yaml:1:1: chapter: required field is missing",
        "content/topics/entropy.yaml:4:1: chaptr: unknown field (did you mean 'chapter'?)",
    ]


def test_an_unknown_field_with_no_close_name_lists_the_known_ones() -> None:
    known = "applications, call_to_action, chapter, chapter_connection, examples, formulas, id, plots, sections,"
    assert _problems(TOPIC + "zzz: 1\n") == [
        f"content/topics/entropy.yaml:9:1: zzz: unknown field (known fields: {known} summary, tags, title)"
    ]


def test_an_unknown_field_inside_a_list_item_is_checked_against_that_item() -> None:
    yaml = TOPIC.replace("- heading: Idea", "- heding: Idea")
    assert sorted(_problems(yaml)) == [
        "content/topics/entropy.yaml:6:5: sections[0].heading: required field is missing",
        "content/topics/entropy.yaml:6:5: sections[0].heding: unknown field (did you mean 'heading'?)",
    ]


def test_an_unknown_field_inside_an_optional_model_is_checked_against_that_model() -> None:
    yaml = TOPIC + "call_to_action:\n  text: Read on\n  link: /problems/x/\n"
    assert sorted(_problems(yaml)) == [
        "content/topics/entropy.yaml:10:3: call_to_action.url: required field is missing",
        "content/topics/entropy.yaml:11:3: call_to_action.link: unknown field (known fields: text, url)",
    ]
    yaml = TOPIC + "formulas:\n  - id: h\n    latex: H\n    verify:\n      exmple: a\n"
    assert "formulas[0].verify.exmple: unknown field (did you mean 'example'?)" in " ".join(_problems(yaml))


def test_ids_and_the_parts_an_issue_names_must_be_slugs() -> None:
    slug = "must be a lower-case slug (letters a-z, digits and single hyphens)"
    assert _problems(TOPIC.replace("id: entropy", "id: Entropy")) == [
        f"content/topics/entropy.yaml:1:5: id: {slug} (got 'Entropy')"
    ]
    issue = "date: 2026-11-26\ntopic: A b\nproblem: c_d\nfeature: E\n"
    assert _problems(issue, IssueEntry, "content/issues/2026-11-26.yaml") == [
        f"content/issues/2026-11-26.yaml:2:8: topic: {slug} (got 'A b')",
        f"content/issues/2026-11-26.yaml:3:10: problem: {slug} (got 'c_d')",
        f"content/issues/2026-11-26.yaml:4:10: feature: {slug} (got 'E')",
    ]


def test_a_line_or_a_link_that_breaks_its_pattern_is_explained() -> None:
    yaml = TOPIC.replace("title: Entropy", 'title: "Entropy\\nand more"')
    yaml += "call_to_action:\n  text: Read on\n  url: ftp://example.org/\n"
    assert _problems(yaml) == [
        "content/topics/entropy.yaml:2:8: title: must be a single line of text (no line breaks)"
        " (got 'Entropy\\nand more')",
        "content/topics/entropy.yaml:11:8: call_to_action.url: must be a site path like /problems/ID/"
        " or an http(s):// or mailto: URL (got 'ftp://example.org/')",
    ]


def test_a_tag_that_breaks_its_pattern_gets_pydantics_words() -> None:
    assert _problems(TOPIC + "tags: [Deep]\n") == [
        "content/topics/entropy.yaml:9:8: tags[0]: String should match pattern '^[a-z0-9]+$' (got 'Deep')"
    ]


PROBLEM = """\
id: sum
title: Sum
summary: Add them.
difficulty: Easy
collection: Basics
solution: sums.total
tests:
  - name: two
    inputs: {a: 1}
    expected: 1
sections:
  - heading: Task
    body: Add.
"""


def test_a_choice_gets_its_spelling_only_when_it_differs_in_case_or_spaces() -> None:
    def difficulty(value: str) -> list[str]:
        return _problems(PROBLEM.replace("difficulty: Easy", f"difficulty: {value}"), ProblemEntry, "p.yaml")

    choices = "Input should be 'Easy', 'Medium' or 'Hard'"
    assert difficulty("mEDIUM") == [f"p.yaml:4:13: difficulty: {choices} (got 'mEDIUM') (did you mean 'Medium'?)"]
    assert difficulty('" hard "') == [f"p.yaml:4:13: difficulty: {choices} (got ' hard ') (did you mean 'Hard'?)"]
    assert difficulty("Hardest") == [f"p.yaml:4:13: difficulty: {choices} (got 'Hardest')"]
    doc = parse_yaml(PROBLEM.replace("difficulty: Easy", "difficulty: Hardest").encode(), "p.yaml")
    with pytest.raises(pydantic.ValidationError) as info:
        ProblemEntry.model_validate(doc.data)
    assert [p.hint for p in validation_problems(info.value, doc, ProblemEntry)] == [""]


def test_a_long_value_is_cut_to_sixty_characters() -> None:
    def got(value: str) -> str:
        [problem] = _problems(PROBLEM.replace("difficulty: Easy", f"difficulty: {value}"), ProblemEntry, "p.yaml")
        return problem.rpartition(" (got ")[2][:-1]

    assert got("x" * 58) == "'" + "x" * 58 + "'"  # 60 characters with its quotes: whole
    assert got("x" * 59) == "'" + "x" * 56 + "..."  # 61: cut to 57, then the ellipsis


# --- checks within one entry ----------------------------------------------------------------------

FORMULAS = """\
formulas:
  - id: h
    latex: H
    verify:
      example: {example}
      output: h
      symbols: {{H: h}}
examples:
  - id: coin
    function: entropy.bits
    caption: A coin
    inputs: {{p: 0.5}}
  - id: coin
    function: entropy.bits
    caption: Again
    inputs: {{p: 0.5}}
plots:
  - id: curve
    function: entropy.curve
    caption: A curve
"""


def test_a_duplicate_id_and_a_verification_of_an_unknown_example_are_located() -> None:
    loaded = _loaded(TOPIC + FORMULAS.format(example="coins"))
    assert [str(p) for p in check_entry(loaded)] == [
        "content/topics/entropy.yaml:21:9: examples[1].id: duplicate id 'coin'",
        "content/topics/entropy.yaml:13:16: formulas[0].verify.example: 'coins' does not exist (did you mean 'coin'?)",
    ]
    [unknown] = check_entry(_loaded(TOPIC + FORMULAS.format(example="zzz")))[1:]
    assert (unknown.line, unknown.field, unknown.message) == (13, "formulas[0].verify.example", "'zzz' does not exist")
    assert unknown.hint == "the entry's examples are coin"  # an example is an item of the entry, not a file
    no_examples = TOPIC + FORMULAS.format(example="zzz").split("examples:")[0]
    [unknown] = [p for p in check_entry(_loaded(no_examples)) if p.field == "formulas[0].verify.example"]
    assert unknown.hint == "the entry has no examples: add one under examples"
    assert _examples_hint({"die", "coin"}) == "the entry's examples are coin, die"


BODY = """\
  - heading: Use
    body: |
      First line.
      ```{formula} h
      ```
      See {value}`coin.bits:.2f` and {value}`coins.bits:.2f`, {ref}`x`.
      ```{plot} curv
      ```
      ```{example} nothing-like-it
      ```
      ```{table} t
      ```
"""


def test_each_reference_in_a_body_is_checked_and_located_at_its_line_and_column() -> None:
    loaded = _loaded(TOPIC + BODY + FORMULAS.format(example="coin"))
    where = "content/topics/entropy.yaml"
    assert [str(p) for p in check_entry(loaded)][1:] == [
        f"{where}:14:38: sections[1].body: {{value}} refers to unknown example in 'coins.bits:.2f'",
        f"{where}:14:63: sections[1].body: unknown role {{ref}} (use {{value}}`EXAMPLE.OUTPUT:FORMAT`)",
        f"{where}:15:7: sections[1].body: {{plot}} 'curv' does not exist (did you mean 'curve'?)",
        f"{where}:17:7: sections[1].body: {{example}} 'nothing-like-it' does not exist (add it under examples)",
        f"{where}:19:7: sections[1].body: unknown directive {{table}} (use one of example, formula, plot)",
    ]


# --- checks across files -------------------------------------------------------------------------


def _topic(stem: str, chapter: str) -> EntrySource:
    yaml = TOPIC.replace("id: entropy", f"id: {stem}").replace("Information", chapter)
    loaded = _loaded(yaml, TopicEntry, f"content/topics/{stem}.yaml")
    kind = BY_FOLDER["topics"]
    return EntrySource(kind, (stem, "Entropy", chapter), loaded.doc.path, "", lambda: loaded)


def test_names_sharing_a_page_are_reported_on_the_less_common_spelling() -> None:
    # the most common spelling wins even where another comes first in the alphabet or in the files
    topics = [_topic("d", "Other"), _topic("a", "Info Theory"), _topic("b", "info theory"), _topic("c", "info theory")]
    assert [str(p) for p in check_groups(topics, BY_FOLDER["topics"])] == [
        "content/topics/a.yaml:4:10: chapter: 'Info Theory' and 'info theory' (content/topics/b.yaml:4:10)"
        " would share the page chapters/info-theory/ (write the name the same way in both)"
    ]


def test_on_a_tie_the_name_first_in_order_is_the_usual_one() -> None:
    topics = [_topic("a", "info theory"), _topic("b", "Info theory")]
    assert [p.path for p in check_groups(topics, BY_FOLDER["topics"])] == ["content/topics/a.yaml"]


def test_a_name_without_letters_or_digits_has_no_page() -> None:
    assert [str(p) for p in check_groups([_topic("a", "'?!'"), _topic("b", "ok")], BY_FOLDER["topics"])] == [
        "content/topics/a.yaml:4:10: chapter: \"'?!'\" has no letters or digits to make its page's url from"
    ]


def test_a_dangling_part_of_an_issue_suggests_the_close_file_or_names_the_missing_one() -> None:
    issue = _loaded("date: 2026-11-26\ntopic: entropi\nproblem: sum\nfeature: f\n", IssueEntry, "i.yaml")
    close = dangling(issue, ("topic",), "entropi", ["entropy", "sum"], "no content/topics/entropi.yaml")
    assert str(close) == "i.yaml:2:8: topic: 'entropi' does not exist (did you mean 'entropy'?)"
    missing = dangling(issue, ("topic",), "entropi", ["sum"], "no content/topics/entropi.yaml")
    assert str(missing) == "i.yaml:2:8: topic: 'entropi' does not exist (no content/topics/entropi.yaml)"


def test_parts_of_an_issue_with_one_element_id_are_reported_on_the_issue() -> None:
    issue = _loaded("date: 2026-11-26\ntopic: entropy\nproblem: sum\nfeature: f\n", IssueEntry, "i.yaml")
    plot = "plots:\n  - id: curve\n    function: entropy.curve\n    caption: A curve\n"
    topic = _loaded(TOPIC + "formulas:\n  - id: h\n    latex: H\n" + plot)
    problem = _loaded(PROBLEM + "formulas:\n  - id: h\n    latex: S\n", ProblemEntry, "content/problems/sum.yaml")
    assert [str(p) for p in check_element_ids(issue, [("topic", topic), ("problem", problem)])] == [
        "i.yaml:3:10: problem: problem 'sum' and topic 'entropy' both have a formula 'h':"
        " the issue page would hold two elements with id 'formula-h'"
        " (rename the formula in content/problems/sum.yaml and the directives that show it)"
    ]
    # a formula and an example of one name are different elements
    example = PROBLEM + "formulas:\n  - id: curve\n    latex: S\n"
    assert check_element_ids(issue, [("topic", topic), ("problem", _loaded(example, ProblemEntry))]) == []
    # One entry with an id twice is the entry's problem (``check_entry``), not one of the issue.
    twice = _loaded(TOPIC + "formulas:\n  - id: h\n    latex: H\n  - id: h\n    latex: G\n")
    assert check_element_ids(issue, [("topic", twice)]) == []
    assert len(check_element_ids(issue, [("topic", twice), ("problem", problem)])) == 1
    # ... and the formulas after the repeated one still count.
    g = _loaded(TOPIC + "formulas:\n  - id: h\n    latex: H\n  - id: h\n    latex: G\n  - id: g\n    latex: G\n")
    other = _loaded(PROBLEM + "formulas:\n  - id: g\n    latex: S\n", ProblemEntry, "content/problems/sum.yaml")
    clashes = [p.message for p in check_element_ids(issue, [("topic", g), ("problem", other)])]
    assert clashes == ["problem 'sum' and topic 'entropy' both have a formula 'g':" + clashes[0].split(":", 1)[1]]


def test_problem_strings_name_the_field() -> None:
    assert str(Problem("a.yaml", 2, 3, "id", "bad", "fix")) == "a.yaml:2:3: id: bad (fix)"


def test_a_problem_without_a_hint_has_an_empty_one() -> None:
    doc = parse_yaml((TOPIC + "tags: deep\n").encode(), "t.yaml")
    with pytest.raises(pydantic.ValidationError) as info:
        TopicEntry.model_validate(doc.data)
    message = "Input should be a valid list (got 'deep')"
    assert validation_problems(info.value, doc, TopicEntry) == [Problem("t.yaml", 9, 7, "tags", message, "")]

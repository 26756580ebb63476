"""What authors write: one validation model per content file type, each field documented once.

These models, with the site settings in ``settings.py``, are the authoring
reference: ``docs/authoring.md`` is generated from the field descriptions below,
so a field cannot exist without being documented. The value types shared by all
models (slug, line, link, ...) are declared here.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
FUNCTION_PATTERN = r"^[a-z_][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+$", max_length=30)]
FunctionRef = Annotated[str, StringConstraints(pattern=FUNCTION_PATTERN)]
# One line: no line break of any kind (YAML and JSON disagree on U+2028/U+2029, so they are refused too).
LINE_PATTERN = r"^[^\n\r\x85\u2028\u2029]*$"
Line = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=LINE_PATTERN)]
Markdown = Annotated[str, StringConstraints(min_length=1)]
# A few sentences of plain text; line breaks are spaces (YAML's `>` and `|` both read well).
Paragraph = Annotated[
    str, StringConstraints(min_length=1, max_length=1500), AfterValidator(lambda text: " ".join(text.split()))
]
# A site path may not start with "//" or "/\\": browsers read both as a link to another host.
LINK_PATTERN = r"^(https?://[^\s<>\"\\]+|mailto:[^\s<>\"\\]+|/([^/\s<>\"\\][^\s<>\"\\]*)?)$"
LinkTarget = Annotated[str, StringConstraints(pattern=LINK_PATTERN)]


class Model(BaseModel):
    """Base of every content model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, defer_build=True)


def check_finite(value: Any, where: str = "") -> Any:
    """Reject NaN and infinities anywhere inside nested lists and mappings."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where or 'value'} is {value}; numbers must be finite")
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_finite(item, f"{where}[{index}]")
    if isinstance(value, dict):
        for key, item in value.items():
            check_finite(item, f"{where}.{key}" if where else str(key))
    return value


Finite = Annotated[Any, AfterValidator(check_finite)]
"""Any YAML value whose numbers are all finite (no `.nan`, no `.inf`)."""


class Section(Model):
    """A headed part of an entry's text."""

    heading: Line = Field(description="Section heading, plain text.")
    body: Markdown = Field(
        description=(
            "The section's text in Markdown. `$...$` and `$$...$$` hold LaTeX math. "
            "A fenced block ```` ```{formula} ID ````, ```` ```{example} ID ```` or "
            "```` ```{plot} ID ```` places that formula, worked example or plot; "
            "`` {value}`EXAMPLE.OUTPUT:FORMAT` `` quotes a computed number, e.g. "
            "`` {value}`sentence.perplexity:.3f` ``."
        )
    )


class Verification(Model):
    """How a formula is checked against the reference implementation."""

    example: Slug = Field(
        description="Id of the worked example (in `examples`) whose computation the formula must match."
    )
    output: str = Field(
        description=(
            "Name of the computation's output that the right-hand side of the formula "
            "(after its single top-level `=` or `\\leftarrow`) equals."
        )
    )
    symbols: dict[str, str] = Field(
        description=(
            "Symbol name -> name of an input or output of the computation (an input wins when both exist). "
            "A symbol's name is its LaTeX without backslashes, braces and spaces: `N`, `mu_B` for `\\mu_B`, "
            "`hatmu` for `\\hat{\\mu}`. `NAME^2` binds a square as a unit (`sigma_B^2: variance`). "
            "A function-like symbol such as `p(x_i)` is bound by its name `p` to an array indexed by the sum's "
            "index. Every bound symbol must appear in the formula and every symbol in it must be bound."
        )
    )
    rtol: float = Field(
        default=1e-9,
        gt=0,
        lt=1,
        description="Relative tolerance of the comparison, relative to the largest magnitude of the expected output.",
    )
    trials: int = Field(
        default=20,
        ge=0,
        le=1000,
        description=(
            "How many seeded random inputs to check besides the worked example. They come from "
            "`sample_FUNCTION(rng)` next to the example's function if it exists, else from the example's "
            "inputs with each float scaled by a random factor in [0.5, 1.5]."
        ),
    )


class Formula(Model):
    """A displayed formula, written in LaTeX."""

    id: Slug = Field(description="Name used to place the formula with ```` ```{formula} ID ````.")
    latex: Markdown = Field(description="The formula in LaTeX, without surrounding `$$`.")
    label: Line | None = Field(default=None, description="Caption shown under the formula.")
    verify: Verification | None = Field(
        default=None, description="Check the formula against a reference implementation at build time."
    )


class Example(Model):
    """A worked example: a reference implementation run on inputs given here."""

    id: Slug = Field(description="Name used to place the example and to quote its outputs.")
    function: FunctionRef = Field(
        description="`module.function` in the project's `computed/` folder; it returns a mapping of named steps."
    )
    caption: Line = Field(description="Title of the worked-example table.")
    inputs: dict[str, Finite] = Field(description="Keyword arguments passed to the function (numbers, lists, text).")
    labels: dict[str, Line] = Field(
        default_factory=dict, description="Display label for an output name, e.g. `log2_p: log₂ p(xᵢ)`."
    )
    digits: int | None = Field(
        default=None,
        ge=0,
        le=12,
        description=(
            "Decimal places of every number in the table and in `{value}` quotes without a format. "
            "Absent: each number as written in the shortest form, rounded to 6 significant digits "
            "(`1.0` shows as `1`, `0.1 + 0.2` as `0.3`, `1/3` as `0.333333`, `1e-05` as `1e-5`)."
        ),
    )


class Plot(Model):
    """A figure drawn by a plotting function in `computed/`."""

    id: Slug = Field(description="Name used to place the plot with ```` ```{plot} ID ````.")
    function: FunctionRef = Field(
        description=(
            "`module.function` in `computed/`; called as `function(fig, **inputs)`, returns the alt text. It is "
            "called twice: on a figure 6.4 inches wide (desktop) and on one 3.6 inches wide (phone), so it can lay "
            "out less on the narrow one; the page shows the drawing that fits, in the reader's colour scheme."
        ),
    )
    caption: Line = Field(description="Caption shown under the figure.")
    inputs: dict[str, Finite] = Field(default_factory=dict, description="Keyword arguments passed to the function.")


class TestCase(Model):
    """A worked test case of a problem: inputs, and the expected output computed by the solution."""

    name: Line = Field(description="Short description of the case.")
    inputs: dict[str, Finite] = Field(description="Keyword arguments passed to the solution function.")
    expected: Finite = Field(
        default=None,
        description="Optional hand-written expected output; the build fails if the solution disagrees.",
    )


class CallToAction(Model):
    """A link inviting the reader to go further: explore the chapter, try the problem, use the feature."""

    text: Line = Field(description="Link text.")
    url: LinkTarget = Field(description="Site path (`/problems/ID/`, `/chapters/ID/`) or absolute http(s) URL.")


class Entry(Model):
    """Fields shared by topics, problems and feature spotlights."""

    id: Slug = Field(description="Lower-case slug; must equal the file name without `.yaml`.")
    title: Line = Field(description="Title, plain text.")
    summary: Line = Field(description="One sentence shown in lists, feeds and link previews.")
    tags: list[Tag] = Field(default_factory=list, max_length=4, description="Up to 4 lower-case alphanumeric tags.")
    sections: list[Section] = Field(min_length=1, description="The text, in order.")
    formulas: list[Formula] = Field(default_factory=list, description="Formulas the sections place by id.")
    examples: list[Example] = Field(default_factory=list, description="Worked examples the sections place by id.")
    plots: list[Plot] = Field(default_factory=list, description="Plots the sections place by id.")
    applications: list[Line] = Field(
        default_factory=list,
        max_length=8,
        description=(
            'Optional "Practical applications": where the idea is used in practice, one plain-text line per item, '
            "shown as a list after the sections."
        ),
    )
    call_to_action: CallToAction | None = Field(
        default=None,
        description=(
            "Optional closing link. Absent, a topic invites the reader to explore its chapter's page, "
            "and a problem to try it and check the result against its worked test cases."
        ),
    )


class TopicEntry(Entry):
    """A topic deep dive (`content/topics/ID.yaml`)."""

    chapter: Line = Field(
        description='Chapter of the study plan, e.g. "Evaluation & Benchmarks"; one index page per chapter.'
    )
    chapter_connection: Paragraph | None = Field(
        default=None,
        description=(
            "Optional plain text on how the topic fits its chapter, shown after the practical applications "
            'under "Connection to CHAPTER", with a link to the chapter page.'
        ),
    )


class ProblemEntry(Entry):
    """A problem of the day (`content/problems/ID.yaml`)."""

    difficulty: Literal["Easy", "Medium", "Hard"] = Field(description="Easy, Medium or Hard.")
    collection: Line = Field(description='Problem collection, e.g. "CV: Deep Learning"; one index page per collection.')
    solution: FunctionRef = Field(
        description="`module.function` in `computed/`: the reference implementation, shown as the solution."
    )
    tests: list[TestCase] = Field(
        min_length=1, description="Worked test cases, run through the solution at build time."
    )
    digits: int | None = Field(
        default=None,
        ge=0,
        le=12,
        description=(
            "Decimal places of the numbers in the worked test cases; absent: shortest form, "
            "rounded to 6 significant digits (as for examples)."
        ),
    )


class FeatureEntry(Entry):
    """A feature spotlight (`content/features/ID.yaml`)."""

    audience: list[Line] = Field(min_length=1, description="Who the feature is for, one group per item.")
    call_to_action: CallToAction = Field(description="Closing link (required for a feature spotlight).")


class IssueEntry(Model):
    """A daily issue (`content/issues/YYYY-MM-DD.yaml`): which entries go out that day."""

    date: dt.date = Field(description="Publication day, `YYYY-MM-DD`; must equal the file name.")
    topic: Slug = Field(description="Id of the topic deep dive.")
    problem: Slug = Field(description="Id of the problem of the day.")
    feature: Slug = Field(description="Id of the feature spotlight.")
    intro: Line | None = Field(default=None, description="Optional opening line.")
    tags: list[Tag] = Field(
        default_factory=list, max_length=4, description="Up to 4 tags for cross-posting; default: the entries' tags."
    )
    draft: bool = Field(default=False, description="A draft is not published (preview with `--drafts`).")

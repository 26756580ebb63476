"""Writes one generated entry at a time, from the vocabulary and a seeded random source: topics, problems, features."""

from __future__ import annotations

import inspect
import random
import re
from collections.abc import Sequence
from typing import Any

from slugify import slugify

from .archive import GeneratedEntry, Section, quote
from .computed_values import ComputedFunctions, number, outputs, plain, steps_table, yaml_value
from .vocabulary import (
    ANGLES,
    AUDIENCES,
    BATCHNORM_FORMULAS,
    CHAPTERS,
    COLLECTIONS,
    CONCEPTS,
    EFFECTS,
    FEATURE_ANGLES,
    FEATURES,
    INLINE_MATH,
    NUMPY_OPS,
    OBJECTS,
    OPENERS,
    PERPLEXITY_FORMULAS,
    PROBLEM_FORMS,
    QUALIFIERS,
    SETTINGS,
    SUBJECTS,
    TAGS,
    VERBS,
)

COMPUTE_EVERY = 50
"""One entry in this many has a worked example and displayed formulas computed by the bundled ``computed/``."""


def _block(text: str, indent: int) -> str:
    """A YAML literal block scalar body, indented."""
    pad = " " * indent
    return "".join(f"{pad}{line}\n" if line else "\n" for line in text.rstrip("\n").split("\n"))


class EntryWriter:
    """Seeded prose, code, tables and computations."""

    def __init__(self, rng: random.Random, computed: ComputedFunctions) -> None:
        self.rng = rng
        self.computed = computed
        self.used_ids: set[str] = set()

    # --- prose -----------------------------------------------------------------

    def pick(self, items: Sequence[str]) -> str:
        return items[self.rng.randrange(len(items))]

    def sentence(self) -> str:
        words = f"{self.pick(SUBJECTS)} {self.pick(VERBS)} {self.pick(OBJECTS)} {self.pick(QUALIFIERS)}."
        if self.rng.random() < 0.4:
            opener = self.pick(OPENERS)
            words = f"{opener} {words[0].lower()}{words[1:]}"
        return words

    def paragraph(self, sentences: int, *, math: bool = False, code: str | None = None, last: str = "") -> str:
        parts = [self.sentence() for _ in range(sentences)]
        if last:
            parts.append(last)
        if math:
            parts.insert(self.rng.randrange(len(parts) + 1), f"Written out, ${self.pick(INLINE_MATH)}$.")
        if code:
            parts.insert(self.rng.randrange(len(parts) + 1), f"The call `{code}` does exactly this.")
        return _wrap(" ".join(parts))

    def bullets(self, items: int, *, numbered: bool = False, bold: bool = False) -> str:
        lines = []
        for index in range(items):
            marker = f"{index + 1}." if numbered else "-"
            lead = f"**{self.pick(SETTINGS).capitalize()}.** " if bold else ""
            text = _wrap(lead + " ".join(self.sentence() for _ in range(2)), indent=len(marker) + 1)
            lines.append(f"{marker} {text}")
        return "\n".join(lines)

    def table(self) -> str:
        rows = ["| Setting | Typical value | Effect |", "| --- | --- | --- |"]
        for setting in self.rng.sample(SETTINGS, 4):
            value = f"{self.rng.choice((1, 2, 3, 5))}e-{self.rng.randint(1, 5)}"
            rows.append(f"| {setting} | {value} | {self.pick(EFFECTS)} |")
        return "\n".join(rows)

    def code(self, name: str) -> str:
        function = slugify(name, separator="_") or "step"
        op = self.pick(NUMPY_OPS)
        scale = round(self.rng.uniform(0.1, 2.0), 2)
        return (
            "```python\n"
            "import numpy as np\n\n\n"
            f"def {function}(x, scale={scale}, axis={self.rng.randint(0, 1)}):\n"
            f'    """{self.sentence()}"""\n'
            "    x = np.asarray(x, dtype=float)\n"
            f"    centre = x.{op}(axis=axis, keepdims=True)\n"
            "    return (x - centre) * scale\n"
            "```"
        )

    def unique_id(self, title: str) -> str:
        base = slugify(title)[:56].strip("-")
        candidate, suffix = base, 2
        while candidate in self.used_ids:
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        self.used_ids.add(candidate)
        return candidate

    def tags(self, count: int) -> tuple[str, ...]:
        return tuple(self.rng.sample(TAGS, count))

    # --- entries -----------------------------------------------------------------

    def topic(self, index: int, previous_topic: str | None) -> GeneratedEntry:
        concept = self.pick(CONCEPTS)
        title = f"{concept} {self.pick(ANGLES)}"
        entry_id = self.unique_id(title)
        chapter = self.pick(CHAPTERS)
        summary = f"{concept}: {self.sentence()}"
        arxiv = (
            f"https://arxiv.org/abs/{self.rng.randint(15, 24)}{self.rng.randint(1, 12):02d}."
            f"{self.rng.randint(1000, 19999):05d}"
        )
        previous = f"/topics/{previous_topic}/" if previous_topic else "/archive/"
        sections = [
            _same(
                f"Why {concept.lower()} matters",
                f"{self.paragraph(5, math=True)}\n\n"
                + self.paragraph(4, last=f"The idea goes back to [the original paper]({arxiv})."),
            ),
            _same(
                "How it works",
                f"{self.paragraph(5)}\n\n{self.bullets(4)}\n\n{self.paragraph(5, math=True)}\n\n"
                f"#### {self.pick(SETTINGS).capitalize()} and {self.pick(SETTINGS)}\n\n{self.paragraph(4)}",
            ),
            _same(
                "A minimal implementation",
                f"{self.paragraph(4, code='x.mean(axis=0)')}\n\n{self.code(concept)}\n\n{self.paragraph(4)}",
            ),
            _same(
                "Numbers to remember",
                f"{self.paragraph(3)}\n\n{self.table()}\n\n"
                + self.paragraph(4, last=f"We met a related idea in [an earlier deep dive]({previous})."),
            ),
        ]
        formulas = examples = ""
        if index % COMPUTE_EVERY == 1:
            formulas, examples, worked = self.perplexity_example()
            sections.append(worked)
        sections.append(_same("Pitfalls", self.bullets(3, bold=True)))
        tags = self.tags(3)
        header = (
            f"id: {entry_id}\ntitle: {quote(title)}\nchapter: {quote(chapter)}\n"
            f"summary: {quote(summary)}\ntags: [{', '.join(tags)}]\n"
        )
        return self.entry("topics", entry_id, title, summary, tags, chapter, header + formulas + examples, sections, "")

    def perplexity_example(self) -> tuple[str, str, Section]:
        """Formulas and a worked example mirroring the bundled perplexity entry, with fresh probabilities."""
        probabilities = [round(self.rng.uniform(0.05, 0.95), 3) for _ in range(self.rng.randint(4, 6))]
        outputs = plain(self.computed("perplexity.perplexity_steps")(probabilities))
        formulas = "formulas:\n" + "".join(
            f"  - id: {fid}\n    label: {quote(label)}\n    latex: '{latex}'\n"
            f"    verify:\n      example: sentence\n      output: {output}\n"
            "      symbols: {N: n_tokens, p: probabilities}\n"
            for fid, latex, label, output in PERPLEXITY_FORMULAS
        )
        examples = (
            "examples:\n  - id: sentence\n    function: perplexity.perplexity_steps\n"
            "    caption: perplexity of a short sentence\n"
            f"    inputs:\n      probabilities: {yaml_value(probabilities)}\n"
        )
        text = self.paragraph(3)
        body = (
            f"{text}\n\n```{{formula}} cross-entropy\n```\n\n```{{formula}} perplexity\n```\n\n"
            "```{example} sentence\n```\n\n"
            "On this sentence the perplexity is {value}`sentence.perplexity:.3f`."
        )
        peer = (
            f"{text}\n\n$$\n{PERPLEXITY_FORMULAS[0][1]}\n$$\n\n$$\n{PERPLEXITY_FORMULAS[1][1]}\n$$\n\n"
            f"{steps_table('perplexity of a short sentence', {'probabilities': probabilities}, outputs)}\n\n"
            f"On this sentence the perplexity is {outputs['perplexity']:.3f}."
        )
        return formulas, examples, Section("A worked example", body, peer)

    def problem(self, index: int) -> GeneratedEntry:
        concept = self.pick(CONCEPTS)
        title = self.pick(PROBLEM_FORMS).format(c=concept)
        entry_id = self.unique_id(title)
        collection = self.pick(COLLECTIONS)
        summary = f"Implement {concept.lower()} in numpy: {self.sentence().lower()}"
        solution, cases = self.test_cases()
        sections = [
            _same("The problem", f"{self.paragraph(5, code='np.asarray(x, dtype=float)')}\n\n{self.paragraph(4)}"),
            _same("Key concepts", f"{self.paragraph(5, math=True)}\n\n{self.paragraph(3)}"),
            _same("Approach", f"{self.bullets(4, numbered=True)}\n\n{self.paragraph(3)}"),
        ]
        formulas = examples = ""
        if index % COMPUTE_EVERY == 2:
            formulas, examples, worked = self.batchnorm_example()
            sections.insert(2, worked)
        function = self.computed(solution)
        rows = [
            f"| {name} | {'<br>'.join(f'`{k}` = {number(v)}' for k, v in inputs.items())} | "
            f"{outputs(plain(function(**inputs)))} |"
            for name, inputs in cases
        ]
        appendix = (
            "### Worked test cases\n\nEach expected output was computed by the reference implementation.\n\n"
            "| Case | Input | Expected output |\n| --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
            f"### Solution\n\n```python\n{inspect.getsource(function).strip()}\n```"
        )
        tests = "tests:\n" + "".join(
            f"  - name: {quote(name)}\n    inputs:\n"
            + "".join(f"      {k}: {yaml_value(v)}\n" for k, v in inputs.items())
            for name, inputs in cases
        )
        tags = self.tags(3)
        header = (
            f"id: {entry_id}\ntitle: {quote(title)}\ndifficulty: {self.pick(('Easy', 'Medium', 'Hard'))}\n"
            f"collection: {quote(collection)}\nsummary: {quote(summary)}\n"
            f"tags: [{', '.join(tags)}]\nsolution: {solution}\n{tests}"
        )
        return self.entry(
            "problems", entry_id, title, summary, tags, collection, header + formulas + examples, sections, appendix
        )

    def test_cases(self) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
        """A reference solution from ``computed/`` and one small test case for it."""
        rng = self.rng
        choice = rng.randrange(4)
        if choice == 0:
            probabilities = [round(rng.uniform(0.05, 1.0), 3) for _ in range(rng.randint(3, 6))]
            return "perplexity.perplexity", [("a short sentence", {"probabilities": probabilities})]
        if choice == 1:
            probabilities = [round(rng.uniform(0.05, 1.0), 3) for _ in range(rng.randint(3, 6))]
            return "perplexity.cross_entropy", [("bits per token", {"probabilities": probabilities, "base": 2.0})]
        if choice == 2:
            logits = [[round(rng.uniform(-3, 3), 2) for _ in range(4)] for _ in range(3)]
            targets = [rng.randrange(4) for _ in range(3)]
            return "perplexity.perplexity_from_logits", [("three positions", {"logits": logits, "targets": targets})]
        x = [[round(rng.uniform(-2, 2), 2) for _ in range(2)] for _ in range(3)]
        case = {"x": x, "gamma": [1.0, 0.5], "beta": [0.0, 1.0], "running_mean": [0.0, 0.0], "running_var": [1.0, 1.0]}
        return "batchnorm.batch_norm_forward", [("a training pass", case)]

    def batchnorm_example(self) -> tuple[str, str, Section]:
        """Formulas and a worked example mirroring the bundled batch-norm problem, with a fresh mini-batch."""
        x = [[round(self.rng.uniform(-3, 3), 2) for _ in range(3)] for _ in range(4)]
        inputs = {
            "x": x,
            "gamma": [1.0, 0.5, 2.0],
            "beta": [0.0, 1.0, -1.0],
            "running_mean": [0.0, 0.0, 0.0],
            "running_var": [1.0, 1.0, 1.0],
        }
        outputs = plain(self.computed("batchnorm.batch_norm_steps")(**inputs))
        formulas = "formulas:\n" + "".join(
            f"  - id: {fid}\n    label: {quote(label)}\n    latex: '{latex}'\n"
            for fid, latex, label in BATCHNORM_FORMULAS
        )
        examples = (
            "examples:\n  - id: minibatch\n    function: batchnorm.batch_norm_steps\n"
            "    caption: one training-mode pass over a 4×3 mini-batch\n    inputs:\n"
            + "".join(f"      {k}: {yaml_value(v)}\n" for k, v in inputs.items())
        )
        text = self.paragraph(3)
        body = (
            f"{text}\n\n```{{formula}} batch-mean\n```\n\n```{{formula}} output\n```\n\n"
            "```{example} minibatch\n```\n\n"
            "The first feature's batch mean is {value}`minibatch.mean[0]:.2f`."
        )
        peer = (
            f"{text}\n\n$$\n{BATCHNORM_FORMULAS[0][1]}\n$$\n\n$$\n{BATCHNORM_FORMULAS[1][1]}\n$$\n\n"
            f"{steps_table('one training-mode pass over a 4×3 mini-batch', inputs, outputs)}\n\n"
            f"The first feature's batch mean is {outputs['mean'][0]:.2f}."
        )
        return formulas, examples, Section("Worked example", body, peer)

    def feature(self, index: int, problem_id: str) -> GeneratedEntry:
        name = self.pick(FEATURES)
        title = f"{name} {self.pick(FEATURE_ANGLES)}"
        entry_id = self.unique_id(title)
        summary = f"{name}: {self.sentence()}"
        audience = self.rng.sample(AUDIENCES, 3)
        cta_text, cta_url = "Try it on today's problem", f"/problems/{problem_id}/"
        sections = [
            _same("What it does", f"{self.paragraph(4)}\n\n{self.paragraph(3, math=index % 3 == 0)}"),
            _same("Who it helps", self.bullets(3, bold=True)),
            _same("How to use it", self.paragraph(4)),
        ]
        tags = self.tags(2)
        header = (
            f"id: {entry_id}\ntitle: {quote(title)}\nsummary: {quote(summary)}\n"
            f"audience: [{', '.join(audience)}]\ntags: [{', '.join(tags)}]\n"
            f"call_to_action:\n  text: {quote(cta_text)}\n  url: {cta_url}\n"
        )
        appendix = f"[{cta_text}]({cta_url})"
        return self.entry("features", entry_id, title, summary, tags, None, header, sections, appendix)

    def entry(
        self,
        kind: str,
        entry_id: str,
        title: str,
        summary: str,
        tags: tuple[str, ...],
        group: str | None,
        header: str,
        sections: list[Section],
        appendix: str,
    ) -> GeneratedEntry:
        # Sections come last, so the last body's block scalar ends the file (see append_to_last_section).
        text = header + "sections:\n"
        for section in sections:
            text += f"  - heading: {quote(section.heading)}\n    body: |\n{_block(section.body, 6)}"
        return GeneratedEntry(kind, entry_id, title, summary, tags, group, tuple(sections), text, appendix)


def _same(heading: str, body: str) -> Section:
    """A section without directives or roles reads the same everywhere."""
    return Section(heading, body, body)


def _wrap(text: str, width: int = 88, indent: int = 0) -> str:
    """Wrap prose like an author's editor does (continuation lines indented for list items).

    Inline math stays on one line: a break inside ``$...$`` followed by ``-`` would
    start a list item in CommonMark, which no author means.
    """
    lines: list[str] = []
    current = ""
    words = re.findall(r"\$[^$]*\$\S*|\S+", text)
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return ("\n" + " " * indent).join(lines)

"""Numbers in a build of the bundled project: an example and a problem can ask for fixed places."""

from __future__ import annotations

import math
import re
from pathlib import Path

from ..conftest import edit_file, run_cli


def test_an_example_and_a_problem_can_ask_for_fixed_places(project: Path) -> None:
    edit_file(
        project,
        "content/topics/perplexity.yaml",
        "    caption: perplexity of a four-token sentence\n",
        "    caption: perplexity of a four-token sentence\n    digits: 2\n",
    )
    edit_file(
        project,
        "content/problems/batch-norm-forward.yaml",
        "solution: batchnorm.batch_norm_forward\n",
        "solution: batchnorm.batch_norm_forward\ndigits: 3\n",
    )
    assert run_cli("--root", project, "--date", "2026-11-26").exit_code == 0
    html = (project / "output/issues/2026-11-26/index.html").read_text()
    sentence = html.split('id="example-sentence"', 1)[1].split("</figure>", 1)[0]
    h = -sum(math.log2(p) for p in (0.25, 0.5, 0.125, 0.5)) / 4
    assert f'<th scope="row">PP = 2ᴴ</th><td>{2**h:.2f}</td>' in sentence
    assert "<td>[0.25, 0.50, 0.12, 0.50]</td>" in _spans_out(sentence)  # inputs too, each to two places
    assert '<span class="num">0.50,</span> <span class="num">0.12,</span>' in sentence, "wrapped between numbers"
    assert "<td>4</td>" in sentence, "integers stay integers"
    cases = _spans_out(html.split('class="test-cases"', 1)[1].split("</table>", 1)[0])
    assert "<code>running_mean</code> = [0.400, 0.200, 0.100]" in cases
    assert "<code>momentum</code> = 0.500" in cases
    # The other examples keep the shortest form, and a power of ten as a textbook writes it.
    minibatch = html.split('id="example-minibatch"', 1)[1].split("</figure>", 1)[0]
    assert "<td>1 × 10⁻⁵</td>" in minibatch


def _spans_out(html: str) -> str:
    """The HTML without the spans that keep each number of a vector on one line."""
    return re.sub(r"</?span[^>]*>", "", html)

"""The formula corpus: every ``.. math::`` statement in the docstrings of the installed torch's modules, bound to a check.

``statements(source)`` extracts them from the installed torch (not from copies), so an upgrade that changes
a formula changes what is checked. ``CORPUS`` says, for each source, what each of its statements is: a
``Bound`` formula (verified against a numpy reference and against torch), ``Unverifiable`` (the reason the
checker must give), or ``Unsupported`` (numeric, but notation the checker does not read; the error it must give).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

from .formula_references import ACTIVATIONS, NORMS, Family
from .formula_references_losses import LOSSES

FAMILIES: dict[str, Family] = {**NORMS, **ACTIVATIONS, **LOSSES}


@dataclass(frozen=True)
class Bound:
    """A formula to verify: the reference family, its symbols and the output the right-hand side equals."""

    family: str
    output: str
    symbols: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Unverifiable:
    reason: str
    """The start of the reason the checker must give."""


@dataclass(frozen=True)
class Unsupported:
    error: str
    """The start of the error the checker must give."""
    why: str
    bound: Bound = field(default_factory=lambda: Bound("softmax", "y", {"x": "x"}))
    """The binding an author would try."""


def attempted(expectation: Expectation) -> Bound:
    """The binding each statement is checked with (a statement with no numeric meaning gets a trivial one)."""
    if isinstance(expectation, Bound):
        return expectation
    if isinstance(expectation, Unsupported):
        return expectation.bound
    return Bound("softmax", "y", {"x": "x"})


Expectation = Bound | Unverifiable | Unsupported

_BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)$")


def math_blocks(doc: str) -> list[str]:
    """The bodies of the ``.. math::`` directives in a reStructuredText docstring."""
    lines, blocks, index = doc.splitlines(), [], 0
    while index < len(lines):
        match = _BLOCK.match(lines[index])
        index += 1
        if not match:
            continue
        indent, body = len(match.group("indent")), [match.group("first")]
        while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > indent):
            body.append(lines[index])
            index += 1
        blocks.append("\n".join(body).strip())
    return blocks


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _top_level_split(text: str, separator: re.Pattern[str]) -> list[str]:
    """``text`` cut at every match of ``separator`` outside braces and environments."""
    pieces, depth, start, position = [], 0, 0, 0
    while position < len(text):
        if text.startswith("\\begin", position) or text[position] == "{":
            depth += 1
        elif text.startswith("\\end", position) or text[position] == "}":
            depth -= 1
        elif text[position] == "\\" and text[position + 1 : position + 2] in "{}":
            position += 2
            continue
        match = separator.match(text, position) if depth == 0 else None
        if match:
            pieces.append(text[start:position])
            start = position = match.end()
            continue
        position += 1
    pieces.append(text[start:])
    return pieces


_LINE_BREAK = re.compile(r"\\\\(\s*\[[^\]]*\])?")
_CLAUSE = re.compile(r",?\s*\\quad\s*\\text\{where\}\s*\\quad|,\s*\\text\{where\s*\}|,\s*\\quad")
_ALIGNED = re.compile(r"^\\begin\{aligned\}(?P<body>.*)\\end\{aligned\}$", re.DOTALL)
_LAYOUT = re.compile(r"^[\s&]*(\\rule\{[^}]*\}\{[^}]*\}|\\hspace\{[^}]*\})*[\s&]*$")


def split_statements(block: str) -> tuple[list[str], int]:
    """A math block's statements: lines of an ``aligned`` block or of ``\\\\``, clauses after ``, \\quad``.

    Returns them with the number of layout-only lines (a ``\\rule``) left out: those are not formulas.
    """
    aligned = _ALIGNED.match(block.strip())
    body = aligned.group("body") if aligned else block
    statements, layout = [], 0
    for line in _top_level_split(body, _LINE_BREAK):
        if not line.strip():
            continue
        if _LAYOUT.fullmatch(line):
            layout += 1
            continue
        for clause in _top_level_split(line, _CLAUSE):
            if clause.strip(" \n,"):
                statements.append(" ".join(clause.split()))
    return statements, layout


def statements(source: str) -> tuple[list[str], int]:
    """Every statement in the ``.. math::`` blocks of ``torch.x.Y``'s docstring, and the layout lines skipped."""
    module, _, name = source.rpartition(".")
    doc = getattr(importlib.import_module(module), name).__doc__ or ""
    found, layout = [], 0
    for block in math_blocks(doc):
        parts, skipped = split_statements(block)
        found += parts
        layout += skipped
    return found, layout


def families_used() -> set[str]:
    return {e.family for expectations in CORPUS.values() for e in expectations if isinstance(e, Bound)}


_NORM = {"x": "x", "epsilon": "eps", "gamma": "gamma", "beta": "beta"}
_SHAPE = Unverifiable("states a tensor shape, not a value")
_VECTOR = Unverifiable("defines a vector by listing its entries")


def _reduction(family: str, **symbols: str) -> Bound:
    return Bound(family, "loss", {**symbols, "reduction": "reduction"})


def _mean_or_sum(family: str) -> Bound:
    return _reduction(family, L="losses")


def _pseudo(what: str) -> Unverifiable:
    return Unverifiable(f"an algorithm's pseudo-code line ({what})")


_GRADIENT = Unverifiable("a gradient of an objective the formula does not define")
_ADAM_HYPER = {"beta_1": "beta1", "beta_2": "beta2", "t": "step"}

CORPUS: dict[str, list[Expectation]] = {
    "torch.nn.BatchNorm1d": [Bound("batch_norm", "y", _NORM)],
    "torch.nn.BatchNorm2d": [Bound("batch_norm_2d", "y_by_channel", {**_NORM, "x": "x_by_channel"})],
    "torch.nn.LayerNorm": [Bound("layer_norm", "y", _NORM), _SHAPE],
    "torch.nn.GroupNorm": [
        Bound("group_norm", "y_grouped", {**_NORM, "x": "x_grouped", "gamma": "gamma_grouped", "beta": "beta_grouped"})
    ],
    "torch.nn.InstanceNorm1d": [Bound("instance_norm", "y", _NORM)],
    "torch.nn.RMSNorm": [
        Bound("rms_norm", "y", {"x": "x", "RMS": "rms", "gamma": "gamma"}),
        Bound("rms_norm", "rms", {"epsilon": "eps", "n": "n", "x": "x"}),
        _SHAPE,
    ],
    "torch.nn.functional.normalize": [Bound("normalize", "normalized", {"v": "v", "p": "p", "epsilon": "eps"})],
    "torch.nn.Softmax": [Bound("softmax", "y", {"x": "x"})],
    "torch.nn.LogSoftmax": [Bound("log_softmax", "y", {"x": "x"})],
    "torch.nn.Softmin": [Bound("softmin", "y", {"x": "x"})],
    "torch.nn.Sigmoid": [Bound("sigmoid", "y", {"x": "x"})],
    "torch.nn.SiLU": [Bound("silu", "y", {"x": "x"}), Unverifiable("words, not a formula: 'is the logistic sigmoid.'")],
    "torch.nn.Softplus": [Bound("softplus", "y", {"x": "x", "beta": "beta"})],
    "torch.nn.Tanh": [Bound("tanh", "y", {"x": "x"})],
    "torch.nn.GELU": [Bound("gelu", "y", {"x": "x"}), Bound("gelu_tanh", "y", {"x": "x"})],
    "torch.nn.LeakyReLU": [
        Bound("leaky_relu", "y", {"x": "x", "negative_slope": "negative_slope"}),
        Bound("leaky_relu", "y", {"x": "x", "negative_slope": "negative_slope"}),
    ],
    "torch.nn.ELU": [Bound("elu", "y", {"x": "x", "alpha": "alpha"})],
    "torch.nn.Hardtanh": [Bound("hardtanh", "y", {"x": "x", "max_val": "max_val", "min_val": "min_val"})],
    "torch.nn.Softsign": [Bound("softsign", "y", {"x": "x"})],
    "torch.nn.Tanhshrink": [Bound("tanhshrink", "y", {"x": "x"})],
    "torch.nn.LogSigmoid": [Bound("log_sigmoid", "y", {"x": "x"})],
    "torch.nn.Mish": [Bound("mish", "y", {"x": "x"})],
    "torch.nn.CrossEntropyLoss": [
        _VECTOR,
        Bound(
            "cross_entropy",
            "losses",
            {"w": "weight", "y": "target_from_1", "x": "x", "C": "n_classes", "ignore_index": "ignore_from_1"},
        ),
        _reduction("cross_entropy", N="batch", w="weight", y="target_from_1", ignore_index="ignore_from_1", l="losses"),
        _VECTOR,
        Bound("cross_entropy_probs", "losses", {"C": "n_classes", "w": "weight", "x": "x", "y": "probs"}),
        _reduction("cross_entropy_probs", N="batch", l="losses"),
        Unverifiable("words, not a formula: 'number of classes'"),
        Unverifiable("words, not a formula: 'batch size'"),
    ],
    "torch.nn.NLLLoss": [
        _VECTOR,
        Bound("nll", "losses", {"w": "w_masked", "y": "target_from_1", "x": "log_probs"}),
        Unsupported(
            "has the symbol c, which verify.symbols does not bind",
            "uses the class index c as a value",
            Bound("nll", "w_masked", {"weight": "weight", "ignore_index": "ignore_from_1"}),
        ),
        _reduction("nll", N="batch", w="w_masked", y="target_from_1", l="losses"),
    ],
    "torch.nn.KLDivLoss": [Bound("kl_div", "pointwise", {"y_true": "target", "y_pred": "pred"})],
    "torch.nn.MSELoss": [_VECTOR, Bound("mse", "losses", {"x": "x", "y": "y"}), _mean_or_sum("mse")],
    "torch.nn.L1Loss": [_VECTOR, Bound("l1", "losses", {"x": "x", "y": "y"}), _mean_or_sum("l1")],
    "torch.nn.HuberLoss": [
        _VECTOR,
        Bound("huber", "losses", {"x": "x", "y": "y", "delta": "delta"}),
        _mean_or_sum("huber"),
    ],
    "torch.nn.SmoothL1Loss": [
        _VECTOR,
        Bound("smooth_l1", "losses", {"x": "x", "y": "y", "beta": "beta"}),
        _mean_or_sum("smooth_l1"),
    ],
    "torch.nn.BCELoss": [_VECTOR, Bound("bce", "losses", {"w": "w", "x": "x", "y": "y"}), _mean_or_sum("bce")],
    "torch.nn.BCEWithLogitsLoss": [
        _VECTOR,
        Bound("bce_logits", "losses", {"w": "w", "x": "x", "y": "y"}),
        _mean_or_sum("bce_logits"),
        _VECTOR,
        Bound("bce_pos_weight", "losses", {"w": "w", "x": "x", "y": "y", "p": "pos_weight"}),
    ],
    "torch.nn.MultiheadAttention": [
        Unsupported(
            "has the function \\text{Concat}(...)", "concatenates attention heads: no numpy meaning is built in"
        )
    ],
    "torch.optim.Adam": [
        _pseudo("the algorithm's inputs"),
        Unverifiable("words, not a formula: '(weight decay)'"),  # the input list, continued
        _pseudo("the algorithm's initial values"),
        _pseudo("a loop header"),
        _pseudo("a branch condition"),
        _GRADIENT,
        _pseudo("a branch"),
        _GRADIENT,
        _pseudo("a branch condition"),
        Bound("adam", "grad_decayed", {"g_t": "grad", "lambda": "weight_decay", "theta_t-1": "theta_prev"}),
        Bound("adam", "m", {"beta_1": "beta1", "m_t-1": "m_prev", "g_t": "grad_decayed"}),
        Bound("adam", "v", {"beta_2": "beta2", "v_t-1": "v_prev", "g_t": "grad_decayed"}),
        Bound("adam", "m_hat", {"m_t": "m", "beta_1": "beta1", "t": "step"}),
        _pseudo("a branch condition"),
        Bound("adam", "ams_vmax", {"v_t-1^max": "ams_vmax_prev", "v_t": "ams_v"}),
        Bound("adam", "ams_v_hat", {"v_t^max": "ams_vmax", "beta_2": "beta2", "t": "step"}),
        _pseudo("a branch"),
        Bound("adam", "v_hat", {"v_t": "v", "beta_2": "beta2", "t": "step"}),
        Bound(
            "adam",
            "theta",
            {"theta_t-1": "theta_prev", "gamma": "lr", "widehatm_t": "m_hat", "widehatv_t": "v_hat", "epsilon": "eps"},
        ),
        _pseudo("the algorithm's result"),
    ],
}
"""What each statement of each source is, in the order the docstring gives them."""

SOURCES_WITHOUT_MATH = ("torch.nn.functional.scaled_dot_product_attention",)
"""Named in the issue but documented without a ``.. math::`` block (its docstring shows Python code)."""


def describe(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)

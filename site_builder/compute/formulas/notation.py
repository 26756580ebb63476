"""What the formula checker reads: its commands, functions and keywords, and the notation guide built from them."""

from __future__ import annotations

from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GREEK = _words(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho "
    "varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi "
    "Psi Omega ell"
)
ACCENTS = _words("hat widehat bar overline tilde widetilde vec dot ddot check breve")
"""Commands over a symbol that become part of its name (``\\hat{\\mu}`` -> ``hatmu``)."""
FONTS = _words("mathbf boldsymbol bm textbf mathcal mathfrak mathscr mathsf mathnormal pmb")
"""Alphabets a letter is written in, which are not part of its name: ``\\mathbf{x}``, ``\\boldsymbol\\theta``,
``\\mathcal{B}`` are bound as ``x``, ``theta``, ``B``."""
DECORATIONS = ACCENTS | FONTS
TEXT_COMMANDS = _words("text textrm textit textsf mathrm mathit operatorname")
"""Commands whose argument is a word: a function name, a multi-letter symbol, a keyword or quoted text."""
SWITCHES = _words("rm bf it sf")
"""Old-style font switches, ``{\\rm KL}``: the letters after them are a word, as ``\\mathrm{KL}``."""
SIZING = _words("left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr middle displaystyle limits")
"""Commands that only size the delimiter after them, skipped."""
SPACING = _words("quad qquad hspace mkern")
"""Spacing commands, skipped (``\\hspace`` with its argument); so are ``\\,``, ``\\;``, ``\\:``, ``\\!``, ``&``."""
RELATIONS = {
    "=": "=",
    "leftarrow": "\\leftarrow",
    "gets": "\\leftarrow",
    "coloneqq": "=",
    "coloneq": "=",
    "triangleq": "=",
    "doteq": "=",
    "approx": "=",
}
"""Relations that split a formula into the notation on the left and the expression(s) on the right."""
COMPARISONS = {
    "<": "<",
    ">": ">",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "leq": "<=",
    "ge": ">=",
    "geq": ">=",
    "leqslant": "<=",
    "geqslant": ">=",
    "ne": "!=",
    "neq": "!=",
}
"""Comparisons allowed in the conditions of ``cases`` and of an indicator ``\\mathbb{1}\\{...\\}``."""
OPERATOR_FUNCTIONS = _words("exp log ln sin cos tan sinh cosh tanh")
"""Commands that may take their argument without parentheses: ``\\log x_n``, ``\\exp x``."""
NAMED_FUNCTIONS = _words(
    "exp log ln sin cos tan sinh cosh tanh max min sigmoid softplus relu erf sqrt abs mean sum softmax logsumexp lse "
    "argmax argmin gelu silu swish"
)
"""Names (lower-cased) read as functions when applied, as ``\\max(0, x)``, ``\\text{Tanh}(x)``,
``\\operatorname{mean}(L)``; ``E`` and ``Var`` take brackets."""
UNBOUND_FUNCTIONS = {"sigma": "sigmoid", "Phi": "Phi"}
"""Greek letters read as functions when verify.symbols does not bind them: σ(x) and Φ(x)."""
INDICATORS = {("mathbb", "1"), ("mathbf", "1"), ("mathbb", "I")}
INDICATOR_LETTERS = frozenset({"I", "1"})
"""Unbound letters read as an indicator when applied to a comparison: ``I(u < 0)``."""
TRANSPOSES = frozenset({"top", "intercal", "mathsfT", "rmT", "mathrmT", "\\top"})
"""Superscripts that transpose (``x^\\top``); ``^T`` too unless T is a bound symbol."""
KEYWORDS = _words("if otherwise where for to do else input initialize return and")
PSEUDO_CODE = {
    "input": "the algorithm's inputs",
    "initialize": "the algorithm's initial values",
    "for": "a loop header",
    "if": "a branch condition",
    "else": "a branch",
    "return": "the algorithm's result",
}
"""Bold keywords that make a line pseudo-code, with what such a line states."""


@dataclass(frozen=True)
class Notation:
    """One row of the notation guide in docs/authoring.md."""

    written: str
    """How it is written, in LaTeX."""
    meaning: str
    """How the checker evaluates it."""
    example: str
    """A formula that uses it, verified in one of the checker's corpora (a test checks it)."""
    corpus: str = "torch"
    """``torch``: PyTorch's own documentation (tests/system/formulas/formula_corpus.py); ``field``: the notation
    corpus of textbooks and papers (tests/unit/compute/notation_corpus/)."""


GUIDE: tuple[Notation, ...] = (
    Notation("`a b`, `a \\cdot b`, `a * b`, `a \\times b`", "elementwise product", r"\text{silu}(x) = x * \sigma(x)"),
    Notation(
        "`\\gamma\\left(x_i - \\mu_B\\right)`",
        "a bound symbol before parentheses multiplies them (unless the parentheses hold one subscripted symbol)",
        r"\text{GELU}(x) = 0.5 * x * (1 + \text{Tanh}(\sqrt{2 / \pi} * (x + 0.044715 * x^3)))",
    ),
    Notation(
        "`\\frac{a}{b}`, `a / b`, `\\sqrt{x}`, `x^{k}`",
        "division, square root, power",
        r"\text{SoftSign}(x) = \frac{x}{ 1 + |x|}",
    ),
    Notation(
        "`\\exp`, `\\log`, `\\ln`, `\\log_2`, `\\log_{b}`",
        "`\\log` is the natural logarithm unless a base is written",
        r"\text{Softplus}(x) = \frac{1}{\beta} * \log(1 + \exp(\beta * x))",
    ),
    Notation(
        "`\\tanh`, `\\sigma(x)`, `\\Phi(x)`",
        "hyperbolic tangent; unbound `\\sigma` is the logistic sigmoid and unbound `\\Phi` the standard normal CDF",
        r"\text{GELU}(x) = x * \Phi(x)",
    ),
    Notation(
        "`\\text{Name}(x)`, `\\operatorname{name}(x)`, `\\mathrm{Name}(x)`",
        "a named function: exp, log, ln, tanh, sigmoid, softplus, relu, erf, abs, max, min, "
        "mean and sum (of all entries); any other name must be bound and stands for its value",
        r"\text{Mish}(x) = x * \text{Tanh}(\text{Softplus}(x))",
    ),
    Notation(
        "`\\max(a, b)`, `\\min(a, b)`",
        "elementwise maximum and minimum",
        r"\text{LeakyReLU}(x) = \max(0, x) + \text{negative\_slope} * \min(0, x)",
    ),
    Notation(
        "`|x|`, `\\lVert x \\rVert`, `\\lVert x \\rVert_p`",
        "absolute value; p-norm (default 2) over the first axis",
        r"v = \frac{v}{\max(\lVert v \rVert_p, \epsilon)}",
    ),
    Notation(
        "`\\mathrm{E}[x]`, `\\mathrm{Var}[x]`",
        "mean and biased variance over the first axis",
        r"y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta",
    ),
    Notation(
        "`\\sum_{i=1}^{N}`, `\\prod_{i=1}^{N}`",
        "sum and product with bounds; `x_i` is row i of `x` (counting from 1)",
        r"\text{RMS}(x) = \sqrt{\epsilon + \frac{1}{n} \sum_{i=1}^{n} x_i^2}",
    ),
    Notation(
        "`\\sum_j`, `\\sum_{j}`, `\\prod_i`",
        "over every row of the arrays the index subscripts",
        r"\text{Softmax}(x_{i}) = \frac{\exp(x_i)}{\sum_j \exp(x_j)}",
    ),
    Notation(
        "`x_{n,c}`, `w_{y_n}`",
        "several subscripts index several axes; a subscript may be a bound value (an index counting from 1)",
        r"l_n = - w_{y_n} x_{n,y_n}",
    ),
    Notation(
        "`\\begin{cases} a, & \\text{if } x > 0 \\\\ b, & \\text{otherwise} \\end{cases}`",
        "piecewise: the first row whose condition holds; conditions compare with `<`, `>`, `\\leq`, `\\geq`, "
        "`=`, `\\neq`, and a text input with quoted text (`` \\text{`mean'} ``)",
        r"\text{ELU}(x) = \begin{cases} x, & \text{ if } x > 0\\ \alpha * (\exp(x) - 1), & \text{ if } x \leq 0 \end{cases}",
    ),
    Notation(
        "`\\mathbb{1}\\{y_n \\neq c\\}`",
        "indicator: 1 where the condition holds, else 0",
        r"l_n = - w_{y_n} \log \frac{\exp(x_{n,y_n})}{\sum_{c=1}^C \exp(x_{n,c})} \cdot \mathbb{1}\{y_n \not= \text{ignore\_index}\}",
    ),
    Notation(
        "`\\sum_x p(x)`, `\\sum_{x \\in \\mathcal{X}}`, `p(x, y)`, `p(y|x)`",
        "a sum over every outcome; a value written applied to the sum's index is its entry there, one axis per index "
        "in the order written (an application may also be bound as written: `'p(y|x)': p_y_given_x`)",
        r"D(p\|q) = \sum_{x \in \mathcal{X}} p(x) \log \frac{p(x)}{q(x)}",
        "field",
    ),
    Notation(
        "`\\mathbf{x}`, `\\boldsymbol\\theta`, `\\mathcal{B}`, `\\mathrm{KL}`, `{\\rm t}`",
        "a letter in another alphabet is that letter: bind `x`, `theta`, `B`, `KL`, `t`",
        r"\sigma_\mathcal{B}^2 \leftarrow \frac{1}{m} \sum_{i=1}^{m} (x_i - \mu_\mathcal{B})^2",
        "field",
    ),
    Notation(
        "`\\mathrm{softmax}(z)_i`, `\\mathrm{lse}(a)`, `\\max(x)`, `\\max_c a_c`, `\\mathrm{GELU}(x)`, "
        "`\\mathrm{Swish}_\\beta(x)`, `\\operatorname{argmax}(x)`",
        "built in, without a binding: softmax, log-sum-exp, max, min, argmax and argmin (counting from 1) of one "
        "argument along its last axis (each row of a matrix); `\\max_c` over an index; GELU is x Φ(x), Swish_β x σ(βx)",
        r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}(\frac{QK^T}{\sqrt{d_k}})V",
        "field",
    ),
    Notation(
        "`H(p)`, `\\Phi(x)` with `H`, `\\Phi` bound",
        "call or multiply, one rule: a function is called; a symbol bound to values and written applied to what "
        "they were computed at (an unbound symbol, a sum's index, or an input when it is bound to an output) "
        "stands for those values; anything else before a parenthesis multiplies; where both readings are "
        "possible and give different numbers, the formula is an error naming both",
        r"H(p, q) = H(p) + D_{\mathrm{KL}}(p \parallel q)",
        "field",
    ),
    Notation(
        "`p_i (1 - p_i)`, `p_i \\left( \\log p_i - \\log q_i \\right)`",
        "a subscripted symbol before a parenthesis multiplies it",
        r"\operatorname{I}_G(p) = \sum_{i=1}^{J} p_i (1 - p_i) = 1 - \sum_{i=1}^{J} p_i^2",
        "field",
    ),
    Notation(
        "`w^\\top x`, `w^T`, `QK^T`, `xW`, `a \\odot b`, `a \\otimes b`, `\\mathbf{a} \\cdot \\mathbf{b}`",
        "a transpose (`^T` unless T is bound); a product with a transposed factor, two matrices side by side whose "
        "shapes chain, and `\\cdot` between bold vectors are matrix (dot) products; `\\odot`, `\\otimes` and "
        "every other product are elementwise",
        r"\tilde{J}(\boldsymbol{w}; \boldsymbol{X}, \boldsymbol{y}) = \frac{\alpha}{2}\boldsymbol{w}^\top\boldsymbol{w} "
        r"+ J(\boldsymbol{w}; \boldsymbol{X}, \boldsymbol{y})",
        "field",
    ),
    Notation(
        "`\\|x\\|`, `\\|x\\|_2`, `\\left\\| x \\right\\|`",
        "the 2-norm (or the p-norm written) over the first axis",
        r"\Omega(\boldsymbol{\theta}) = \frac{1}{2}\|\boldsymbol{w}\|_2^2",
        "field",
    ),
    Notation(
        "`\\mathbb{E}_{x \\sim P}[f(x)]`, `\\mathbb{E}_P[f]`",
        "the expectation over a distribution: the sum of P times f over the outcomes",
        r"D_{\mathrm{KL}}(P \| Q) = \mathbb{E}_{\mathrm{x} \sim P}\left[\log \frac{P(x)}{Q(x)}\right] "
        r"= \mathbb{E}_{\mathrm{x} \sim P}[\log P(x) - \log Q(x)]",
        "field",
    ),
    Notation(
        "`\\begin{cases} ... & \\text{for } |a| \\le \\delta \\end{cases}`, `\\binom{N}{m}`, `x!`, "
        "`\\lfloor x \\rfloor`, `{a \\over b}`",
        "a condition may start with 'if' or 'for'; binomial coefficient, factorial, floor (and ceiling), plain "
        "TeX's fraction",
        r"L_\delta(a) = \begin{cases} \frac{1}{2}{a^2} & \text{for } |a| \le \delta, \\ \delta \cdot "
        r"\left(|a| - \frac{1}{2}\delta\right), & \text{otherwise.} \end{cases}",
        "field",
    ),
    Notation(
        "`a = b = c`",
        "a chain: every expression after the first `=` must equal the output",
        r"\text{Tanh}(x) = \tanh(x) = \frac{\exp(x) - \exp(-x)} {\exp(x) + \exp(-x)}",
    ),
)
"""The notation guide (``build-site docs``, docs/authoring.md "Notation the checker reads"); each example is a
verified formula of the corpus its row names."""

"""LaTeX -> one line of Unicode for the plain-text email; expectations written by hand from the math.

A minus is a minus sign (U+2212) and TeX's \\epsilon the ε of the text around it, as on the web pages.
"""

from __future__ import annotations

import pytest

from site_builder.markup import MarkupError
from site_builder.markup.unicodemath import latex_to_unicode


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        # The issue's own example, and the other bundled formulas.
        (r"\mathrm{PP}(M) = 2^{-\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)}", "PP(M) = 2^(−(1/N) Σᵢ₌₁ᴺ log₂ p(xᵢ))"),
        (r"H(M) = -\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)", "H(M) = −(1/N) Σᵢ₌₁ᴺ log₂ p(xᵢ)"),
        (
            r"\mathrm{PP}(M) = \exp\left(-\frac{1}{N}\sum_{i=1}^{N} \ln p(x_i)\right)",
            "PP(M) = exp(−(1/N) Σᵢ₌₁ᴺ ln p(xᵢ))",
        ),
        (r"\mu_B = \frac{1}{m}\sum_{i=1}^{m} x_i", "μ_B = (1/m) Σᵢ₌₁ᵐ xᵢ"),
        (r"\sigma_B^2 = \frac{1}{m}\sum_{i=1}^{m} \left(x_i - \mu_B\right)^2", "σ_B² = (1/m) Σᵢ₌₁ᵐ (xᵢ − μ_B)²"),
        (
            r"y_i = \gamma \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta",
            "yᵢ = γ ((xᵢ − μ_B)/√(σ_B² + ε)) + β",
        ),
        (r"\hat{\mu} \leftarrow (1 - \alpha)\,\hat{\mu} + \alpha\,\mu_B", "μ̂ ← (1 − α) μ̂ + α μ_B"),
        # Scripts: small forms when every character has one, else _(...) and ^(...).
        (r"\theta_{t-1}", "θₜ₋₁"),
        (r"x_{B}", "x_B"),
        (r"e^{-x^2}", "e^(−x²)"),
        (r"QK^\top", "QKᵀ"),
        (r"\mathbb{R}^{n \times d}", "ℝ^(n×d)"),
        # Fractions: bare where nothing is next to them, otherwise parenthesised.
        (r"\frac{1}{2}", "1/2"),
        (r"\hat m_t = \frac{m_t}{1-\beta_1^t}", "m̂ₜ = mₜ/(1 − β₁ᵗ)"),
        (r"\mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V", "softmax(QKᵀ/√dₖ)V"),
        (r"\mathrm{IoU}(A,B) = \frac{|A \cap B|}{|A \cup B|}", "IoU(A, B) = |A ∩ B|/|A ∪ B|"),
        (r"2^{\frac{1}{2}}", "2^(1/2)"),
        # Limits of sums, products and integrals: small forms where every character has one, else a range.
        (r"\prod_{t=1}^{T} p_t", "Πₜ₌₁ᵀ pₜ"),
        (r"\sum_{k=0}^{n-1} a_k", "Σₖ₌₀ⁿ⁻¹ aₖ"),
        (r"\sum_{c=1}^{C} y_c", "Σ_(c=1..C) y_c"),
        (r"\sum_{i=1}^{|V|} x_i", "Σ_(i=1..|V|) xᵢ"),
        (r"\sum_{i \in S} x_i", "Σ_(i∈S) xᵢ"),
        (r"\int_a^b f(x)\,dx", "∫ₐᵇ f(x) dx"),
        (r"\int_0^\infty e^{-x} dx", "∫₀^∞ e⁻ˣ dx"),
        # Other constructs.
        (r"\sqrt[3]{x}", "³√x"),
        (r"\max_j z_j", "maxⱼ zⱼ"),
        (r"\mathcal{L}", "ℒ"),
        (r"x \le 3", "x ≤ 3"),
        (r"\|x\|_2", "‖x‖₂"),
        (r"\text{if } x > 0", "if x > 0"),
        (r"\text{a & b < c}", "a & b < c"),
        # Spacing: scripts do not run into the next symbol; a function applied to its argument is one operand.
        (r"m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t", "mₜ = β₁ mₜ₋₁ + (1 − β₁)gₜ"),
        (r"p_i = \frac{\exp(z_i / T)}{\sum_{j} \exp(z_j / T)}", "pᵢ = exp(zᵢ/T)/(Σⱼ exp(zⱼ/T))"),
        (r"g_t = \nabla_{\theta} f_t(\theta_{t-1})", "gₜ = ∇_θ fₜ(θₜ₋₁)"),
        (r"\mathrm{softmax}\!\left(x\right)", "softmax(x)"),  # a negative space is no space
        (r"b_i \iff \text{kept}: x \sim p", "bᵢ ⟺ kept : x ~ p"),
        (r"f'(x) + \overline{y} + QK^\intercal", "f′(x) + y̅ + QKᵀ"),
        (r"\hat{y} = \operatorname*{arg\,max}_k p_k", "y\u0302 = arg\u2009maxₖ pₖ"),
        (r"\arg\min_{\theta} L", "arg min_θ L"),
    ],
)
def test_latex_becomes_unicode(latex: str, text: str) -> None:
    assert latex_to_unicode(latex) == text


def test_bad_latex_is_an_error_as_on_the_web() -> None:
    with pytest.raises(MarkupError) as caught:
        latex_to_unicode(r"\foo{x}")
    assert str(caught.value) == r"unknown LaTeX command \foo in '\\foo{x}'"

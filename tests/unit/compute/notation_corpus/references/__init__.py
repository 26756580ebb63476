"""The corpus's reference implementations, one module per area; each ``NAME`` has its ``sample_NAME(rng)``.

A reference is written straight from the definition with numpy, as an author's ``computed/`` module would be,
and never calls the formula checker: it is what the checker's reading of the LaTeX is compared with.
"""

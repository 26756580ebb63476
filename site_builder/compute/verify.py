"""Verified formulas, as the build uses them: the public names of the ``formulas`` package."""

from __future__ import annotations

from .formulas import SOURCES
from .formulas.check import FormulaCheck, Reference, agrees, bind, check_formula, function_defaults, perturbed_inputs
from .formulas.compile import CompiledFormula, compile_formula
from .formulas.notation import GUIDE
from .formulas.read import read_formula, right_hand_side
from .formulas.syntax import FormulaError, Unverifiable, symbol_name

__all__ = [
    "GUIDE",
    "SOURCES",
    "CompiledFormula",
    "FormulaCheck",
    "FormulaError",
    "Reference",
    "Unverifiable",
    "agrees",
    "bind",
    "check_formula",
    "compile_formula",
    "function_defaults",
    "perturbed_inputs",
    "read_formula",
    "right_hand_side",
    "symbol_name",
]

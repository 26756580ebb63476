"""Compute stage: the reference code in ``computed/`` run, its results cached, formulas verified against it."""

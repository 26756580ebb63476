"""Broken."""


def steps(x):
    return {"y": x +}

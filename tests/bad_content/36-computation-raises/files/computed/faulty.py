"""Reference implementations that misbehave, for the bad-content tests."""


def raises(x):
    """Divides by zero."""
    return {"y": x / 0}


def returns_nan(x):
    """Returns NaN."""
    return {"y": float("nan") * x}


def returns_a_number(x):
    """Returns a bare number instead of named steps."""
    return x

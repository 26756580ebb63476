"""Check stage: every internal link reaches its target, every XML output is well-formed."""

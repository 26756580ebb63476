"""Reference implementations: plain numpy functions whose results and source appear in the newsletter."""

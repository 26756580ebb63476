"""``build-site serve``: the live preview, rebuilt in memory on every save."""

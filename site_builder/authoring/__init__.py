"""What helps authors: the publishing calendar, ``init``, ``new``, and the authoring reference."""

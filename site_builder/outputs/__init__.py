"""What a site is made of: every output as a job (pages, editions, search, feed, cards) and how to make it."""

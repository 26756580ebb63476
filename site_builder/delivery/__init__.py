"""Delivering an issue to its subscribers by email, each exactly once: ``build-site send`` and ``build-site subscribers``.

The pieces, each in its own module:

- ``issue``: the one way in from the build: the email edition of a day (``email_edition``);
- ``settings``: the server, the list and the unsubscribe secret, from ``site.yaml`` and the environment;
- ``subscribers``: the CSV subscriber list, read strictly and rewritten atomically under a lock;
- ``unsubscribe``: per-recipient signed unsubscribe links and the ``List-Unsubscribe`` headers;
- ``messages``: one message per recipient from the edition (``site_builder.outputs.email.mime`` writes it);
- ``ledger``: the SQLite record of every attempt, which makes a rerun send only what was not accepted;
- ``smtp``: one SMTP session, which says exactly when the server has taken a message;
- ``send``: the run: checks, the list, the ledger, retries, the rate limit, the summary;
- ``commands``: the click commands.
"""

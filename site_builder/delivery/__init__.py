"""Delivering an issue to its subscribers by email, each exactly once: ``build-site send`` and ``build-site subscribers``.

The subscription service that changes the store (sign-ups, unsubscribes, bounces) is ``site_builder.subscriptions``.

The pieces, each in its own module:

- ``issue``: the one way in from the build: the email edition of a day (``email_edition``);
- ``settings``: the server, the list and the unsubscribe secret, from ``site.yaml`` and the environment;
- ``store``: the subscriber store (SQLite): each reader's status, consent, history and bounces, shared with the service;
- ``migration``: the store ``site.yaml`` names, and a list kept as CSV imported into it on first use;
- ``subscribers``: a reader's row and its checks, and CSV lists read strictly (imports, older lists);
- ``unsubscribe``: readers' opaque tokens (confirm, unsubscribe) and the ``List-Unsubscribe`` headers;
- ``messages``: one message per recipient from the edition (``site_builder.outputs.email.mime`` writes it);
- ``ledger``: the SQLite record of every attempt, which makes a rerun send only what was not accepted;
- ``smtp``: one SMTP session, which says exactly when the server has taken a message;
- ``send``: the run: checks, the list, the ledger, retries, the rate limit, the summary;
"""

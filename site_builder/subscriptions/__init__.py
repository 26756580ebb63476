"""The subscription service: sign-up with double opt-in, one-click unsubscribing, bounces and complaints.

The pieces, each in its own module:

- ``config``: what the service needs, from ``site.yaml`` and the environment (the same as ``send``);
- ``app``: the Starlette application: its routes, and the answers they give;
- ``pages``: its pages, in the site's theme (``subscription.html``);
- ``writer``: the changes to the store, many to a transaction, each committed before its answer;
- ``outbox``: the confirmation mails, queued in the store and sent (and retried) by a worker thread;
- ``limits``: sign-ups limited per address and per client;
- ``accesslog``: one JSON line per request, with neither addresses nor tokens;
- ``bounces``: bounce reports (RFC 3464) and complaints (ARF, RFC 5965) from a Maildir, matched to readers;
- ``webhooks``: the bounce and complaint events of Postmark and Amazon SES (through SNS);
- ``sending``: ``POST /send``, by which a job elsewhere starts ``send`` on the host that keeps the list and the ledger;
- ``server``: ``build-site subscriptions serve``: the application under uvicorn.

The subscribers themselves are in ``site_builder.delivery.store``, shared with ``send``.
"""

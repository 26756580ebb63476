"""The service's routes: sign-up, confirm, unsubscribe (RFC 8058 one-click and the page), webhooks, health.

    POST /subscribe      the site's form: a pending subscription and its confirmation mail; the same page whatever
                         the address (known, new, already subscribed), so the form tells nobody who reads the list
    GET  /confirm        a page whose button confirms; the GET itself changes nothing (mail scanners follow links)
    POST /confirm        confirms the subscription the token was made for, once
    GET  /unsubscribe    a page whose button unsubscribes; changes nothing
    POST /unsubscribe    unsubscribes at once: the one-click POST (body ``List-Unsubscribe=One-Click``) or the button
    POST /webhooks/...   bounce and complaint events of a provider (``webhooks``)
    POST /send           the scheduled job's "send today's issue now", to the host that keeps the list (``sending``)
    GET  /images/PATH    an image a hosted message shows (``email.images``), kept for good in the store
    GET  /health         200 and the number of queued mails while the store answers

Every handler reads the store on the event loop's thread and changes it through
the ``Writer``, which commits each change (``synchronous=FULL``) before the answer
leaves: a service killed at any moment has lost no change it confirmed to anyone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..delivery.migration import open_store
from ..delivery.store import Store
from ..delivery.subscribers import row_problem
from ..delivery.unsubscribe import CONFIRM, ONE_CLICK, TOKEN_PARAMETER, UNSUBSCRIBE, Claim, read_token
from ..outputs.email.mime import image_type
from .accesslog import AccessLog
from .config import ServiceConfig
from .limits import RateLimit
from .outbox import Outbox
from .pages import Form, Pages
from .sending import send_routes
from .webhooks import fetch, webhook_routes
from .writer import Writer

MAX_BODY = 16_384
"""Bytes of a form or webhook body: a sign-up is a few dozen, an SNS notification a few thousand."""
HONEYPOT = "website"
"""A field the form hides from people; a bot that fills it is answered as if it had signed up, and nothing happens."""
ADDRESS_FIELD = "email"


class Service:
    """The application's state: the store, the outbox, the pages, the limits."""

    def __init__(self, config: ServiceConfig, *, today: Callable[[], dt.date] | None = None) -> None:
        self.config = config
        self.store = open_store(config.delivery.subscribers, config.delivery.subscribers_shown)
        self.outbox = Outbox(config, Store.open(self.store.path, self.store.shown))
        self.writer = Writer(Store.open(self.store.path, self.store.shown))
        self.pages = Pages(config.root, config.site)
        self.per_address = RateLimit(config.signups_per_address)
        self.per_client = RateLimit(config.signups_per_client)
        self.today = today or (lambda: dt.datetime.now(dt.UTC).date())
        self.fetch_certificate = fetch
        """Fetches an SNS certificate or subscription link (a test puts its own here)."""

    def claim(self, purpose: str, token: str) -> Claim | None:
        return read_token(self.config.secret, self.config.delivery.list_key, purpose, token, self.today())

    def html(self, status: int, heading: str, *lines: str, form: Form | None = None) -> HTMLResponse:
        return HTMLResponse(self.pages.page(heading, *lines, form=form), status_code=status, headers=_PRIVATE)


_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


def make_app(config: ServiceConfig, *, start_outbox: bool = True) -> Starlette:
    """The ASGI application of the service for ``config``."""
    service = Service(config)
    title = config.site.title

    async def subscribe(request: Request) -> Response:
        form = await _form(request)
        if form is None:
            return PlainTextResponse("Request body too large", status_code=413)
        address = str(form.get(ADDRESS_FIELD, "")).strip()
        sent = service.html(
            200,
            "Check your inbox",
            f"If the address you gave can receive mail, a message to confirm your subscription to {title} is on its way.",
            "Open it and press the button on the page its link opens: nothing is sent to you before that.",
        )
        if form.get(HONEYPOT):
            return sent
        client = request.client.host if request.client else ""
        if not service.per_client.allow(client) or not service.per_address.allow(address.lower()):
            return service.html(429, "Too many sign-ups", "Please wait an hour and try again.")
        problem = row_problem(address, "")
        if problem is not None:
            return service.html(400, "That address cannot receive mail", problem, "Go back and check it.")
        await service.writer.change(
            lambda store: store.subscribe(address, "", "form", "the sign-up form", confirmed=False)
        )
        service.outbox.wake()
        return sent

    async def confirm(request: Request) -> Response:
        if request.method == "GET":
            token = request.query_params.get(TOKEN_PARAMETER, "")
            claim = service.claim(CONFIRM, token)
            reader = service.store.by_id(claim.subscriber) if claim else None
            if claim is None or reader is None or reader.epoch != claim.epoch or reader.status != "pending":
                return _spent(service, "confirm")
            form = Form(f"{config.url}confirm", token, "Confirm my subscription")
            return service.html(
                200, f"Confirm your subscription to {title}", "Press the button to start receiving it.", form=form
            )
        form_data = await _form(request)
        claim = service.claim(CONFIRM, str((form_data or {}).get(TOKEN_PARAMETER, "")))
        if claim is None or not await service.writer.change(lambda store: store.confirm(claim.subscriber, claim.epoch)):
            return _spent(service, "confirm")
        return service.html(200, "You are subscribed", f"The next issue of {title} will be in your inbox.")

    async def unsubscribe(request: Request) -> Response:
        token = request.query_params.get(TOKEN_PARAMETER, "")
        if request.method == "GET" and not token:  # the link of the issues' public copies on the site
            return _how_to_leave(service)
        if request.method == "GET":
            claim = service.claim(UNSUBSCRIBE, token)
            reader = service.store.by_id(claim.subscriber) if claim else None
            if claim is None or reader is None or reader.epoch != claim.epoch:
                return _spent(service, "unsubscribe")
            form = Form(f"{config.url}unsubscribe", token, "Unsubscribe")
            return service.html(
                200, f"Unsubscribe from {title}?", "Press the button and you get no more issues.", form=form
            )
        form_data = await _form(request)
        if form_data is None:
            return PlainTextResponse("Request body too large", status_code=413)
        one_click = form_data.get("List-Unsubscribe") == ONE_CLICK.partition("=")[2]
        claim = service.claim(UNSUBSCRIBE, token or str(form_data.get(TOKEN_PARAMETER, "")))
        reader = service.store.by_id(claim.subscriber) if claim else None
        if claim is None or reader is None or reader.epoch != claim.epoch:
            return _spent(service, "unsubscribe")
        how = "one-click" if one_click else "page"
        # Already unsubscribed: nothing changes, and the answer is the same.
        await service.writer.change(lambda store: store.set_status(reader.id, "unsubscribed", how, epoch=claim.epoch))
        return service.html(200, "You are unsubscribed", f"You will get no more issues of {title}.")

    async def image(request: Request) -> Response:
        path = request.path_params["path"]
        data = service.store.image(path)
        if data is None:
            return PlainTextResponse("Not Found", status_code=404)
        # Named after its bytes: the same address is always the same image.
        return Response(
            data, media_type=image_type(path), headers={"Cache-Control": "public, max-age=31536000, immutable"}
        )

    async def health(request: Request) -> Response:
        queued = service.store.connection.execute("SELECT count(*) FROM outbox WHERE state = 'queued'").fetchone()[0]
        return JSONResponse({"status": "ok", "queued": queued}, headers=_PRIVATE)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service.writer.start()
        if start_outbox:
            service.outbox.start()
        try:
            yield
        finally:
            service.outbox.stop()
            service.writer.stop()

    routes = [
        Route("/subscribe", subscribe, methods=["POST"]),
        Route("/confirm", confirm, methods=["GET", "POST"]),
        Route("/unsubscribe", unsubscribe, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/images/{path:path}", image, methods=["GET"]),
        *webhook_routes(service),
        *send_routes(service),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.service = service
    app.add_middleware(AccessLog)
    return app


async def _form(request: Request) -> dict[str, Any] | None:
    """The form fields of the request's body, or None when it is too large."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return None
    async with request.form(max_files=0, max_fields=20) as form:
        return {key: value for key, value in form.items() if isinstance(value, str)}


def _how_to_leave(service: Service) -> HTMLResponse:
    """The unsubscribe page without a token: the site's copies of an issue link here, for whoever reads them."""
    mailto = service.config.delivery.unsubscribing.mailto
    return service.html(
        200,
        f"Unsubscribe from {service.config.site.title}",
        "Every issue mailed to you ends with an Unsubscribe link of your own: open it from the newest one you "
        "received and press the button.",
        *([f"Or write to {mailto} from the address you subscribed with: it leaves the list."] if mailto else []),
    )


def _spent(service: Service, what: str) -> HTMLResponse:
    """A token that is forged, changed, expired, of another list, used already or of a subscription since renewed."""
    return service.html(
        400,
        "This link does not work any more",
        f"It has expired, was used already, or was not made by {service.config.site.title}.",
        "To subscribe, use the form on the site; to unsubscribe, use the link in the newest issue you received."
        if what == "unsubscribe"
        else "Sign up again with the form on the site: a new link is mailed to you.",
    )

"""What the service needs: the settings ``send`` uses (server, store, secret), and the service's own address."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..content.load import load_site
from ..content.settings import SiteConfig
from ..delivery.settings import SEND_TOKEN, SITE_FILE, WEBHOOK_TOKEN, DeliveryConfig, delivery_config
from ..errors import ConfigError, Problem


@dataclass(frozen=True)
class ServiceConfig:
    """The service's settings."""

    root: Path
    site: SiteConfig
    delivery: DeliveryConfig
    url: str
    """The service's public address, ending in ``/`` (``email.service_url``)."""
    webhook_token: str = ""
    """The shared secret a provider's webhook must present (``BUILD_SITE_WEBHOOK_TOKEN``); empty: no webhooks."""
    send_token: str = ""
    """The bearer token of ``POST /send`` (``BUILD_SITE_SEND_TOKEN``); empty: no such route."""

    @property
    def secret(self) -> bytes:
        return self.delivery.unsubscribing.secret

    @property
    def signups_per_address(self) -> int:
        """Sign-ups of one address an hour: enough to retry, too few to flood a stranger's mailbox."""
        return self.site.delivery.signups_per_address

    @property
    def signups_per_client(self) -> int:
        return self.site.delivery.signups_per_client


def service_config(root: Path, environ: Mapping[str, str] = os.environ) -> ServiceConfig:
    """The settings of the service for the project at ``root``; every problem at once as a ``ConfigError``."""
    site = load_site(root)
    if not site.email.service_url:
        raise ConfigError(
            Problem(
                SITE_FILE,
                field="email.service_url",
                message="not set: the service needs its public address (e.g. https://lists.example.org/)",
            )
        )
    delivery = delivery_config(root, root / "output", site, environ, connect=True)
    return ServiceConfig(
        root,
        site,
        delivery,
        site.email.service_url,
        webhook_token=environ.get(WEBHOOK_TOKEN.name, ""),
        send_token=environ.get(SEND_TOKEN.name, ""),
    )

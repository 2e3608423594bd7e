"""Webhooks: the URL policy of `langgraph.json`'s `webhooks` section, and the activity that POSTs a
finished run to its `webhook`.

As on the official server:
- `webhooks.url`: `require_https` (false), `allowed_domains` (exact hosts and `*.suffix`),
  `allowed_ports`, `max_url_length` (4096), `disable_loopback` (true: localhost and loopback
  addresses are refused), `disable_private_ips` (false). Cloud metadata addresses are always
  refused. A URL the policy refuses is a 422 when the run is created.
- `webhooks.headers`: sent with every call; a value may name environment variables as
  `${{ env.NAME }}` (resolved when the server starts).
- `webhooks.allowed_fields`: the payload keys to send (all when absent).
- `http.disable_webhooks`: no webhook is called.

The call is a Temporal activity of the run's webhook workflow (workflows/webhook.py): bounded
attempts with backoff, each with a timeout; a 4xx answer other than 408 and 429 is not retried.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.graphs import GraphLoadError, read_config

_ENV_TEMPLATE = re.compile(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_LOCALHOST_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
# Cloud metadata services (AWS, GCP, Azure, Alibaba, Oracle): never a webhook's target.
_METADATA_NETWORKS = [ipaddress.ip_network(n) for n in ("169.254.169.254/32", "100.100.100.200/32", "fd00:ec2::254/128")]
_METADATA_NAMES = {"metadata.google.internal", "metadata"}
CONNECT_TIMEOUT_SECS = 5.0
REQUEST_TIMEOUT_SECS = 30.0


class WebhookConfigError(GraphLoadError):
    """`langgraph.json`'s `webhooks` section cannot be used; the message says which key and why."""


class WebhookRefused(ValueError):
    """The URL breaks the webhook policy; the message is the API's 422 detail."""


@dataclass(frozen=True)
class WebhookPolicy:
    require_https: bool = False
    allowed_domains: tuple[str, ...] = ()
    allowed_ports: tuple[int, ...] = ()
    max_url_length: int = 4096
    disable_loopback: bool = True
    disable_private_ips: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    allowed_fields: frozenset[str] = frozenset()
    disabled: bool = False

    def _host_allowed(self, host: str) -> bool:
        for pattern in self.allowed_domains:
            pattern = pattern.strip().lower()
            if pattern.startswith("*.") and host.endswith("." + pattern[2:]) or host == pattern:
                return True
        return False

    async def check(self, url: str) -> None:
        """Raise `WebhookRefused` unless the policy lets a run call `url`."""
        if len(url) > self.max_url_length:
            raise WebhookRefused("Webhook URL too long")
        if url.startswith("/"):
            raise WebhookRefused(
                "Webhook URL must be absolute (http:// or https://): relative URLs would call this "
                "server's own routes, which this server does not do"
            )
        parsed = urlparse(url)
        scheme = (parsed.scheme or "").lower()
        if scheme not in ("http", "https"):
            raise WebhookRefused(f"Webhook host blocked: scheme '{scheme}' not allowed")
        if self.require_https and scheme != "https":
            raise WebhookRefused("Webhook must use https")
        try:
            port = parsed.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise WebhookRefused("Webhook URL has an invalid port") from None
        if self.allowed_ports and port not in self.allowed_ports:
            raise WebhookRefused(f"Webhook port {port} not allowed")
        host = (parsed.hostname or "").lower()
        if not host:
            raise WebhookRefused(f"Invalid webhook hostname '{host}'")
        explicitly_allowed = self._host_allowed(host)
        if self.allowed_domains and not explicitly_allowed:
            raise WebhookRefused("Webhook domain not allowed")
        if host in _METADATA_NAMES:
            raise WebhookRefused("Webhook host blocked: cloud metadata endpoint")
        if explicitly_allowed:
            return
        if host in _LOCALHOST_NAMES:
            if self.disable_loopback:
                raise WebhookRefused("Webhook host blocked: localhost address")
            return
        try:
            found = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise WebhookRefused("Webhook host blocked: DNS resolution failed") from None
        for *_rest, address in found:
            self._check_address(ipaddress.ip_address(address[0]))

    def _check_address(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in network for network in _METADATA_NETWORKS):
            raise WebhookRefused("Webhook host blocked: cloud metadata endpoint")
        if ip.is_loopback or ip.is_unspecified:
            if self.disable_loopback:
                raise WebhookRefused("Webhook host blocked: loopback address")
            return
        if self.disable_private_ips and (ip.is_private or ip.is_link_local or ip.is_reserved):
            raise WebhookRefused("Webhook host blocked: private IP address")

    def payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload as sent: only `allowed_fields` when the policy names them."""
        if not self.allowed_fields:
            return payload
        return {k: v for k, v in payload.items() if k in self.allowed_fields}


def _env_values(value: str, where: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise WebhookConfigError(f"{where}: the environment variable {name} is not set")
        return os.environ[name]

    return _ENV_TEMPLATE.sub(substitute, value)


def webhook_policy(config: dict[str, Any]) -> WebhookPolicy:
    """The policy of a `langgraph.json` (its `webhooks` and `http.disable_webhooks` keys)."""
    section = config.get("webhooks") or {}
    if not isinstance(section, dict):
        raise WebhookConfigError(f"webhooks: expected an object, got {section!r}")
    url = section.get("url") or {}
    if not isinstance(url, dict):
        raise WebhookConfigError(f"webhooks.url: expected an object, got {url!r}")
    known = {"require_https", "allowed_domains", "allowed_ports", "max_url_length", "disable_loopback", "disable_private_ips"}
    unknown = set(url) - known
    if unknown:
        raise WebhookConfigError(f"webhooks.url: unknown keys {sorted(unknown)} (known: {sorted(known)})")
    ports = url.get("allowed_ports") or ()
    if not all(isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536 for p in ports):
        raise WebhookConfigError(f"webhooks.url.allowed_ports: expected port numbers, got {ports!r}")
    headers = section.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise WebhookConfigError("webhooks.headers: expected an object of strings")
    http = config.get("http") or {}
    return WebhookPolicy(
        require_https=bool(url.get("require_https", False)),
        allowed_domains=tuple(url.get("allowed_domains") or ()),
        allowed_ports=tuple(ports),
        max_url_length=int(url.get("max_url_length", 4096)),
        disable_loopback=bool(url.get("disable_loopback", True)),
        disable_private_ips=bool(url.get("disable_private_ips", False)),
        headers={str(k): _env_values(v, f"webhooks.headers.{k}") for k, v in headers.items()},
        allowed_fields=frozenset(section.get("allowed_fields") or ()),
        disabled=bool(isinstance(http, dict) and http.get("disable_webhooks")),
    )


def project_webhook_policy(config_path: Any) -> WebhookPolicy:
    return webhook_policy(read_config(config_path))


@dataclass(frozen=True)
class WebhookCall:
    """One finished run's webhook: where to, and the official payload (before `allowed_fields`)."""

    url: str
    payload: dict[str, Any]


def _retryable(status: int) -> bool:
    return status >= 500 or status in (408, 429)


class WebhookActivities:
    """The worker's webhook sender (one HTTP client for every call)."""

    def __init__(self, policy: WebhookPolicy) -> None:
        self._policy = policy
        self._client: httpx.AsyncClient | None = None

    @activity.defn(name="send_webhook")
    async def send_webhook(self, call: WebhookCall) -> int | None:
        """POST the payload; the answer's status, or None when webhooks are disabled."""
        if self._policy.disabled:
            activity.logger.info("webhooks are disabled (http.disable_webhooks): not calling %s", call.url)
            return None
        try:
            await self._policy.check(call.url)  # again: the policy may have changed since the run began
        except WebhookRefused as exc:
            raise ApplicationError(str(exc), type="WebhookRefused", non_retryable=True) from None
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(REQUEST_TIMEOUT_SECS, connect=CONNECT_TIMEOUT_SECS), follow_redirects=False
            )
        payload = self._policy.payload({**call.payload, "webhook_sent_at": datetime.now(timezone.utc).isoformat()})
        try:
            answer = await self._client.post(call.url, json=payload, headers=self._policy.headers)
        except httpx.HTTPError as exc:
            raise ApplicationError(f"webhook {call.url}: {type(exc).__name__}: {exc}", type="WebhookUnreachable") from exc
        if answer.status_code >= 400:
            raise ApplicationError(
                f"webhook {call.url} answered {answer.status_code}",
                type="WebhookRejected",
                non_retryable=not _retryable(answer.status_code),
            )
        return answer.status_code

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

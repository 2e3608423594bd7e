"""Webhooks: the URL policy of `langgraph.json`'s `webhooks` section, and the activity that POSTs a
finished run to its `webhook`.

As on the official server:
- `webhooks.url`: `require_https`, `allowed_domains` (exact hosts and `*.suffix`),
  `allowed_ports`, `max_url_length`, `disable_loopback` (true: localhost and loopback addresses are
  refused), `disable_private_ips` (false). Without a `url` section https is not required and URLs
  may be 4096 characters; with one, `require_https` defaults to true and `max_url_length` to 2048.
  Cloud metadata addresses are always refused. A URL the policy refuses is a 422 at creation.
- `webhooks.headers`: sent with every call; a value may name environment variables as
  `${{ env.NAME }}`, resolved when the server starts; NAME must start with `webhooks.env_prefix`
  (default `LG_WEBHOOK_`), so a header cannot leak any other variable.
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

_LOCALHOST_NAMES = {"localhost", "localhost.localdomain", "host.docker.internal", "ip6-localhost", "ip6-loopback"}
# Cloud metadata services (AWS, GCP, Azure, Alibaba, Oracle): never a webhook's target.
# (Link-local 169.254/16 holds AWS, GCP, Azure and ECS task metadata.)
_METADATA_NETWORKS = [ipaddress.ip_network(n) for n in ("169.254.0.0/16", "100.100.100.200/32", "fd00:ec2::254/128", "fe80::/10")]
_NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]
_METADATA_NAMES = {"metadata.google.internal", "metadata"}
CONNECT_TIMEOUT_SECS = 5.0
REQUEST_TIMEOUT_SECS = 30.0


class WebhookConfigError(GraphLoadError):
    """`langgraph.json`'s `webhooks` section cannot be used; the message says which key and why."""


class WebhookRefused(ValueError):
    """The URL breaks the webhook policy; the message is the API's 422 detail."""


class WebhookUnresolvable(WebhookRefused):
    """Its host name does not resolve: a 422 at creation, a retried attempt at delivery."""


@dataclass(frozen=True)
class WebhookTarget:
    """A checked webhook URL and the addresses it resolved to: the call connects to one of these
    (with the URL's host name for `Host` and TLS), so a second DNS answer cannot redirect it."""

    url: str
    host: str
    port: int
    scheme: str
    addresses: tuple[str, ...]

    def pinned(self) -> tuple[str, dict[str, str], dict[str, Any]]:
        """The URL with its host replaced by the first checked address, the `Host` header, and the
        request extensions (TLS server name) that keep the call addressed to the host name."""
        parsed = urlparse(self.url)
        ip = ipaddress.ip_address(self.addresses[0])
        literal = f"[{ip}]" if ip.version == 6 else str(ip)
        netloc = f"{literal}:{self.port}"
        default_port = 443 if self.scheme == "https" else 80
        host_header = self.host if self.port == default_port else f"{self.host}:{self.port}"
        extensions = {"sni_hostname": self.host} if self.scheme == "https" else {}
        return parsed._replace(netloc=netloc).geturl(), {"Host": host_header}, extensions


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4, Teredo), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    packed = ip.packed
    if packed[:12] == bytes(12) and packed[12:] != bytes(4) and int(ip) > 1:  # ::a.b.c.d (not ::, ::1)
        return ipaddress.IPv4Address(packed[12:])
    if any(ip in network for network in _NAT64):
        return ipaddress.IPv4Address(packed[12:])
    return None


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

    async def check(self, url: str) -> "WebhookTarget":
        """The checked target of `url` (the addresses a call may connect to), or `WebhookRefused`."""
        if len(url) > self.max_url_length:
            raise WebhookRefused("Webhook URL too long")
        if url.startswith("/"):
            raise WebhookRefused(
                "Webhook URL must be absolute (http:// or https://): relative URLs would call this "
                "server's own routes, which this server does not do"
            )
        try:
            parsed = urlparse(url)
            port = parsed.port
            host = (parsed.hostname or "").lower()
        except ValueError as exc:
            raise WebhookRefused(f"Invalid webhook URL: {exc}") from None
        scheme = (parsed.scheme or "").lower()
        if scheme not in ("http", "https"):
            raise WebhookRefused(f"Webhook host blocked: scheme '{scheme}' not allowed")
        if self.require_https and scheme != "https":
            raise WebhookRefused("Webhook must use https")
        port = port or (443 if scheme == "https" else 80)
        if self.allowed_ports and port not in self.allowed_ports:
            raise WebhookRefused(f"Webhook port {port} not allowed")
        if not host:
            raise WebhookRefused(f"Invalid webhook hostname '{host}'")
        explicitly_allowed = self._host_allowed(host)
        if self.allowed_domains and not explicitly_allowed:
            raise WebhookRefused("Webhook domain not allowed")
        if host in _METADATA_NAMES:
            raise WebhookRefused("Webhook host blocked: cloud metadata endpoint")
        if host in _LOCALHOST_NAMES and self.disable_loopback and not explicitly_allowed:
            raise WebhookRefused("Webhook host blocked: localhost address")
        try:
            found = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
            raise WebhookUnresolvable(f"Webhook host blocked: DNS resolution failed ({exc})") from None
        addresses = []
        for *_rest, address in found:
            ip = ipaddress.ip_address(address[0].split("%", 1)[0])
            # Metadata services are refused even for an allowed domain; the rest it may bypass.
            self._check_address(ip, metadata_only=explicitly_allowed)
            addresses.append(str(ip))
        return WebhookTarget(url=url, host=host, port=port, scheme=scheme, addresses=tuple(addresses))

    def _check_address(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, metadata_only: bool = False) -> None:
        candidates = [ip, *([_embedded_ipv4(ip)] if isinstance(ip, ipaddress.IPv6Address) and _embedded_ipv4(ip) else [])]
        if any(c in network for c in candidates for network in _METADATA_NETWORKS):
            raise WebhookRefused("Webhook host blocked: cloud metadata endpoint")
        if metadata_only:
            return
        if any(c.is_loopback or c.is_unspecified for c in candidates):
            if self.disable_loopback:
                raise WebhookRefused("Webhook host blocked: loopback address")
            return
        if self.disable_private_ips and any(c.is_private or c.is_link_local or c.is_reserved for c in candidates):
            raise WebhookRefused("Webhook host blocked: private IP address")

    def payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The payload as sent: only `allowed_fields` when the policy names them."""
        if not self.allowed_fields:
            return payload
        return {k: v for k, v in payload.items() if k in self.allowed_fields}


# The payload fields `allowed_fields` may name (the official list).
PAYLOAD_FIELDS = frozenset({
    "run_id", "thread_id", "assistant_id", "created_at", "updated_at", "metadata", "kwargs", "multitask_strategy",
    "status", "run_started_at", "run_ended_at", "webhook_sent_at", "values", "error",
})
_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}")


def _env_values(value: str, where: str, env_prefix: str) -> str:
    """`${{ env.NAME }}` replaced by the variable, which must start with `env_prefix` (an allow-list:
    a header cannot leak any other variable) and be set."""

    def substitute(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        if not expression.startswith("env."):
            raise WebhookConfigError(f"{where}: only env.VAR references are allowed (e.g. ${{{{ env.{env_prefix}TOKEN }}}})")
        name = expression[len("env."):]
        if not name or "." in name:
            raise WebhookConfigError(f"{where}: invalid env reference {name!r}: use env.VAR with no dots")
        if env_prefix and not name.startswith(env_prefix):
            raise WebhookConfigError(f"{where}: the environment variable {name} must start with env_prefix {env_prefix!r}")
        if name not in os.environ:
            raise WebhookConfigError(f"{where}: the environment variable {name} is not set")
        return os.environ[name]

    return _TEMPLATE.sub(substitute, value)


def webhook_policy(config: dict[str, Any]) -> WebhookPolicy:
    """The policy of a `langgraph.json` (its `webhooks` and `http.disable_webhooks` keys). As the
    official server: a `url` section turns on its strict defaults (https only, 2048 characters)."""
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
    if not isinstance(ports, list | tuple) or not all(isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536 for p in ports):
        raise WebhookConfigError(f"webhooks.url.allowed_ports: expected port numbers, got {ports!r}")
    domains = url.get("allowed_domains") or []
    if not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
        raise WebhookConfigError(f"webhooks.url.allowed_domains: expected a list of strings, got {domains!r}")
    for domain in domains:
        if "*" in domain and not (domain.startswith("*.") and "*" not in domain[2:]):
            raise WebhookConfigError(f"webhooks.url.allowed_domains: a wildcard must be a prefix, '*.domain'; got {domain!r}")
    fields = section.get("allowed_fields")
    if fields is not None:
        if not isinstance(fields, list) or not all(isinstance(v, str) for v in fields):
            raise WebhookConfigError(f"webhooks.allowed_fields: expected a list of strings, got {fields!r}")
        invalid = sorted(set(fields) - PAYLOAD_FIELDS)
        if invalid:
            raise WebhookConfigError(f"webhooks.allowed_fields: unknown fields {invalid} (valid: {sorted(PAYLOAD_FIELDS)})")
    max_length = url.get("max_url_length", 2048 if url else 4096)
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length <= 0:
        raise WebhookConfigError(f"webhooks.url.max_url_length: expected a positive integer, got {max_length!r}")
    headers = section.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise WebhookConfigError("webhooks.headers: expected an object of strings")
    env_prefix = section.get("env_prefix", "LG_WEBHOOK_")
    if not isinstance(env_prefix, str):
        raise WebhookConfigError(f"webhooks.env_prefix: expected a string, got {env_prefix!r}")
    http = config.get("http") or {}
    return WebhookPolicy(
        require_https=bool(url.get("require_https", bool(url))),
        allowed_domains=tuple(domains),
        allowed_ports=tuple(ports),
        max_url_length=max_length,
        disable_loopback=bool(url.get("disable_loopback", True)),
        disable_private_ips=bool(url.get("disable_private_ips", False)),
        headers={str(k): _env_values(v, f"webhooks.headers.{k}", env_prefix) for k, v in headers.items()},
        allowed_fields=frozenset(fields or ()),
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
            # Again: the policy may have changed since the run began, and the name may resolve elsewhere now.
            target = await self._policy.check(call.url)
        except WebhookUnresolvable as exc:  # DNS may come back: the next attempt tries again
            raise ApplicationError(str(exc), type="WebhookUnresolvable") from None
        except WebhookRefused as exc:
            raise ApplicationError(str(exc), type="WebhookRefused", non_retryable=True) from None
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(REQUEST_TIMEOUT_SECS, connect=CONNECT_TIMEOUT_SECS), follow_redirects=False
            )
        payload = self._policy.payload({**call.payload, "webhook_sent_at": datetime.now(timezone.utc).isoformat()})
        url, host, extensions = target.pinned()  # to the address just checked, not a fresh DNS answer
        try:
            answer = await self._client.post(url, json=payload, headers={**self._policy.headers, **host}, extensions=extensions)
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

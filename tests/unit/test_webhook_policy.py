"""The webhook URL policy of `langgraph.json` (`webhooks.url`, `headers`, `allowed_fields`)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import pytest

from activities.webhooks import WebhookConfigError, WebhookPolicy, WebhookRefused, WebhookTarget, webhook_policy


# Names the tests resolve without a network; IP literals resolve to themselves.
FAKE_DNS = {
    "hooks.example.com": "93.184.215.14",
    "a.corp.example": "93.184.215.15",
    "metadata-rebind.corp.example": "169.254.169.254",
    "localhost": "127.0.0.1",
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def resolve(host: str, port: int, *args: object, **kwargs: object) -> object:
        if host in FAKE_DNS:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (FAKE_DNS[host], port))]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise socket.gaierror(-2, "Name or service not known") from None
        return real(host, port, *args, **kwargs)  # a literal: no DNS

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def refused(policy: WebhookPolicy, url: str) -> str | None:
    try:
        asyncio.run(policy.check(url))
    except WebhookRefused as exc:
        return str(exc)
    return None


def test_defaults_refuse_loopback_and_metadata_but_allow_public_addresses() -> None:
    policy = webhook_policy({})
    assert refused(policy, "http://127.0.0.1:9/hook") == "Webhook host blocked: loopback address"
    assert refused(policy, "http://localhost/hook") == "Webhook host blocked: localhost address"
    assert refused(policy, "http://[::1]/hook") == "Webhook host blocked: loopback address"
    assert refused(policy, "http://169.254.169.254/latest") == "Webhook host blocked: cloud metadata endpoint"
    assert refused(policy, "http://93.184.215.14/hook") is None
    assert refused(policy, "http://10.1.2.3/hook") is None  # private IPs: allowed unless disabled
    assert refused(policy, "ftp://93.184.215.14/x") == "Webhook host blocked: scheme 'ftp' not allowed"
    assert refused(policy, "/runs/hook").startswith("Webhook URL must be absolute")  # type: ignore[union-attr]
    assert refused(policy, "http:///nohost") == "Invalid webhook hostname ''"
    assert refused(policy, "http://93.184.215.14/" + "x" * 5000) == "Webhook URL too long"


def test_every_url_rule() -> None:
    policy = webhook_policy({"webhooks": {"url": {
        "require_https": True, "allowed_domains": ["hooks.example.com", "*.corp.example"],
        "allowed_ports": [443, 8443], "disable_private_ips": True, "disable_loopback": False, "max_url_length": 60,
    }}})
    assert refused(policy, "http://hooks.example.com/x") == "Webhook must use https"
    assert refused(policy, "https://hooks.example.com:8080/x") == "Webhook port 8080 not allowed"
    assert refused(policy, "https://evil.example.com/x") == "Webhook domain not allowed"
    assert refused(policy, "https://corp.example/x") == "Webhook domain not allowed"  # the wildcard needs a subdomain
    assert refused(policy, "https://a.corp.example:8443/x") is None
    assert refused(policy, "https://hooks.example.com/x") is None
    assert refused(policy, "https://hooks.example.com/" + "x" * 60) == "Webhook URL too long"
    private = webhook_policy({"webhooks": {"url": {"disable_private_ips": True, "require_https": False}}})
    assert refused(private, "http://10.1.2.3/hook") == "Webhook host blocked: private IP address"
    loopback_ok = webhook_policy({"webhooks": {"url": {"disable_loopback": False, "require_https": False}}})
    assert refused(loopback_ok, "http://127.0.0.1:9/hook") is None


def test_headers_take_environment_values_and_fields_filter_the_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LG_WEBHOOK_TOKEN", "t0k")
    policy = webhook_policy({"webhooks": {"headers": {"Authorization": "Bearer ${{ env.LG_WEBHOOK_TOKEN }}"}, "allowed_fields": ["run_id", "status"]}})
    assert policy.headers == {"Authorization": "Bearer t0k"}
    assert policy.payload({"run_id": "r", "status": "success", "values": {}}) == {"run_id": "r", "status": "success"}
    assert webhook_policy({"http": {"disable_webhooks": True}}).disabled
    monkeypatch.delenv("LG_WEBHOOK_TOKEN")
    with pytest.raises(WebhookConfigError, match="LG_WEBHOOK_TOKEN is not set"):
        webhook_policy({"webhooks": {"headers": {"Authorization": "Bearer ${{ env.LG_WEBHOOK_TOKEN }}"}}})
    monkeypatch.setenv("HOME_SECRET", "x")
    with pytest.raises(WebhookConfigError, match="must start with env_prefix 'LG_WEBHOOK_'"):
        webhook_policy({"webhooks": {"headers": {"X": "${{ env.HOME_SECRET }}"}}})
    custom = webhook_policy({"webhooks": {"env_prefix": "HOME_", "headers": {"X": "${{ env.HOME_SECRET }}"}}})
    assert custom.headers == {"X": "x"}
    with pytest.raises(WebhookConfigError, match="unknown fields"):
        webhook_policy({"webhooks": {"allowed_fields": ["run_id", "secrets"]}})


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("yes", "webhooks: expected an object"),
        ({"url": {"https_only": True}}, r"webhooks.url: unknown keys \['https_only'\]"),
        ({"url": {"allowed_ports": ["443"]}}, "webhooks.url.allowed_ports: expected port numbers"),
        ({"headers": {"X": 1}}, "webhooks.headers: expected an object of strings"),
    ],
)
def test_a_mistake_in_the_section_names_its_key(section: object, message: str) -> None:
    with pytest.raises(WebhookConfigError, match=message):
        webhook_policy({"webhooks": section})


def test_metadata_is_refused_in_every_disguise_even_for_an_allowed_domain() -> None:
    policy = webhook_policy({"webhooks": {"url": {"allowed_domains": ["*.corp.example"], "require_https": False}}})
    assert refused(policy, "http://metadata-rebind.corp.example/x") == "Webhook host blocked: cloud metadata endpoint"
    open_policy = webhook_policy({"webhooks": {"url": {"disable_loopback": False, "require_https": False}}})
    for url in ("http://169.254.170.2/v2/credentials", "http://[::a9fe:a9fe]/", "http://[64:ff9b::a9fe:a9fe]/",
                "http://[::ffff:169.254.169.254]/", "http://[2002:a9fe:a9fe::1]/"):
        assert refused(open_policy, url) == "Webhook host blocked: cloud metadata endpoint", url


def test_malformed_urls_are_refused_not_crashed_on() -> None:
    policy = webhook_policy({})
    assert refused(policy, "http://[::1/hook").startswith("Invalid webhook URL")  # type: ignore[union-attr]
    assert refused(policy, "http://93.184.215.14:99999/x").startswith("Invalid webhook URL")  # type: ignore[union-attr]
    assert refused(policy, "http://" + "a" * 70 + ".example/x").startswith("Webhook host blocked: DNS resolution failed")  # type: ignore[union-attr]


def test_a_call_connects_to_the_address_that_was_checked() -> None:
    target = asyncio.run(webhook_policy({}).check("https://hooks.example.com/path?q=1"))
    assert target.addresses == ("93.184.215.14",)
    assert target.pinned() == ("https://93.184.215.14:443/path?q=1", {"Host": "hooks.example.com"}, {"sni_hostname": "hooks.example.com"})
    v6 = WebhookTarget(url="http://h.example:8080/x", host="h.example", port=8080, scheme="http", addresses=("2001:db8::1",))
    assert v6.pinned() == ("http://[2001:db8::1]:8080/x", {"Host": "h.example:8080"}, {})


@pytest.mark.parametrize(
    ("url_section", "message"),
    [
        ({"allowed_domains": "example.com"}, "allowed_domains: expected a list of strings"),
        ({"max_url_length": "long"}, "max_url_length: expected a positive integer"),
    ],
)
def test_list_and_number_keys_are_checked(url_section: dict[str, object], message: str) -> None:
    with pytest.raises(WebhookConfigError, match=message):
        webhook_policy({"webhooks": {"url": url_section}})
    with pytest.raises(WebhookConfigError, match="allowed_fields: expected a list of strings"):
        webhook_policy({"webhooks": {"allowed_fields": "run_id"}})


def test_a_url_section_turns_on_the_strict_defaults_as_the_official_server() -> None:
    loose, strict = webhook_policy({}), webhook_policy({"webhooks": {"url": {"allowed_ports": [443]}}})
    assert (loose.require_https, loose.max_url_length) == (False, 4096)
    assert (strict.require_https, strict.max_url_length) == (True, 2048)
    with pytest.raises(WebhookConfigError, match="wildcard must be a prefix"):
        webhook_policy({"webhooks": {"url": {"allowed_domains": ["hooks.*.example"]}}})

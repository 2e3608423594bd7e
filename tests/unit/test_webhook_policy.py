"""The webhook URL policy of `langgraph.json` (`webhooks.url`, `headers`, `allowed_fields`)."""

from __future__ import annotations

import asyncio

import pytest

from activities.webhooks import WebhookConfigError, WebhookPolicy, WebhookRefused, webhook_policy


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
    private = webhook_policy({"webhooks": {"url": {"disable_private_ips": True}}})
    assert refused(private, "http://10.1.2.3/hook") == "Webhook host blocked: private IP address"
    loopback_ok = webhook_policy({"webhooks": {"url": {"disable_loopback": False}}})
    assert refused(loopback_ok, "http://127.0.0.1:9/hook") is None


def test_headers_take_environment_values_and_fields_filter_the_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_TOKEN", "t0k")
    policy = webhook_policy({"webhooks": {"headers": {"Authorization": "Bearer ${{ env.HOOK_TOKEN }}"}, "allowed_fields": ["run_id", "status"]}})
    assert policy.headers == {"Authorization": "Bearer t0k"}
    assert policy.payload({"run_id": "r", "status": "success", "values": {}}) == {"run_id": "r", "status": "success"}
    assert webhook_policy({"http": {"disable_webhooks": True}}).disabled
    monkeypatch.delenv("HOOK_TOKEN")
    with pytest.raises(WebhookConfigError, match="HOOK_TOKEN is not set"):
        webhook_policy({"webhooks": {"headers": {"Authorization": "Bearer ${{ env.HOOK_TOKEN }}"}}})


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

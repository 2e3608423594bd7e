"""`auth.openapi` in `langgraph.json`: how the published spec (`/openapi.json`, `/docs`) describes
the project's auth, as on the official server: `securitySchemes` (or `security_schemes`) replace the
spec's, `security` is the global requirement, and `paths` sets `security` per existing operation.
It changes the document only; the handler decides who is let in."""

from __future__ import annotations

from typing import Any


def with_auth_section(spec: dict[str, Any], section: dict[str, Any]) -> dict[str, Any]:
    schemes = section.get("securitySchemes", section.get("security_schemes"))
    if schemes is not None:
        spec.setdefault("components", {})["securitySchemes"] = schemes
    if section.get("security") is not None:
        spec["security"] = section["security"]
    for path, methods in (section.get("paths") or {}).items():
        operations = spec.get("paths", {}).get(path)
        if not isinstance(operations, dict) or not isinstance(methods, dict):
            continue
        for method, security in methods.items():
            if method.lower() in operations:
                operations[method.lower()]["security"] = security
    return spec

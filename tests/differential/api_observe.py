"""Run the API cases by hand against both servers and print which differ (and how).

``.venv/bin/python -m tests.differential.api_observe [substring ...] [--diff] [--auth]``
(`--auth`: the custom-auth cases of auth_cases.py, on tests/differential/auth_project)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path


async def _main(patterns: list[str], show: bool, auth: bool = False) -> None:
    from temporalio.testing import WorkflowEnvironment

    from activities.binaries import find_binary
    from activities.converter import data_converter
    from tests import differential
    from tests.conftest import SEARCH_ATTRIBUTES
    from tests.differential import api_cases, auth_cases, test_api, test_auth
    from tests.differential.api_harness import deliberate_differences, diff, normalize
    from tests.differential.reference import ensure_reference_venv

    del differential
    cases = auth_cases.AUTH_CASES if auth else api_cases.CASES
    if patterns:
        cases = {k: v for k, v in cases.items() if any(p in k for p in patterns)}
    if auth:
        test_auth.AUTH_CASES = cases
    else:
        test_api.CASES = cases
    venv = ensure_reference_venv()
    environment = await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"), ip="127.0.0.1",
        data_converter=data_converter(), search_attributes=SEARCH_ATTRIBUTES,
    )
    try:
        record = test_auth.record_both if auth else test_api.record_both
        reference, ours = await record(environment, venv, Path(tempfile.mkdtemp(prefix="api-diff-")))
    finally:
        await environment.shutdown()
    deliberate = deliberate_differences()
    same = 0
    for name in sorted(cases):
        expected, actual = normalize(reference[name]), normalize(ours[name])
        if expected["error"]:
            print(f"REFERENCE FAILED {name}: {expected['error']}")
        elif actual == expected:
            same += 1
            if name in deliberate:
                print(f"NO LONGER DIFFERS {name}")
        else:
            print(f"{'deliberate' if name in deliberate else 'DIFFERS'} {name}")
            if show and name not in deliberate:
                print(diff(expected, actual))
    print(f"{same}/{len(cases)} equal")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("patterns", nargs="*")
    parser.add_argument("--diff", action="store_true")
    parser.add_argument("--auth", action="store_true")
    args = parser.parse_args()
    asyncio.run(_main(args.patterns, args.diff, args.auth))

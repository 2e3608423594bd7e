"""Id helpers and deterministic ids."""

from __future__ import annotations

import random
import uuid

from workflows.determinism import IdSource
from workflows.types import (
    default_assistant_id,
    run_workflow_id,
    thread_workflow_id,
    uuid6_from,
    uuid6_timestamp,
    uuid7,
)


def test_default_assistant_id_matches_the_official_server() -> None:
    assert default_assistant_id("agent") == "fe096781-5601-53d2-b2f6-0d3403f7e9ca"


def test_workflow_ids() -> None:
    assert thread_workflow_id("t") == "thread-t"
    assert run_workflow_id("r") == "run-r"


def test_uuid7_is_version_7_and_time_ordered() -> None:
    values = [uuid7(unix_ms=1_700_000_000_000 + i, rand=bytes(10)) for i in range(3)]
    assert [uuid.UUID(v).version for v in values] == [7, 7, 7]
    assert values == sorted(values)
    assert uuid7() != uuid7()


def test_uuid6_round_trips_its_timestamp() -> None:
    ts = 17_000_000_000_000_000
    value = uuid6_from(ts, clock_seq=5, node=42)
    assert uuid.UUID(value).version == 6
    assert uuid6_timestamp(value) == ts


def _source(seed: int, now: int = 17_000_000_000_000_000) -> IdSource:
    rng = random.Random(seed)
    return IdSource(now_100ns=lambda: now, randbits=rng.getrandbits)


def test_id_source_is_deterministic_and_strictly_increasing() -> None:
    a, b = _source(1), _source(1)
    first = [str(a.uuid6(clock_seq=i)) for i in range(5)] + [str(a.uuid4())]
    second = [str(b.uuid6(clock_seq=i)) for i in range(5)] + [str(b.uuid4())]
    assert first == second
    assert first[:5] == sorted(first[:5]) and len(set(first)) == 6
    assert uuid.UUID(first[-1]).version == 4


def test_id_source_never_goes_below_an_observed_checkpoint() -> None:
    later = uuid6_from(18_000_000_000_000_000, 0, 0)
    source = _source(2)
    source.observe(later)
    assert str(source.uuid6()) > later

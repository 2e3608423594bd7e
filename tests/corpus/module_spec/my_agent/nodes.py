from __future__ import annotations

import os

from my_agent.state import GreeterState  # absolute import: the package is on sys.path


def greet(state: GreeterState) -> GreeterState:
    greeting = os.environ.get("GREETING", "<no GREETING>")
    signature = os.environ.get("GREETER_SIGNATURE", "<no GREETER_SIGNATURE>")
    return {"reply": f"{greeting}, {state['name']}! -- {signature}", "module": __name__}

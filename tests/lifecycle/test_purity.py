"""The lifecycle layer and the host catalog know nothing of simpy (DESIGN.md)."""

import subprocess
import sys


def test_lifecycle_imports_no_simpy():
    code = (
        "import sys, simulator.lifecycle, simulator.catalog.hosts; sys.exit('simpy' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

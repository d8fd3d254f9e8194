"""`python -m server.serve`, the production app server's launcher: a wrong setting stops it
before any worker starts, with the one line that names it."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT


def test_a_wrong_setting_stops_the_start_with_one_line(tmp_path):
    env = {**os.environ, "CONSENT_RATE_LIMIT": "fast", "CONSENT_INSTANCE_PATH": str(tmp_path),
           "GRANIAN_PORT": "1"}  # never bound: the check comes first
    done = subprocess.run([sys.executable, "-m", "server.serve"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == ("error: CONSENT_RATE_LIMIT='fast': expected <requests>/<seconds>, "
                           "e.g. 300/60\n")
    assert "granian" not in done.stdout + done.stderr

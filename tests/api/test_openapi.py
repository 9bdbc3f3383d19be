"""schemathesis against the real server's own OpenAPI document (/api/v1/openapi.json): every
operation, schema-valid and schema-violating requests (coverage, fuzzing and stateful phases),
every check (no 5xx, status codes and bodies as documented, valid data accepted, invalid data
refused, Allow headers). A bounded number of examples per operation (POINTLABEL_ST_EXAMPLES,
default 25); the counts go to artifacts/schemathesis.txt."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import ARTIFACTS

CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_the_api_keeps_its_openapi_document(api_server):
    examples = os.environ.get("POINTLABEL_ST_EXAMPLES", "25")
    cli = Path(sys.executable).with_name("schemathesis")
    r = subprocess.run([str(cli), "--config-file", str(CONFIG), "run", f"{api_server.url}/api/v1/openapi.json",
                        "--max-examples", examples, "--checks", "all", "--mode", "all",
                        "--seed", os.environ.get("POINTLABEL_ST_SEED", "20261201")],
                       capture_output=True, text=True, timeout=900, env={**os.environ, "NO_COLOR": "1"})
    out = r.stdout + r.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "schemathesis.txt").write_text(out)
    counts = re.search(r"(\d+) generated, (\d+) passed", out)
    assert r.returncode == 0 and counts, out[-4000:]
    assert int(counts.group(1)) == int(counts.group(2)) > 100
    selected, tested = re.search(r"Selected: (\d+)/(\d+)", out), re.search(r"Tested: (\d+)", out)
    assert selected and tested and int(tested.group(1)) == int(selected.group(2)) >= 6, "every operation tested"
    print(f"\nschemathesis: {counts.group(0)} ({examples} examples per operation and phase)")

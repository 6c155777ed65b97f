#!/usr/bin/env bash
# Validates docs/openapi.json (generated from the code; a Rust test keeps it current) against the
# OpenAPI 3.1 specification, with openapi-spec-validator from PyPI in a venv outside the clone.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${ROUNDS_CACHE:-$HOME/.cache/rounds}/venv-openapi"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import openapi_spec_validator' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'openapi-spec-validator==0.9.0'
fi
"$venv/bin/python" - <<'PY'
import json
from openapi_spec_validator import validate
doc = json.load(open("docs/openapi.json"))
validate(doc)
operations = sum(len(p) for p in doc["paths"].values())
print(f"docs/openapi.json: valid OpenAPI {doc['openapi']}, {operations} operations, "
      f"{len(doc['components']['schemas'])} schemas")
PY

#!/usr/bin/env bash
# Makes the peers' environment, tools/peers/.venv, from PyPI alone: Concrete ML, TenSEAL and what they pin
# (requirements.txt; requirements-lock.txt fixes everything else). About 3 GB (torch with its CUDA wheels, which
# Concrete ML pins; only the CPU is used) and a few minutes. CI never runs this.
#   tools/peers/setup.sh            # then: target/debug/veil bench peers
# PYTHON=python3.11 by default (Concrete ML 1.9.0 wants CPython 3.8-3.12; the pins are for 3.11).
set -euo pipefail
cd "$(dirname "$0")"
python="${PYTHON:-python3.11}"
if ! command -v "$python" >/dev/null; then
    echo "error: $python not found; set PYTHON to a CPython 3.11 interpreter" >&2
    exit 1
fi
"$python" -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install -r requirements.txt -c requirements-lock.txt
.venv/bin/python -c "import concrete.ml, tenseal, onnxruntime; print('peers environment ready:', concrete.ml.__version__)"

#!/usr/bin/env bash
# Sets up what is missing, then runs every test: the Rust workspace (unit,
# integration and doc tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace

#!/usr/bin/env bash
# Sets up what is missing, then runs every test: the Rust workspace (unit,
# integration and doc tests) and the Rust examples, which check their own
# output.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace
for example in custom_monitor prometheus; do
  cargo run --quiet -p warden --example "$example" >/dev/null
done

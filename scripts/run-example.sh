#!/usr/bin/env bash
# Sets up what is missing, builds the `warden` command, and runs the example
# handler in examples/hello.js on an event. Extra arguments go to `warden run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release -p warden-cli
if [ $# -eq 0 ]; then
  set -- --event '{"name": "Warden"}'
fi
exec target/release/warden run examples/hello.js "$@"

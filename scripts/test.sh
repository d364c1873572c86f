#!/usr/bin/env bash
# Sets up what is missing, then runs every test: the Rust workspace (unit,
# integration and doc tests), the Rust examples (which check their own
# output), and the Node.js bindings (their tests and examples, one of them
# bundling npm libraries).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace
for example in custom_monitor prometheus async_fan_out; do
  cargo run --quiet -p warden --example "$example" >/dev/null
done
(cd bindings/node && node scripts/build.js && node --test test/)
for example in basic interrupt cpu-timeout; do
  node "examples/node/$example.js" >/dev/null
done
# npm libraries bundled with esbuild (its first run installs them with npm
# ci). Its jose checks need crypto.subtle: until the sandbox has one, they
# are skipped; from then on, they count.
node examples/npm/run.js >/dev/null

'use strict';

// Builds the native addon with cargo and copies it next to index.js as
// warden.node. `--release` builds optimized (for use and benchmarks);
// without it, a debug build that shares the workspace's test artifacts.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const release = process.argv.includes('--release');
const root = path.resolve(__dirname, '..', '..', '..');
// A debug build selects what `cargo test --workspace` builds, so features
// unify the same way and the test build's dependencies are reused instead of
// being compiled again with other features.
const args = release
  ? ['build', '-p', 'warden-node', '--release']
  : ['build', '--workspace', '--lib', '--tests'];
execFileSync('cargo', args, { cwd: root, stdio: 'inherit' });

const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
const library = {
  linux: 'libwarden_node.so',
  darwin: 'libwarden_node.dylib',
  win32: 'warden_node.dll',
}[process.platform];
if (!library) throw new Error(`unsupported platform ${process.platform}`);
const built = path.join(targetDir, release ? 'release' : 'debug', library);
fs.copyFileSync(built, path.join(__dirname, '..', 'warden.node'));
console.log(`built ${path.relative(root, built)} -> bindings/node/warden.node`);

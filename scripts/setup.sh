#!/usr/bin/env bash
# Installs what building and testing Warden needs, when it is missing:
#   - clang with the wasm32 backend and wasi-libc headers (QuickJS is C);
#   - the wasm32-wasip1 Rust target, through rustup when it can download,
#     otherwise Debian's rustc-web/cargo-web/rust-web-src (std from source);
#   - Node.js and npm, for the Node.js bindings.
# Idempotent, and quick when everything is already there.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else log "root is needed to run: $*"; return 1
  fi
}

apt_updated=0
# Installs the Debian packages among "$@" that are not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    log "missing ${missing[*]}, and this is not a Debian-like system: install them by hand"
    return 1
  fi
  if [ "$apt_updated" = 0 ]; then
    log "refreshing the package lists"
    as_root apt-get update -qq
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

if ! command -v cargo >/dev/null 2>&1; then
  log "cargo is not installed: install Rust from https://rustup.rs, then run this again"
  exit 1
fi

# C toolchain for the guest (QuickJS). Elsewhere than Debian, provide clang
# with the wasm32 backend and set WASI_SYSROOT to a wasi-libc sysroot.
if command -v dpkg-query >/dev/null 2>&1; then
  apt_install clang-19 llvm-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32
fi

# Rust standard library for wasm32-wasip1.
sysroot="$(rustc --print sysroot)"
if [ ! -d "$sysroot/lib/rustlib/wasm32-wasip1" ]; then
  if command -v rustup >/dev/null 2>&1 && timeout 300 rustup target add wasm32-wasip1; then
    log "installed the wasm32-wasip1 target with rustup"
  elif [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ]; then
    : # Debian's toolchain is already there.
  else
    log "rustup cannot add wasm32-wasip1; using Debian's toolchain to build std from source"
    apt_install rustc-web cargo-web rust-web-src
  fi
fi

# Node.js for the bindings and their tests.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi

//! Builds the guest runtime (`crates/warden-guest`) for `wasm32-wasip1`,
//! pre-initialises and compiles it for this machine (`build/precompile.rs`),
//! and hands both paths to the crate, which embeds them.
//!
//! `WARDEN_GUEST_WASM=/path/to/warden_guest.wasm` skips the build and embeds
//! that file instead. Otherwise the guest is built with a separate cargo run
//! in `target/guest`, using the first toolchain that can target wasm:
//!
//! 1. the current toolchain, when `wasm32-wasip1` is installed for it
//!    (`rustup target add wasm32-wasip1`);
//! 2. Debian's `rustc-web`/`cargo-web` with `rust-web-src`, building `std`
//!    from source (`-Zbuild-std`).
//!
//! `WARDEN_GUEST_TOOLCHAIN=debian` forces the second.
//!
//! QuickJS is C, so both need clang with the wasm32 backend and wasi-libc
//! headers. `scripts/setup.sh` installs all of this.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[path = "build/precompile.rs"]
mod precompile;
#[path = "build/quickjs_patches.rs"]
mod quickjs_patches;

const TARGET: &str = "wasm32-wasip1";

fn main() -> ExitCode {
    if let Some(real) = env::var_os(quickjs_patches::SHIM_ENV) {
        return quickjs_patches::run_shim(real);
    }
    println!("cargo:rerun-if-env-changed=WARDEN_GUEST_WASM");
    let wasm = match env::var_os("WARDEN_GUEST_WASM") {
        Some(path) => {
            let path = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", path.display());
            path
        }
        None => build_guest(),
    };
    let bytes = fs::read(&wasm)
        .unwrap_or_else(|e| panic!("cannot read the guest module {}: {e}", wasm.display()));
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    let precompiled = precompile::precompile(&bytes, &out_dir);
    println!("cargo:rustc-env=WARDEN_GUEST_WASM_PATH={}", wasm.display());
    println!(
        "cargo:rustc-env=WARDEN_GUEST_PRECOMPILED_PATH={}",
        precompiled.display()
    );
    println!("cargo:rustc-env=WARDEN_GUEST_HASH={:016x}", hasher.finish());
    ExitCode::SUCCESS
}

fn build_guest() -> PathBuf {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.join("../..").canonicalize().unwrap();
    for watched in [
        "crates/warden-guest/src",
        "crates/warden-guest/Cargo.toml",
        "crates/warden-abi/src",
        "crates/warden-abi/Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let target_dir = match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("guest"),
        None => root.join("target/guest"),
    };
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());

    let toolchain = Toolchain::detect();
    let mut cmd = toolchain.cargo_command();
    cmd.current_dir(&root)
        .args([
            "rustc",
            "--lib",
            "--crate-type",
            "cdylib",
            "--release",
            "--locked",
        ])
        .args(["--manifest-path", "crates/warden-guest/Cargo.toml"])
        .args(["--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RQUICKJS_SYS_NO_WASI_SDK", "1")
        // No DWARF in the embedded module; the name section stays, so wasm
        // backtraces keep function names.
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false");
    configure_c(&mut cmd, &out_dir, &target_dir);
    toolchain.configure(&mut cmd);

    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the guest: {e}"));
    if !output.status.success() {
        panic!(
            "building the guest runtime for {TARGET} failed ({:?}).\n\
             Run scripts/setup.sh to install the wasm toolchain, or set \
             WARDEN_GUEST_WASM to a prebuilt guest.\n--- stderr ---\n{}",
            toolchain,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    target_dir.join(TARGET).join("release/warden_guest.wasm")
}

/// A Rust toolchain that can build for wasm32-wasip1.
#[derive(Debug)]
enum Toolchain {
    /// The toolchain running this build has the target installed.
    Current { cargo: OsString },
    /// Debian's rustc-web with std sources, building std from source.
    DebianBuildStd,
}

impl Toolchain {
    fn detect() -> Self {
        println!("cargo:rerun-if-env-changed=WARDEN_GUEST_TOOLCHAIN");
        match env::var("WARDEN_GUEST_TOOLCHAIN").as_deref() {
            Ok("debian") => return Self::DebianBuildStd,
            Ok("current") | Err(_) => {}
            Ok(other) => panic!("WARDEN_GUEST_TOOLCHAIN={other}: expected `current` or `debian`"),
        }
        let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let sysroot = Command::new(&rustc)
            .args(["--print", "sysroot"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        if let Some(sysroot) = sysroot {
            if sysroot.join("lib/rustlib").join(TARGET).is_dir() {
                let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
                return Self::Current { cargo };
            }
        }
        if Path::new("/usr/bin/cargo").exists()
            && Path::new("/usr/lib/rustlib/src/rust/library").is_dir()
        {
            return Self::DebianBuildStd;
        }
        panic!(
            "no Rust toolchain can build for {TARGET}: run scripts/setup.sh \
             (it runs `rustup target add {TARGET}`, or installs Debian's \
             rustc-web, cargo-web and rust-web-src), or set WARDEN_GUEST_WASM"
        );
    }

    /// A cargo command with the outer build's environment removed, so the
    /// nested build uses its own toolchain, flags and job control.
    fn cargo_command(&self) -> Command {
        let mut cmd = match self {
            Self::Current { cargo } => Command::new(cargo),
            Self::DebianBuildStd => Command::new("/usr/bin/cargo"),
        };
        for (key, _) in env::vars_os() {
            let key = key.to_string_lossy();
            let leaks = (key.starts_with("CARGO") && key != "CARGO_HOME")
                || key.starts_with("RUSTC")
                || key.starts_with("RUSTDOC")
                || key.starts_with("DEP_")
                || matches!(
                    &*key,
                    "RUSTFLAGS"
                        | "TARGET"
                        | "HOST"
                        | "OPT_LEVEL"
                        | "PROFILE"
                        | "DEBUG"
                        | "OUT_DIR"
                        | "NUM_JOBS"
                        | "MAKEFLAGS"
                        | "MFLAGS"
                );
            if leaks {
                cmd.env_remove(&*key);
            }
        }
        cmd
    }

    fn configure(&self, cmd: &mut Command) {
        let mut rustflags = vec![
            // The shadow stack sits below the data, so overflowing it traps
            // instead of overwriting data; the host reads and restores it.
            "-Clink-arg=--stack-first".to_string(),
            format!("-Clink-arg=-zstack-size={}", warden_abi::GUEST_STACK_REGION),
            "-Clink-arg=--export=__stack_pointer".to_string(),
            "-Ctarget-feature=+bulk-memory".to_string(),
        ];
        match self {
            Self::Current { .. } => {}
            Self::DebianBuildStd => {
                let builtins =
                    "/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a";
                rustflags.extend([
                    "-Clink-self-contained=no".to_string(),
                    "-Lnative=/usr/lib/wasm32-wasi".to_string(),
                    format!("-Clink-arg={builtins}"),
                ]);
                cmd.env("PATH", "/usr/bin:/bin")
                    .env("RUSTC_BOOTSTRAP", "1")
                    .env("CARGO_TARGET_WASM32_WASIP1_LINKER", "wasm-ld-19")
                    .env_remove("RUSTUP_TOOLCHAIN")
                    .args(["-Zbuild-std=std,panic_abort"]);
            }
        }
        cmd.env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f"));
    }
}

/// How far clang inlines inside QuickJS. Inlining past clang's default is
/// what makes JSON and string work fast in wasm (a 10 KB echo takes a third
/// less time), but a callee that owns stack buffers (property descriptors,
/// 64-byte atom names on error paths) carries them into every caller, and
/// inlined into the interpreter loop they grow its shadow-stack frame and
/// cut the recursion depth the stack limit allows. Callees owning more than
/// 16 bytes of stack stay out of line. The threshold is bounded by the
/// interpreter's computed-goto dispatch (edit 9 in `build/quickjs_patches.rs`),
/// across which clang cannot share stack slots between opcodes: at 3000 its
/// frame was 1,728 bytes and plain recursion stopped short of 10,000 levels;
/// at 1000 it is 576 bytes, and echoes keep their speed.
const INLINING: [&str; 4] = [
    "-mllvm",
    "-inline-threshold=1000",
    "-mllvm",
    "-inline-max-stacksize=16",
];

/// Points the `cc` crate at clang for wasm32 with a clean wasi-libc sysroot,
/// through the shim that patches QuickJS (see `build/quickjs_patches.rs`).
fn configure_c(cmd: &mut Command, out_dir: &Path, target_dir: &Path) {
    println!("cargo:rerun-if-env-changed=WARDEN_WASM_CC");
    println!("cargo:rerun-if-env-changed=WASI_SYSROOT");
    let clang =
        env::var("WARDEN_WASM_CC").unwrap_or_else(|_| first_on_path(&["clang-19", "clang"]));
    let ar = first_on_path(&["llvm-ar-19", "llvm-ar"]);
    let sysroot = match env::var_os("WASI_SYSROOT") {
        Some(dir) => PathBuf::from(dir),
        None => debian_sysroot(out_dir),
    };
    cmd.env("CC_wasm32_wasip1", install_shim(target_dir))
        .env(quickjs_patches::SHIM_ENV, clang)
        .env("AR_wasm32_wasip1", ar)
        .env(
            "CFLAGS_wasm32_wasip1",
            format!(
                "--target=wasm32-wasi --sysroot={} -mbulk-memory {} -DWARDEN_QUICKJS_PATCHES={}",
                sysroot.display(),
                INLINING.join(" "),
                quickjs_patches::fingerprint()
            ),
        );
}

/// Copies this build script to a fixed place in the guest's target
/// directory, to serve as the C compiler. The place does not change between
/// debug and release builds (whose scripts differ), so switching between
/// them does not rebuild QuickJS; a change to the edits does, through the
/// fingerprint in the C flags.
fn install_shim(target_dir: &Path) -> PathBuf {
    let this = env::current_exe().expect("the build script knows its own path");
    let shim = target_dir.join(format!("warden-cc{}", env::consts::EXE_SUFFIX));
    let current = fs::read(&this).expect("the build script can read itself");
    if fs::read(&shim).ok().as_deref() != Some(&current[..]) {
        fs::create_dir_all(target_dir).unwrap();
        let staged = target_dir.join(format!("warden-cc.{}.tmp", std::process::id()));
        fs::write(&staged, &current).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&staged, fs::Permissions::from_mode(0o755)).unwrap();
        }
        fs::rename(&staged, &shim).unwrap();
    }
    shim
}

fn first_on_path(names: &[&str]) -> String {
    let path = env::var_os("PATH").unwrap_or_default();
    for name in names {
        if env::split_paths(&path).any(|dir| dir.join(name).is_file()) {
            return name.to_string();
        }
    }
    names[0].to_string()
}

/// Debian spreads wasi-libc over /usr/include/wasm32-wasi and
/// /usr/lib/wasm32-wasi; a sysroot made of two links to them keeps the host's
/// glibc headers out of the wasm build.
fn debian_sysroot(out_dir: &Path) -> PathBuf {
    let sysroot = out_dir.join("wasi-sysroot");
    let lib = sysroot.join("lib");
    fs::create_dir_all(&lib).unwrap();
    for (link, target) in [
        (sysroot.join("include"), "/usr/include/wasm32-wasi"),
        (lib.join("wasm32-wasi"), "/usr/lib/wasm32-wasi"),
    ] {
        if !Path::new(target).is_dir() {
            panic!("{target} is missing: run scripts/setup.sh (Debian package wasi-libc)");
        }
        let _ = fs::remove_file(&link);
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, &link).unwrap();
    }
    sysroot
}

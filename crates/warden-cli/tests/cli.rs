//! The `warden` binary, end to end.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn script(name: &str, source: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("warden-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, source).unwrap();
    path
}

fn warden(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn prints_the_result_and_sends_console_output_to_stderr() {
    let path = script(
        "ok.js",
        "function handler(e) { console.log('saw', e.n); return { doubled: e.n * 2 }; }",
    );
    let out = warden(
        &["run", path.to_str().unwrap(), "--event", r#"{"n":21}"#],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "{\"doubled\":42}\n");
    assert!(text(&out.stderr).contains("[console.log] saw 21"));
}

#[test]
fn a_first_run_compiles_nothing() {
    // The guest comes precompiled: a machine that has never run Warden has
    // nothing to compile, so nothing lands in the compiled-guest cache.
    let cache = std::env::temp_dir().join(format!("warden-cli-cache-{}", std::process::id()));
    std::fs::create_dir_all(&cache).unwrap();
    let path = script("first.js", "function handler(e) { return e + 1; }");
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["run", path.to_str().unwrap(), "--event", "1"])
        .env("WARDEN_CACHE_DIR", &cache)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "2\n");
    let cached: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    std::fs::remove_dir_all(&cache).unwrap();
    assert!(cached.is_empty(), "{cached:?}");
}

#[test]
fn a_snapshot_file_starts_runs_without_running_the_script_again() {
    let path = script(
        "snap.js",
        "console.log('top level ran'); const made = Math.random(); \
         function handler(e) { return { made, e }; }",
    );
    let file = script("snap.snapshot", "");
    let out = warden(
        &[
            "snapshot",
            path.to_str().unwrap(),
            "-o",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("top level ran"));
    let run = |event: &str, extra: &[&str]| {
        let mut args = vec![
            "run",
            "--snapshot",
            file.to_str().unwrap(),
            "--event",
            event,
        ];
        args.extend_from_slice(extra);
        warden(&args, None)
    };
    let (first, second) = (run("1", &[]), run("2", &[]));
    for out in [&first, &second] {
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(!text(&out.stderr).contains("top level ran"));
    }
    // The number as the guest printed it: parsing it into an f64 and
    // printing it again need not give back the same digits.
    let made = |out: &Output| {
        let stdout = text(&out.stdout);
        let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert!(value["made"].is_f64(), "{stdout}");
        stdout["{\"made\":".len()..stdout.find(",\"e\":").unwrap()].to_owned()
    };
    // Both runs continue from the one state the script's top level made.
    assert_eq!(made(&first), made(&second));
    assert_eq!(
        text(&second.stdout),
        format!("{{\"made\":{},\"e\":2}}\n", made(&first))
    );

    let other_limit = run("1", &["--memory-limit", "100000000"]);
    assert_eq!(other_limit.status.code(), Some(10));
    assert!(text(&other_limit.stderr).contains("different memory limits"));
    let not_one = warden(&["run", "--snapshot", path.to_str().unwrap()], Some("1"));
    assert_eq!(not_one.status.code(), Some(10));
    assert!(text(&not_one.stderr).contains("not a Warden snapshot"));
}

#[test]
fn reads_the_event_from_a_file_or_stdin() {
    let path = script("echo.js", "export function handler(e) { return e; }");
    let event = script("event.json", r#"{"from":"file"}"#);
    let out = warden(
        &[
            "run",
            path.to_str().unwrap(),
            "--event-file",
            event.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(text(&out.stdout), "{\"from\":\"file\"}\n");
    let out = warden(
        &["run", path.to_str().unwrap()],
        Some(r#"{"from":"stdin"}"#),
    );
    assert_eq!(text(&out.stdout), "{\"from\":\"stdin\"}\n");
}

#[test]
fn each_failure_class_has_its_own_exit_code() {
    let cases: [(&str, &str, &str, u8, &str); 6] = [
        (
            "throws.js",
            "function handler() { throw new TypeError('nope'); }",
            "{}",
            1,
            "TypeError: nope",
        ),
        ("broken.js", "function handler( {", "{}", 3, "SyntaxError"),
        (
            "echo2.js",
            "function handler(e) { return e; }",
            "{not json",
            4,
            "not valid JSON",
        ),
        ("undef.js", "function handler() {}", "{}", 5, "not JSON"),
        (
            "hog.js",
            "function handler() { const a = []; for (;;) a.push(new Array(1e5).fill(1)); }",
            "{}",
            6,
            "out of memory",
        ),
        ("missing-file.js", "", "{}", 3, "cannot read script"),
    ];
    for (name, source, event, code, needle) in cases {
        let path = if source.is_empty() {
            std::env::temp_dir().join("warden-cli-does-not-exist.js")
        } else {
            script(name, source)
        };
        let out = warden(&["run", path.to_str().unwrap(), "--event", event], None);
        assert_eq!(
            out.status.code(),
            Some(code as i32),
            "{name}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(needle),
            "{name}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{name}");
    }
    let out = warden(&["run"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn budgets_kill_runaway_handlers_with_their_own_exit_code() {
    let path = script("spin.js", "function handler() { for (;;) {} }");
    let spin = path.to_str().unwrap();
    for (flags, monitor) in [
        (
            &["--cpu-time", "50ms"][..],
            "cpu-time monitor (budget 50ms)",
        ),
        (
            &["--wall-clock", "50ms"][..],
            "wall-clock monitor (budget 50ms)",
        ),
        (
            &["--wall-clock", "30s", "--cpu-time", "50ms"][..],
            "cpu-time monitor (budget 50ms)",
        ),
    ] {
        let mut args = vec!["run", spin, "--event", "{}"];
        args.extend_from_slice(flags);
        let out = warden(&args, None);
        assert_eq!(
            out.status.code(),
            Some(7),
            "{flags:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(monitor),
            "{flags:?}: {}",
            text(&out.stderr)
        );
    }
    // A quick handler under budgets succeeds.
    let echo = script("quick.js", "function handler(e) { return e; }");
    let out = warden(
        &[
            "run",
            echo.to_str().unwrap(),
            "--event",
            "[1]",
            "--wall-clock",
            "5s",
            "--cpu-time",
            "1s",
        ],
        None,
    );
    assert_eq!(text(&out.stdout), "[1]\n");
    // Durations are validated by the command line parser.
    for bad in ["0s", "soon", "-5ms"] {
        let out = warden(&["run", echo.to_str().unwrap(), "--cpu-time", bad], None);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn budgets_cover_top_level_code_and_the_whole_run() {
    let top = script("top.js", "for (;;) {} function handler() {}");
    for (flags, monitor) in [
        (
            &["--cpu-time", "100ms", "--wall-clock", "1s"][..],
            "cpu-time",
        ),
        (&["--wall-clock", "100ms"][..], "wall-clock"),
    ] {
        let mut args = vec!["run", top.to_str().unwrap(), "--event", "{}"];
        args.extend_from_slice(flags);
        let start = std::time::Instant::now();
        let out = warden(&args, None);
        assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("killed by the {monitor} monitor"))
                && stderr.contains("while loading"),
            "{stderr}"
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(30));
    }
    // Loading spends the budget that calling then does not get: a second
    // of loading and a second of calling do not fit in 1.5 s. (Real time:
    // on a loaded machine the loops may get less CPU time than they last.)
    let both = script(
        "both.js",
        "const end = Date.now() + 1000; while (Date.now() < end) {}
         function handler() { const end = Date.now() + 1000; while (Date.now() < end) {} return 1; }",
    );
    let out = warden(
        &[
            "run",
            both.to_str().unwrap(),
            "--event",
            "{}",
            "--wall-clock",
            "1500ms",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("while calling the handler"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn oversized_events_are_refused_after_reading_one_byte_more() {
    let echo = script("echo3.js", "function handler(e) { return e.length; }");
    let limit = 1024 * 1024;
    // Endless input is not read to its end.
    let mut child = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["run", echo.to_str().unwrap()])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(4));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains("over the limit of 1048576 bytes"),
        "{stderr}"
    );
    // A file just over the limit is refused, one at the limit is read.
    let over = script("over.json", &format!("\"{}\"", "x".repeat(limit - 1)));
    let out = warden(
        &[
            "run",
            echo.to_str().unwrap(),
            "--event-file",
            over.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let at = script("at.json", &format!("\"{}\"", "x".repeat(limit - 2)));
    let out = warden(
        &[
            "run",
            echo.to_str().unwrap(),
            "--event-file",
            at.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(text(&out.stdout), format!("{}\n", limit - 2));
}

#[test]
fn a_result_that_cannot_be_written_has_its_own_exit_code() {
    let echo = script("echo4.js", "function handler(e) { return e; }");
    let out = Command::new(env!("CARGO_BIN_EXE_warden"))
        .args(["run", echo.to_str().unwrap(), "--event", "[1]"])
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cannot write the result"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn durations_past_the_clock_range_are_usage_errors() {
    let echo = script("echo5.js", "function handler(e) { return e; }");
    for flag in ["--wall-clock", "--cpu-time"] {
        let out = warden(
            &["run", echo.to_str().unwrap(), flag, "500000000000y"],
            None,
        );
        assert_eq!(out.status.code(), Some(2), "{flag}: {}", text(&out.stderr));
    }
}

#[test]
fn guest_text_cannot_drive_the_terminal_or_forge_lines() {
    let evil = script(
        "evil.js",
        r#"function handler() {
            console.log("\x1b]0;owned\x07\x1b[2Jcleared\rover\nwarden: the call succeeded");
            const e = new Error("boom\nwarden: forged\x1b[31m");
            throw e;
        }"#,
    );
    let out = warden(&["run", evil.to_str().unwrap(), "--event", "{}"], None);
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\r') && !stderr.contains('\x07'),
        "{stderr:?}"
    );
    for line in stderr.lines() {
        assert!(
            line.starts_with("[console.log] ")
                || line.starts_with("warden: handler")
                || line.starts_with(' '),
            "{line:?} in {stderr:?}"
        );
    }
    assert!(
        stderr.contains("[console.log] warden: the call succeeded"),
        "{stderr}"
    );
}

#[test]
fn modules_come_from_the_directory_given_and_nowhere_else() {
    let main = script(
        "uses-lib.js",
        "import { greet } from './lib/greet.js'; function handler(e) { return greet(e.name); }",
    );
    let dir = main.parent().unwrap().join("modules-dir");
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(
        dir.join("lib/greet.js"),
        "export const greet = (name) => `hello ${name}`;",
    )
    .unwrap();
    let event = r#"{"name":"ada"}"#;
    let with = warden(
        &[
            "run",
            main.to_str().unwrap(),
            "--modules",
            dir.to_str().unwrap(),
            "--event",
            event,
        ],
        None,
    );
    assert_eq!(with.status.code(), Some(0), "{}", text(&with.stderr));
    assert_eq!(text(&with.stdout), "\"hello ada\"\n");
    let without = warden(&["run", main.to_str().unwrap(), "--event", event], None);
    assert_ne!(without.status.code(), Some(0));
    assert!(
        text(&without.stderr).contains("./lib/greet.js"),
        "{}",
        text(&without.stderr)
    );
    let escape = script(
        "escape.js",
        "import '../uses-lib.js'; function handler() {}",
    );
    let out = warden(
        &[
            "run",
            escape.to_str().unwrap(),
            "--modules",
            dir.to_str().unwrap(),
            "--event",
            "{}",
        ],
        None,
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("leads out of the root"),
        "{}",
        text(&out.stderr)
    );
}

/// Serves "pong" to every request on 127.0.0.1, each connection closed
/// after its response; returns the origin.
fn pong_server() -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 4\r\n\r\npong",
            );
        }
    });
    origin
}

#[test]
fn fetch_reaches_only_the_origins_allowed() {
    let origin = pong_server();
    let main = script(
        "fetches.js",
        "export async function handler(url) {
            try { return await (await fetch(url)).text(); }
            catch (e) { return `${e.name}: ${e.message}`; }
        }",
    );
    let event = serde_json_string(&format!("{origin}/ping"));
    let run = |extra: &[&str]| {
        let mut args = vec!["run", main.to_str().unwrap(), "--event", &event];
        args.extend_from_slice(extra);
        let out = warden(&args, None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert_eq!(run(&["--allow-fetch", &origin]), "\"pong\"\n");
    let other = "http://127.0.0.1:1";
    assert_eq!(
        run(&["--allow-fetch", other, "--allow-fetch", &origin]),
        "\"pong\"\n"
    );
    let denied = run(&[]);
    assert!(denied.starts_with("\"TypeError: fetch failed"), "{denied}");
    let denied = run(&["--allow-fetch", other]);
    assert!(denied.contains("is not among the origins"), "{denied}");
    let bad = warden(
        &[
            "run",
            main.to_str().unwrap(),
            "--event",
            &event,
            "--allow-fetch",
            "example.com",
        ],
        None,
    );
    assert_ne!(bad.status.code(), Some(0));
    assert!(
        text(&bad.stderr).contains("example.com"),
        "{}",
        text(&bad.stderr)
    );
}

/// `value` as a JSON string.
fn serde_json_string(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

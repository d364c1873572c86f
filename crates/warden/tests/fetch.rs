//! `fetch` in handlers: denied by default; allowed origins matched exactly;
//! redirects followed only within the allow-list; names that resolve to
//! loopback refused; sizes and counts bounded; the embedder's fetch
//! handler; kills. Every server here is one the test starts on 127.0.0.1.

mod common;

use std::time::{Duration, Instant};

use common::http_server::{Received, Reply, Server};
use common::loaded_with;
use serde_json::{json, Value};
use warden::{Error, FetchResponse, LoadedJSSandbox, SandboxBuilder, WallClockMonitor};

/// Fetches `event.url` with `event.init` and describes the response, or
/// the error it rejected with.
const DESCRIBE: &str = r#"
export async function handler({ url, init }) {
    try {
        const response = await fetch(url, init);
        return {
            status: response.status,
            ok: response.ok,
            url: response.url,
            redirected: response.redirected,
            type: response.headers.get("content-type"),
            test: response.headers.get("x-test"),
            text: await response.text(),
        };
    } catch (error) {
        return { error: error.name, message: error.message };
    }
}"#;

fn text(status: u16, body: &str) -> Reply {
    (
        status,
        vec![
            ("content-type".into(), "text/plain".into()),
            ("x-test".into(), "yes".into()),
        ],
        body.as_bytes().to_vec(),
    )
}

/// `/text`: "hello"; `/echo`: the method, content type and body back;
/// `/to?<url>`: a 302 to the URL; `/see-other`: a 303 to `/echo`;
/// `/big`: 100 KiB; `/slow`: "slow" after 50 ms; `/hang`: after 30 s.
fn route(request: &Received) -> Reply {
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    match path {
        "/text" => text(200, "hello"),
        "/echo" => text(
            200,
            &format!(
                "{} {} {}",
                request.method,
                request.header("content-type").unwrap_or("-"),
                String::from_utf8_lossy(&request.body)
            ),
        ),
        "/to" => (302, vec![("location".into(), query.into())], Vec::new()),
        "/see-other" => (303, vec![("location".into(), "/echo".into())], Vec::new()),
        "/big" => (200, Vec::new(), vec![b'x'; 100 * 1024]),
        "/slow" => {
            std::thread::sleep(Duration::from_millis(50));
            text(200, "slow")
        }
        "/hang" => {
            std::thread::sleep(Duration::from_secs(30));
            text(200, "late")
        }
        _ => text(404, "not found"),
    }
}

fn describe(loaded: &mut LoadedJSSandbox, url: &str, init: Value) -> Value {
    let event = json!({ "url": url, "init": init }).to_string();
    serde_json::from_str(&loaded.handle_event("f", &event, None).unwrap()).unwrap()
}

fn sandbox(builder: SandboxBuilder) -> LoadedJSSandbox {
    loaded_with(builder, &[("f", DESCRIBE)])
}

fn assert_type_error(got: &Value, says: &str) {
    assert_eq!(got["error"], "TypeError", "{got}");
    let message = got["message"].as_str().unwrap();
    assert!(message.contains(says), "{message:?} does not say {says:?}");
}

#[test]
fn fetch_is_denied_by_default_and_nothing_leaves_the_process() {
    let server = Server::start(route);
    let mut loaded = sandbox(SandboxBuilder::new());
    let got = describe(&mut loaded, &format!("{}/text", server.origin()), json!({}));
    assert_type_error(&got, "may not fetch");
    assert!(server.received().is_empty());
}

#[test]
fn an_allowed_origin_is_fetched_with_method_headers_and_body() {
    let server = Server::start(route);
    let mut loaded = sandbox(SandboxBuilder::new().allow_fetch([server.origin()]));
    let got = describe(&mut loaded, &format!("{}/text", server.origin()), json!({}));
    assert_eq!(got["status"], 200, "{got}");
    assert_eq!(got["ok"], true);
    assert_eq!(got["text"], "hello");
    assert_eq!(got["test"], "yes");
    assert_eq!(got["type"], "text/plain");
    assert_eq!(got["redirected"], false);
    assert_eq!(got["url"], format!("{}/text", server.origin()));

    let init =
        json!({ "method": "post", "body": "ping", "headers": { "X-Custom": "1", "Host": "evil" } });
    let got = describe(&mut loaded, &format!("{}/echo", server.origin()), init);
    assert_eq!(got["text"], "POST text/plain;charset=UTF-8 ping", "{got}");
    let echo = server.received().pop().unwrap();
    assert_eq!(echo.header("x-custom"), Some("1"));
    // The connection's headers are the client's, not the handler's.
    assert_eq!(
        echo.header("host"),
        Some(&server.origin()["http://".len()..])
    );

    let got = describe(
        &mut loaded,
        &format!("{}/missing", server.origin()),
        json!({}),
    );
    assert_eq!(
        (got["status"].clone(), got["ok"].clone()),
        (json!(404), json!(false))
    );
}

#[test]
fn binary_bodies_and_json_cross_both_ways() {
    let server = Server::start(|request| match request.target.as_str() {
        "/json" => (
            200,
            vec![("content-type".into(), "application/json".into())],
            br#"{"a":[1,2]}"#.to_vec(),
        ),
        _ => (
            200,
            Vec::new(),
            request.body.iter().rev().copied().collect(),
        ),
    });
    let mut loaded = loaded_with(
        SandboxBuilder::new().allow_fetch([server.origin()]),
        &[(
            "f",
            r#"export async function handler(origin) {
                const json = await (await fetch(origin + "/json")).json();
                const sent = new Uint8Array([0, 1, 2, 255]);
                const back = await (await fetch(origin + "/reverse", { method: "PUT", body: sent })).arrayBuffer();
                return { json, back: Array.from(new Uint8Array(back)) };
            }"#,
        )],
    );
    let got = loaded
        .handle_event("f", json!(server.origin()).to_string(), None)
        .unwrap();
    assert_eq!(got, r#"{"json":{"a":[1,2]},"back":[255,2,1,0]}"#);
}

#[test]
fn other_origins_are_denied_exactly() {
    let allowed = Server::start(route);
    let other = Server::start(route);
    let mut loaded = sandbox(SandboxBuilder::new().allow_fetch([allowed.origin()]));
    for url in [
        format!("{}/text", other.origin()),
        format!("https://127.0.0.1:{}/text", allowed.port),
        format!("http://127.0.0.2:{}/text", allowed.port),
    ] {
        let got = describe(&mut loaded, &url, json!({}));
        assert_type_error(&got, "is not among the origins");
    }
    let got = describe(&mut loaded, "file:///etc/passwd", json!({}));
    assert_eq!(got["error"], "TypeError", "{got}");
    assert!(other.received().is_empty());
    assert!(allowed.received().is_empty());
}

#[test]
fn redirects_are_followed_only_within_the_allow_list_and_as_the_mode_says() {
    let server = Server::start(route);
    let denied = Server::start(route);
    let mut loaded = sandbox(SandboxBuilder::new().allow_fetch([server.origin()]));
    let to = |target: String| format!("{}/to?{target}", server.origin());

    let got = describe(
        &mut loaded,
        &to(format!("{}/text", server.origin())),
        json!({}),
    );
    assert_eq!(got["text"], "hello", "{got}");
    assert_eq!(got["redirected"], true);
    assert_eq!(got["url"], format!("{}/text", server.origin()));

    let got = describe(
        &mut loaded,
        &to(format!("{}/text", denied.origin())),
        json!({}),
    );
    assert_type_error(&got, "is not among the origins");
    assert!(denied.received().is_empty());

    let got = describe(
        &mut loaded,
        &to("/text".into()),
        json!({ "redirect": "manual" }),
    );
    assert_eq!(got["status"], 302, "{got}");
    let got = describe(
        &mut loaded,
        &to("/text".into()),
        json!({ "redirect": "error" }),
    );
    assert_type_error(&got, "redirect mode");

    // A 303 after a POST is a GET without the body.
    let init = json!({ "method": "POST", "body": "gone" });
    let got = describe(&mut loaded, &format!("{}/see-other", server.origin()), init);
    assert_eq!(got["text"], "GET - ", "{got}");

    // A redirect loop ends after 20 redirects.
    let lp = Server::start(|_| (302, vec![("location".into(), "/again".into())], Vec::new()));
    let mut looping = sandbox(SandboxBuilder::new().allow_fetch([lp.origin()]));
    let got = describe(&mut looping, &format!("{}/x", lp.origin()), json!({}));
    assert_type_error(&got, "more than 20 redirects");
    assert_eq!(lp.received().len(), 21);
}

#[test]
fn a_name_that_resolves_to_loopback_is_refused_even_when_listed() {
    let server = Server::start(route);
    let origin = format!("http://localhost:{}", server.port);
    let mut loaded = sandbox(SandboxBuilder::new().allow_fetch([&origin]));
    let got = describe(&mut loaded, &format!("{origin}/text"), json!({}));
    assert_type_error(&got, "not a public address");
    assert!(server.received().is_empty());
}

#[test]
fn responses_and_requests_are_bounded_by_the_result_size_limit() {
    let server = Server::start(route);
    let builder = SandboxBuilder::new()
        .allow_fetch([server.origin()])
        .max_result_size(64 * 1024);
    let mut loaded = sandbox(builder);
    let got = describe(&mut loaded, &format!("{}/big", server.origin()), json!({}));
    assert_type_error(&got, "over 65536 bytes");
    let init = json!({ "method": "POST", "body": "y".repeat(70 * 1024) });
    let got = describe(&mut loaded, &format!("{}/echo", server.origin()), init);
    assert_eq!(got["error"], "TypeError", "{got}");
    assert!(
        got["message"].as_str().unwrap().contains("over the limit"),
        "{got}"
    );
    assert!(server.received().iter().all(|r| r.target != "/echo"));
}

#[test]
fn each_call_makes_at_most_its_share_of_fetches() {
    let server = Server::start(route);
    let builder = SandboxBuilder::new()
        .allow_fetch([server.origin()])
        .max_fetches_per_call(2);
    let mut loaded = loaded_with(
        builder,
        &[(
            "f",
            r#"export async function handler(origin) {
                const results = await Promise.allSettled([1, 2, 3].map(() => fetch(origin + "/text")));
                return results.map((r) => r.status === "fulfilled" ? r.value.status : r.reason.name);
            }"#,
        )],
    );
    let event = json!(server.origin()).to_string();
    for _ in 0..2 {
        let got = loaded.handle_event("f", &event, None).unwrap();
        assert_eq!(got, r#"[200,200,"TypeError"]"#);
    }
    assert_eq!(server.received().len(), 4);
}

#[test]
fn fetches_run_concurrently_and_a_kill_ends_a_hanging_one() {
    let server = Server::start(route);
    let mut loaded = loaded_with(
        SandboxBuilder::new().allow_fetch([server.origin()]),
        &[(
            "f",
            r#"export async function handler({ origin, n, path }) {
                const all = await Promise.all(Array.from({ length: n }, () => fetch(origin + path)));
                return Promise.all(all.map((r) => r.text()));
            }"#,
        )],
    );
    let event = |n, path| json!({ "origin": server.origin(), "n": n, "path": path }).to_string();
    // The first fetch of the process starts the client; time the second.
    loaded.handle_event("f", event(1, "/text"), None).unwrap();
    let began = Instant::now();
    let got = loaded.handle_event("f", event(10, "/slow"), None).unwrap();
    assert_eq!(got, json!(vec!["slow"; 10]).to_string());
    // One after another they would take 500 ms.
    assert!(
        began.elapsed() < Duration::from_millis(400),
        "{:?}",
        began.elapsed()
    );

    let began = Instant::now();
    let monitor = WallClockMonitor::new(Duration::from_millis(100)).unwrap();
    let killed = loaded.handle_event_with_monitor("f", event(1, "/hang"), &monitor, None);
    assert!(matches!(killed, Err(Error::Killed(_))), "{killed:?}");
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "{:?}",
        began.elapsed()
    );
}

#[test]
fn a_fetch_handler_serves_what_the_allow_list_lets_through() {
    let mut loaded = sandbox(
        SandboxBuilder::new()
            .allow_fetch(["https://api.example.com"])
            .fetch_handler(|request| async move {
                if request.url.ends_with("/fail") {
                    return Err("the service is down".to_owned());
                }
                let body = format!(
                    "{} {} {}",
                    request.method,
                    request.url,
                    String::from_utf8_lossy(&request.body)
                );
                Ok(FetchResponse::new(201, body).with_header("x-test", "handled"))
            }),
    );
    let got = describe(
        &mut loaded,
        "https://api.example.com/a?b",
        json!({ "method": "PATCH", "body": "z" }),
    );
    assert_eq!(got["status"], 201, "{got}");
    assert_eq!(got["test"], "handled");
    assert_eq!(got["text"], "PATCH https://api.example.com/a?b z");
    let got = describe(&mut loaded, "https://api.example.com/fail", json!({}));
    assert_type_error(&got, "the service is down");
    let got = describe(&mut loaded, "https://other.example.com/", json!({}));
    assert_type_error(&got, "is not among the origins");
}

#[test]
fn origins_that_are_not_origins_fail_the_build() {
    for bad in [
        "example.com",
        "https://example.com/path",
        "ftp://example.com",
    ] {
        let built = SandboxBuilder::new().allow_fetch([bad]).build();
        assert!(
            matches!(built, Err(Error::InvalidConfig(ref m)) if m.contains(bad)),
            "{bad}"
        );
    }
}

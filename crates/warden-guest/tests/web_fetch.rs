//! `fetch`, `Headers`, `Request` and `Response` in the guest runtime, over
//! a host that serves the asynchronous host function `$warden.fetch` with
//! canned answers chosen by the request's path, and records every request
//! it is asked for.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use serde_json::{json, Value};
use warden_abi::{encode_blobs, LogLevel, FETCH_FUNCTION, FETCH_MODULE};
use warden_guest::{CallArgs, GuestRuntime, Host, HostValue, Limits};

/// One call of `$warden.fetch` the host was asked to start.
#[derive(Clone, Debug)]
struct Started {
    module: String,
    function: String,
    /// The first argument: `{ method, url, headers, redirect }`.
    request: Value,
    /// The second argument as JSON: null, or the marker of a blob.
    body: Value,
    blobs: Vec<Vec<u8>>,
}

/// Answers fetches when the event loop waits. By path: `/text`, `/json`
/// and `/bytes` answer bodies of those kinds; `/echo` answers 201 with the
/// request's body and a few headers; `/redirect` follows, answers or
/// refuses a redirect as the request's mode says; `/fail` fails; `/never`
/// never finishes; `/malformed` answers bytes that are no response; any
/// other path is a 404. Origin `denied.example` is refused at once.
#[derive(Default)]
struct FetchHost {
    next_id: Cell<u32>,
    started: RefCell<Vec<Started>>,
    running: RefCell<Vec<(u32, Started)>>,
    finished: RefCell<VecDeque<(u32, Result<HostValue, String>)>>,
}

/// A response: its head as the host sends it, then its body.
fn response(
    status: u16,
    text: &str,
    headers: Value,
    url: &str,
    redirected: bool,
    body: &[u8],
) -> HostValue {
    let head = json!({
        "status": status, "statusText": text, "headers": headers, "url": url, "redirected": redirected,
    })
    .to_string();
    HostValue::Bytes(encode_blobs([head.as_bytes(), body]))
}

/// What the host answers to `started`; none for a request that never
/// finishes.
fn answer(started: &Started) -> Option<Result<HostValue, String>> {
    let url = started.request["url"].as_str().unwrap();
    let path = url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]));
    let path = path.unwrap_or("/");
    let body = started.blobs.first().cloned().unwrap_or_default();
    Some(Ok(match path {
        "/text" => response(
            200,
            "OK",
            json!([["content-type", "text/plain;charset=utf-8"]]),
            url,
            false,
            "hello, wörld".as_bytes(),
        ),
        "/json" => response(
            200,
            "OK",
            json!([["content-type", "application/json"]]),
            url,
            false,
            br#"{"greeting":"hi","n":[1,2,3]}"#,
        ),
        "/bytes" => response(200, "OK", json!([]), url, false, &[0, 1, 2, 254, 255]),
        "/echo" => response(
            201,
            "Created",
            json!([
                ["x-method", started.request["method"]],
                ["set-cookie", "a=1"],
                ["set-cookie", "b=2"],
                ["vary", "x"],
                ["vary", "y"]
            ]),
            url,
            false,
            &body,
        ),
        "/empty" => response(204, "No Content", json!([]), url, false, b""),
        "/redirect" => match started.request["redirect"].as_str().unwrap() {
            "follow" => response(
                200,
                "OK",
                json!([]),
                "https://example.com/landed",
                true,
                b"landed",
            ),
            "manual" => response(
                302,
                "Found",
                json!([["location", "/landed"]]),
                url,
                false,
                b"",
            ),
            _ => return Some(Err("redirect refused".into())),
        },
        "/fail" => return Some(Err("connection reset".into())),
        "/malformed" => HostValue::Bytes(vec![1, 2, 3]),
        "/never" => return None,
        _ => response(404, "Not Found", json!([]), url, false, b"no such page"),
    }))
}

impl Host for FetchHost {
    fn print(&self, _: LogLevel, _: &str) {}

    fn call(&self, module: &str, function: &str, _: &CallArgs) -> Result<HostValue, String> {
        Err(format!("no such function {module}.{function}"))
    }

    fn load_module(&self, path: &str) -> Result<(String, String), String> {
        Err(format!("there is no module at {path}"))
    }

    fn start(&self, module: &str, function: &str, args: &CallArgs) -> Result<u32, String> {
        let mut parsed: Vec<Value> =
            serde_json::from_str(&args.json).expect("the arguments are a JSON array");
        assert_eq!(parsed.len(), 2, "{}", args.json);
        let body = parsed.pop().unwrap();
        let request = parsed.pop().unwrap();
        let started = Started {
            module: module.to_owned(),
            function: function.to_owned(),
            request,
            body,
            blobs: args.blobs.clone(),
        };
        self.started.borrow_mut().push(started.clone());
        if started.request["url"]
            .as_str()
            .unwrap()
            .starts_with("https://denied.example/")
        {
            return Err("origin not allowed".into());
        }
        let id = self.next_id.get() + 1;
        self.next_id.set(id);
        self.running.borrow_mut().push((id, started));
        Ok(id)
    }

    fn finished(&self) -> Option<(u32, Result<HostValue, String>)> {
        self.finished.borrow_mut().pop_front()
    }

    fn wait(&self, duration: Duration) {
        let mut still = Vec::new();
        let mut any = false;
        for (id, started) in self.running.borrow_mut().drain(..) {
            match answer(&started) {
                Some(answer) => {
                    any = true;
                    self.finished.borrow_mut().push_back((id, answer));
                }
                None => still.push((id, started)),
            }
        }
        *self.running.borrow_mut() = still;
        if duration == Duration::MAX {
            assert!(any, "the handler waits for a fetch that never finishes");
        } else if !any {
            std::thread::sleep(duration.min(Duration::from_millis(20)));
        }
    }
}

/// A runtime over a fresh [`FetchHost`] with module handlers `h0`, `h1`...
fn runtime(sources: &[&str]) -> (Rc<FetchHost>, GuestRuntime) {
    let host = Rc::new(FetchHost::default());
    let mut rt = GuestRuntime::new(host.clone(), 7).expect("runtime");
    for (i, source) in sources.iter().enumerate() {
        rt.add_handler(&format!("h{i}"), source)
            .unwrap_or_else(|e| panic!("handler h{i} does not compile: {e:?}"));
    }
    (host, rt)
}

/// An async module handler whose body is `body`.
fn handler(body: &str) -> String {
    format!("export async function handler() {{ {body} }}")
}

/// Calls handler `name`; its JSON result.
fn call(rt: &mut GuestRuntime, name: &str) -> Value {
    let json = rt
        .call(name, b"{}", true)
        .unwrap_or_else(|e| panic!("handler {name} failed: {e:?}"));
    serde_json::from_str(&json).expect("the result is JSON")
}

/// Runs an async handler whose body is `body`: the host and the result.
fn run(body: &str) -> (Rc<FetchHost>, Value) {
    let (host, mut rt) = runtime(&[&handler(body)]);
    let out = call(&mut rt, "h0");
    (host, out)
}

/// What `f()` throws (or its promise rejects with) as
/// `"Name: message"`, in the JavaScript of a handler.
const THROWN: &str = "const thrown = async (f) => {
    try { await f(); return 'no error'; }
    catch (e) { return `${e.name}: ${e.message}`; }
};";

fn the_requests(host: &FetchHost) -> Vec<Started> {
    host.started.borrow().clone()
}

#[test]
fn a_get_reads_its_body_as_text_json_an_array_buffer_or_bytes() {
    let (host, out) = run(
        "const r = await fetch('https://example.com/text');
         const head = [r.status, r.ok, r.statusText, r.type, r.url, r.redirected,
                       r.headers.get('Content-Type'), r.bodyUsed, r.body];
         const text = await r.text();
         const json = await (await fetch(new URL('https://example.com/json'))).json();
         const buffer = await (await fetch('https://example.com/bytes')).arrayBuffer();
         const bytes = await (await fetch('https://example.com/bytes')).bytes();
         return { head, text, used: r.bodyUsed, json,
                  buffer: [buffer instanceof ArrayBuffer, buffer.byteLength, Array.from(new Uint8Array(buffer))],
                  bytes: [bytes instanceof Uint8Array, Array.from(bytes)],
                  isResponse: r instanceof Response, tag: Object.prototype.toString.call(r) };",
    );
    assert_eq!(
        out["head"],
        json!([
            200,
            true,
            "OK",
            "basic",
            "https://example.com/text",
            false,
            "text/plain;charset=utf-8",
            false,
            null
        ])
    );
    assert_eq!(out["text"], "hello, wörld");
    assert_eq!(out["used"], true);
    assert_eq!(out["json"], json!({"greeting": "hi", "n": [1, 2, 3]}));
    assert_eq!(out["buffer"], json!([true, 5, [0, 1, 2, 254, 255]]));
    assert_eq!(out["bytes"], json!([true, [0, 1, 2, 254, 255]]));
    assert_eq!(out["isResponse"], true);
    assert_eq!(out["tag"], "[object Response]");

    let requests = the_requests(&host);
    assert_eq!(requests.len(), 4);
    let first = &requests[0];
    assert_eq!(
        (first.module.as_str(), first.function.as_str()),
        (FETCH_MODULE, FETCH_FUNCTION)
    );
    assert_eq!(
        first.request,
        json!({"method": "GET", "url": "https://example.com/text", "headers": [], "redirect": "follow"})
    );
    assert_eq!(first.body, Value::Null);
    assert!(first.blobs.is_empty());
    assert_eq!(requests[1].request["url"], "https://example.com/json");
}

#[test]
fn a_post_sends_its_method_sorted_lower_case_headers_and_a_string_body() {
    let (host, out) = run("const r = await fetch('https://example.com/echo', {
             method: 'post',
             headers: { 'X-Zeta': 'z', 'Accept': 'text/plain', 'x-multi': 'one' },
             body: 'héllo',
         });
         return [r.status, r.statusText, await r.text(), r.headers.get('x-method')];");
    assert_eq!(out, json!([201, "Created", "héllo", "POST"]));
    let sent = &the_requests(&host)[0];
    assert_eq!(sent.request["method"], "POST");
    assert_eq!(
        sent.request["headers"],
        json!([
            ["accept", "text/plain"],
            ["content-type", "text/plain;charset=UTF-8"],
            ["x-multi", "one"],
            ["x-zeta", "z"],
        ])
    );
    assert_eq!(sent.body, json!({"$warden.bytes": 0}));
    assert_eq!(sent.blobs, vec!["héllo".as_bytes().to_vec()]);
}

#[test]
fn binary_and_form_bodies_are_sent_as_their_bytes() {
    let (host, out) = run(
        "const bytes = new Uint8Array([9, 8, 7, 6, 5]);
         const bodies = [
             bytes.subarray(1, 4),
             new DataView(bytes.buffer, 2, 2),
             bytes.buffer,
             new Uint16Array([0x0201]),
             new URLSearchParams({ a: '1', b: 'x y' }),
         ];
         const echoed = [];
         for (const body of bodies) {
             const r = await fetch('https://example.com/echo', { method: 'PUT', body });
             echoed.push(Array.from(await r.bytes()));
         }
         // The body was copied when the request was made.
         const later = new Uint8Array([1, 2, 3]);
         const pending = fetch('https://example.com/echo', { method: 'POST', body: later,
                                                         headers: { 'content-type': 'application/x-mine' } });
         later[0] = 99;
         echoed.push(Array.from(await (await pending).bytes()));
         return echoed;",
    );
    assert_eq!(
        out,
        json!([
            [8, 7, 6],
            [7, 6],
            [9, 8, 7, 6, 5],
            [1, 2],
            b"a=1&b=x+y".to_vec(),
            [1, 2, 3]
        ])
    );
    let requests = the_requests(&host);
    assert_eq!(requests[0].request["method"], "PUT");
    assert_eq!(requests[0].request["headers"], json!([]));
    assert_eq!(requests[0].blobs, vec![vec![8, 7, 6]]);
    assert_eq!(
        requests[4].request["headers"],
        json!([[
            "content-type",
            "application/x-www-form-urlencoded;charset=UTF-8"
        ]])
    );
    assert_eq!(
        requests[5].request["headers"],
        json!([["content-type", "application/x-mine"]])
    );
    assert_eq!(requests[5].blobs, vec![vec![1, 2, 3]]);
}

#[test]
fn methods_are_normalized_and_checked() {
    let (host, out) = run(&format!(
        "{THROWN}
         const methods = [];
         for (const method of ['get', 'Delete', 'options', 'patch', 'Custom']) {{
             methods.push(new Request('https://example.com/', {{ method }}).method);
         }}
         const errors = [];
         for (const method of ['CONNECT', 'trace', 'track', 'a b', '', 'GÉT']) {{
             errors.push(await thrown(() => fetch('https://example.com/', {{ method }})));
         }}
         await fetch('https://example.com/echo', {{ method: 'patch', body: 'x' }});
         return {{ methods, errors }};"
    ));
    assert_eq!(
        out["methods"],
        json!(["GET", "DELETE", "OPTIONS", "PATCH", "Custom"])
    );
    let errors = out["errors"].as_array().unwrap();
    assert_eq!(
        errors[0],
        "TypeError: Request: the method CONNECT is forbidden"
    );
    assert_eq!(
        errors[1],
        "TypeError: Request: the method TRACE is forbidden"
    );
    assert_eq!(
        errors[2],
        "TypeError: Request: the method TRACK is forbidden"
    );
    assert_eq!(
        errors[3],
        "TypeError: Request: \"a b\" is not a valid HTTP method"
    );
    assert_eq!(
        errors[4],
        "TypeError: Request: \"\" is not a valid HTTP method"
    );
    assert_eq!(
        errors[5],
        "TypeError: Request: \"GÉT\" is not a valid HTTP method"
    );
    let requests = the_requests(&host);
    assert_eq!(requests.len(), 1, "only the valid request reached the host");
    assert_eq!(requests[0].request["method"], "PATCH");
}

#[test]
fn the_redirect_mode_goes_to_the_host_and_the_response_says_where_it_ended() {
    let (host, out) = run(&format!(
        "{THROWN}
         const followed = await fetch('https://example.com/redirect');
         const manual = await fetch('https://example.com/redirect', {{ redirect: 'manual' }});
         return {{
             followed: [followed.status, followed.url, followed.redirected, await followed.text()],
             manual: [manual.status, manual.headers.get('location'), manual.redirected, manual.url],
             error: await thrown(() => fetch('https://example.com/redirect', {{ redirect: 'error' }})),
             bad: await thrown(() => fetch('https://example.com/redirect', {{ redirect: 'sometimes' }})),
         }};"
    ));
    assert_eq!(
        out["followed"],
        json!([200, "https://example.com/landed", true, "landed"])
    );
    assert_eq!(
        out["manual"],
        json!([302, "/landed", false, "https://example.com/redirect"])
    );
    assert_eq!(out["error"], "TypeError: fetch failed: redirect refused");
    assert_eq!(
        out["bad"],
        "TypeError: Request: \"sometimes\" is not a redirect mode (\"follow\", \"error\" or \"manual\")"
    );
    let modes: Vec<Value> = the_requests(&host)
        .iter()
        .map(|s| s.request["redirect"].clone())
        .collect();
    assert_eq!(
        modes,
        vec![json!("follow"), json!("manual"), json!("error")]
    );
}

#[test]
fn refusals_and_network_errors_reject_with_catchable_type_errors() {
    let (host, out) = run(
        "const outcomes = [];
         for (const url of ['https://denied.example/x', 'https://example.com/fail',
                            'https://example.com/malformed']) {
             try { await fetch(url); outcomes.push('resolved'); }
             catch (e) { outcomes.push([e instanceof TypeError, e.constructor === TypeError, e.message]); }
         }
         // A handler goes on after a failure.
         outcomes.push((await fetch('https://example.com/text')).status);
         return outcomes;",
    );
    assert_eq!(
        out,
        json!([
            [true, true, "fetch failed: origin not allowed"],
            [true, true, "fetch failed: connection reset"],
            [true, true, "fetch failed: the host's response is malformed"],
            200,
        ])
    );
    assert_eq!(the_requests(&host).len(), 4);
}

#[test]
fn only_absolute_http_and_https_urls_reach_the_host() {
    let (host, out) = run(&format!(
        "{THROWN}
         const errors = [];
         for (const url of ['ftp://example.com/x', 'data:text/plain,hi', 'file:///etc/passwd',
                            '/relative', 'example.com/text', 'https://user:pw@example.com/']) {{
             errors.push(await thrown(() => fetch(url)));
         }}
         errors.push(await thrown(() => fetch()));
         // Made, but not fetched.
         const request = new Request('mailto:someone@example.com');
         errors.push(await thrown(() => fetch(request)));
         const url = (await fetch('http://example.com/text#part')).url;
         return {{ errors, url, requestUrl: new Request('https://example.com/a#frag').url }};"
    ));
    assert_eq!(
        out["errors"],
        json!([
            "TypeError: fetch: ftp: URLs cannot be fetched, only http: and https: ones",
            "TypeError: fetch: data: URLs cannot be fetched, only http: and https: ones",
            "TypeError: fetch: file: URLs cannot be fetched, only http: and https: ones",
            "TypeError: Request: \"/relative\" is not a valid absolute URL",
            "TypeError: Request: \"example.com/text\" is not a valid absolute URL",
            "TypeError: Request: the URL includes credentials",
            "TypeError: fetch: 1 argument required, 0 given",
            "TypeError: fetch: mailto: URLs cannot be fetched, only http: and https: ones",
        ])
    );
    // The fragment is the request's, but it is not sent.
    assert_eq!(out["requestUrl"], "https://example.com/a#frag");
    let requests = the_requests(&host);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].request["url"], "http://example.com/text");
    assert_eq!(out["url"], "http://example.com/text");
}

#[test]
fn get_and_head_requests_cannot_have_a_body() {
    let (host, out) = run(&format!(
        "{THROWN}
         const post = new Request('https://example.com/echo', {{ method: 'POST', body: 'x' }});
         return [
             await thrown(() => fetch('https://example.com/', {{ body: 'x' }})),
             await thrown(() => fetch('https://example.com/', {{ method: 'HEAD', body: new Uint8Array(1) }})),
             await thrown(() => new Request('https://example.com/', {{ method: 'get', body: '' }})),
             // A body inherited from the input counts too.
             await thrown(() => new Request(post, {{ method: 'GET' }})),
             // Null and undefined are no body.
             new Request('https://example.com/', {{ body: null }}).method,
             (await fetch('https://example.com/text', {{ method: 'HEAD', body: undefined }})).body,
         ];"
    ));
    assert_eq!(
        out,
        json!([
            "TypeError: Request: a GET request cannot have a body",
            "TypeError: Request: a HEAD request cannot have a body",
            "TypeError: Request: a GET request cannot have a body",
            "TypeError: Request: a GET request cannot have a body",
            "GET",
            null,
        ])
    );
    assert_eq!(
        the_requests(&host).len(),
        1,
        "only the HEAD without a body was sent"
    );
}

#[test]
fn an_already_aborted_signal_rejects_before_the_host_is_asked() {
    let (host, out) = run("const reason = { why: 'no longer needed' };
         const outcomes = [];
         for (const signal of [AbortSignal.abort(reason), AbortSignal.abort()]) {
             try { await fetch('https://example.com/text', { signal }); outcomes.push('resolved'); }
             catch (e) { outcomes.push(e === reason ? 'the reason' : `${e.name}: ${e.message}`); }
         }
         const controller = new AbortController();
         const request = new Request('https://example.com/text', { signal: controller.signal });
         controller.abort('late');
         try { await fetch(request); } catch (e) { outcomes.push(e); }
         try { await fetch('https://example.com/text', { signal: 'not a signal' }); }
         catch (e) { outcomes.push(`${e.name}: ${e.message}`); }
         return outcomes;");
    assert_eq!(
        out,
        json!([
            "the reason",
            "AbortError: signal is aborted without reason",
            "late",
            "TypeError: Request: the signal is not an AbortSignal",
        ])
    );
    assert!(the_requests(&host).is_empty());
}

#[test]
fn aborting_a_fetch_in_flight_rejects_it_with_the_reason() {
    let (host, out) = run("const outcomes = [];
         // Aborted by a timer while the host still works on it.
         const controller = new AbortController();
         setTimeout(() => controller.abort(new Error('took too long')), 0);
         try { await fetch('https://example.com/never', { signal: controller.signal }); }
         catch (e) { outcomes.push(`${e.name}: ${e.message}`); }
         // Aborted right after it started: the host's answer is dropped.
         const now = new AbortController();
         const pending = fetch('https://example.com/text', { signal: now.signal });
         now.abort();
         try { await pending; } catch (e) { outcomes.push(`${e.name}: ${e.message}`); }
         try { await fetch('https://example.com/never', { signal: AbortSignal.timeout(5) }); }
         catch (e) { outcomes.push(`${e.name}: ${e.message}`); }
         // Aborting after the response came changes nothing.
         const done = new AbortController();
         const response = await fetch('https://example.com/text', { signal: done.signal });
         done.abort();
         outcomes.push(await response.text());
         return outcomes;");
    assert_eq!(
        out,
        json!([
            "Error: took too long",
            "AbortError: signal is aborted without reason",
            "TimeoutError: The operation timed out.",
            "hello, wörld",
        ])
    );
    let urls: Vec<Value> = the_requests(&host)
        .iter()
        .map(|s| s.request["url"].clone())
        .collect();
    assert_eq!(
        urls.len(),
        4,
        "each request reached the host before it was aborted: {urls:?}"
    );
}

#[test]
fn a_body_is_read_once_and_only_an_unread_one_is_cloned() {
    let (_, out) = run(&format!(
        "{THROWN}
         const r = await fetch('https://example.com/text');
         const copy = r.clone();
         const first = await r.text();
         const again = await thrown(() => r.text());
         const asJson = await thrown(() => r.json());
         const cloneAfter = await thrown(() => r.clone());
         const fromCopy = await copy.arrayBuffer();
         const request = new Request('https://example.com/echo', {{ method: 'POST', body: 'payload' }});
         const requestCopy = request.clone();
         const sent = await (await fetch(request)).text();
         const resend = await thrown(() => fetch(request));
         // A response without a body reads as empty, as often as asked.
         const empty = await fetch('https://example.com/empty');
         return {{
             first, again, asJson, cloneAfter, copied: fromCopy.byteLength,
             used: [r.bodyUsed, copy.bodyUsed, request.bodyUsed, requestCopy.bodyUsed],
             sent, resend, fromRequestCopy: await requestCopy.text(),
             empty: [empty.status, empty.body, await empty.text(), await empty.text(), empty.bodyUsed],
             status: copy.status, copyHeaders: copy.headers.get('content-type'),
         }};"
    ));
    assert_eq!(out["first"], "hello, wörld");
    assert_eq!(
        out["again"],
        "TypeError: Response.text: the body has already been read"
    );
    assert_eq!(
        out["asJson"],
        "TypeError: Response.json: the body has already been read"
    );
    assert_eq!(
        out["cloneAfter"],
        "TypeError: Response.clone: the body has already been read"
    );
    assert_eq!(out["copied"], 13);
    assert_eq!(out["used"], json!([true, true, true, false]));
    assert_eq!(out["sent"], "payload");
    assert_eq!(
        out["resend"],
        "TypeError: Request: the input request's body has already been read"
    );
    assert_eq!(out["fromRequestCopy"], "payload");
    assert_eq!(out["empty"], json!([204, null, "", "", false]));
    assert_eq!(out["status"], 200);
    assert_eq!(out["copyHeaders"], "text/plain;charset=utf-8");
}

#[test]
fn headers_are_case_insensitive_sorted_and_combined() {
    let (_, out) = run(
        "const h = new Headers([['X-B', '1'], ['Set-Cookie', 'a=1']]);
         h.append('x-b', ' \\t2 \\r\\n');
         h.append('SET-COOKIE', 'b=2');
         h.append('A-First', 'yes');
         const seen = [];
         h.forEach((value, name, self) => seen.push([name, value, self === h]));
         const before = [...h];
         const keys = [...h.keys()];
         const values = [...h.values()];
         const got = [h.get('x-B'), h.get('set-cookie'), h.get('missing'), h.has('A-FIRST'), h.has('nope')];
         const cookies = h.getSetCookie();
         h.set('X-b', '3');
         h.delete('Set-Cookie');
         const after = [...h.entries()];
         const fromRecord = [...new Headers({ 'Content-Type': 'text/html', Accept: '*/*' })];
         const fromHeaders = new Headers(h);
         fromHeaders.append('x-new', '1');
         const iterator = h[Symbol.iterator]();
         return { before, seen, keys, values, got, cookies, after, fromRecord,
                  independent: [h.has('x-new'), fromHeaders.get('x-b')],
                  tags: [Object.prototype.toString.call(h), Object.prototype.toString.call(iterator)],
                  same: Headers.prototype[Symbol.iterator] === Headers.prototype.entries };",
    );
    let before = json!([
        ["a-first", "yes"],
        ["set-cookie", "a=1"],
        ["set-cookie", "b=2"],
        ["x-b", "1, 2"]
    ]);
    assert_eq!(out["before"], before);
    assert_eq!(
        out["seen"],
        json!([
            ["a-first", "yes", true],
            ["set-cookie", "a=1", true],
            ["set-cookie", "b=2", true],
            ["x-b", "1, 2", true]
        ])
    );
    assert_eq!(
        out["keys"],
        json!(["a-first", "set-cookie", "set-cookie", "x-b"])
    );
    assert_eq!(out["values"], json!(["yes", "a=1", "b=2", "1, 2"]));
    assert_eq!(out["got"], json!(["1, 2", "a=1, b=2", null, true, false]));
    assert_eq!(out["cookies"], json!(["a=1", "b=2"]));
    assert_eq!(out["after"], json!([["a-first", "yes"], ["x-b", "3"]]));
    assert_eq!(
        out["fromRecord"],
        json!([["accept", "*/*"], ["content-type", "text/html"]])
    );
    assert_eq!(out["independent"], json!([false, "3"]));
    assert_eq!(
        out["tags"],
        json!(["[object Headers]", "[object Headers Iterator]"])
    );
    assert_eq!(out["same"], true);
}

#[test]
fn invalid_header_names_and_values_are_type_errors() {
    let (_, out) = run(&format!(
        "{THROWN}
         const h = new Headers();
         const many = [];
         for (let i = 0; i < 1025; i++) many.push([`x-${{i}}`, 'v']);
         return [
             await thrown(() => h.append('a b', 'v')),
             await thrown(() => h.append('', 'v')),
             await thrown(() => h.set('é', 'v')),
             await thrown(() => h.get('bad:name')),
             await thrown(() => h.append('x', 'a\\nb')),
             await thrown(() => h.append('x', 'a\\0b')),
             await thrown(() => h.append('x', '\\u0100')),
             await thrown(() => new Headers([['a', 'b', 'c']])),
             await thrown(() => new Headers([['a']])),
             await thrown(() => new Headers('a: b')),
             await thrown(() => new Headers(many)),
             await thrown(() => h.append('x')),
             await thrown(() => Headers.prototype.get.call({{}}, 'x')),
             await thrown(() => Headers()),
             [...h].length,
         ];"
    ));
    assert_eq!(
        out,
        json!([
            "TypeError: Headers.append: \"a b\" is not a valid header name",
            "TypeError: Headers.append: \"\" is not a valid header name",
            "TypeError: Headers.set: \"é\" is not a valid header name",
            "TypeError: Headers.get: \"bad:name\" is not a valid header name",
            "TypeError: Headers.append: a header value contains NUL, CR or LF",
            "TypeError: Headers.append: a header value contains NUL, CR or LF",
            "TypeError: Headers.append: \"\u{100}\" has a character above U+00FF",
            "TypeError: Headers: each header must be a pair of a name and a value",
            "TypeError: Headers: each header must be a pair of a name and a value",
            "TypeError: Headers: the headers are neither pairs nor a record",
            "TypeError: Headers: there are more than 1024 headers",
            "TypeError: Headers.append: 2 arguments required, 1 given",
            "TypeError: Headers.get: this is not a Headers object",
            out[13],
            0,
        ])
    );
    assert!(
        out[13].as_str().unwrap().starts_with("TypeError"),
        "{}",
        out[13]
    );
}

#[test]
fn the_headers_of_a_fetched_response_are_immutable() {
    let (_, out) = run(&format!(
        "{THROWN}
         const r = await fetch('https://example.com/echo', {{ method: 'POST', body: 'x' }});
         const copy = new Headers(r.headers);
         copy.set('vary', 'z');
         return [
             await thrown(() => r.headers.set('x', '1')),
             await thrown(() => r.headers.append('x', '1')),
             await thrown(() => r.headers.delete('vary')),
             await thrown(() => r.clone().headers.set('x', '1')),
             await thrown(() => Response.error().headers.append('x', '1')),
             [...r.headers],
             r.headers.getSetCookie(),
             copy.get('vary'),
             r.headers === r.headers,
         ];"
    ));
    let immutable = "TypeError: Headers.set: these headers are immutable";
    assert_eq!(out[0], immutable);
    assert_eq!(
        out[1],
        "TypeError: Headers.append: these headers are immutable"
    );
    assert_eq!(
        out[2],
        "TypeError: Headers.delete: these headers are immutable"
    );
    assert_eq!(out[3], immutable);
    assert_eq!(
        out[4],
        "TypeError: Headers.append: these headers are immutable"
    );
    assert_eq!(
        out[5],
        json!([
            ["set-cookie", "a=1"],
            ["set-cookie", "b=2"],
            ["vary", "x, y"],
            ["x-method", "POST"]
        ])
    );
    assert_eq!(out[6], json!(["a=1", "b=2"]));
    assert_eq!(out[7], "z");
    assert_eq!(out[8], true);
}

#[test]
fn responses_are_made_checked_and_read() {
    let (_, out) = run(&format!(
        "{THROWN}
         const r = new Response('made', {{ status: 201, statusText: 'Made', headers: {{ 'X-A': '1' }} }});
         const plain = new Response();
         const json = Response.json({{ a: [1, 'two'] }}, {{ status: 202, headers: {{ 'x-b': '2' }} }});
         const error = Response.error();
         const moved = Response.redirect('https://example.com/new?q=1', 301);
         const found = Response.redirect(new URL('https://example.com/found'));
         const form = new Response(new URLSearchParams('a=1&b=2'));
         const typed = new Response(new Uint8Array([104, 105]), {{ headers: {{ 'content-type': 'text/x' }} }});
         return {{
             made: [r.status, r.ok, r.statusText, r.type, r.url, r.redirected, r.body,
                    [...r.headers], await r.text()],
             plain: [plain.status, plain.ok, plain.statusText, plain.type, await plain.text(), plain.bodyUsed],
             json: [json.status, json.headers.get('content-type'), json.headers.get('x-b'), await json.json()],
             error: [error.type, error.status, error.ok, error.statusText, error.body],
             moved: [moved.status, moved.headers.get('location'), moved.type],
             found: [found.status, found.headers.get('location')],
             form: [form.headers.get('content-type'), await form.text()],
             typed: [typed.headers.get('content-type'), await typed.text()],
             nullBody: (await new Response(null, {{ status: 204 }})).status,
             errors: [
                 await thrown(() => new Response('x', {{ status: 204 }})),
                 await thrown(() => new Response('', {{ status: 304 }})),
                 await thrown(() => new Response(null, {{ status: 199 }})),
                 await thrown(() => new Response(null, {{ status: 600 }})),
                 await thrown(() => new Response(null, {{ statusText: 'bad\\ntext' }})),
                 await thrown(() => Response.redirect('https://example.com/', 200)),
                 await thrown(() => Response.redirect('/relative')),
                 await thrown(() => Response.json(undefined)),
                 await thrown(() => Response.json()),
                 await thrown(() => Response.prototype.text.call({{}})),
                 await thrown(() => Response()),
             ],
         }};"
    ));
    assert_eq!(
        out["made"],
        json!([
            201,
            true,
            "Made",
            "default",
            "",
            false,
            null,
            [["content-type", "text/plain;charset=UTF-8"], ["x-a", "1"]],
            "made"
        ])
    );
    assert_eq!(out["plain"], json!([200, true, "", "default", "", false]));
    assert_eq!(
        out["json"],
        json!([202, "application/json", "2", {"a": [1, "two"]}])
    );
    assert_eq!(out["error"], json!(["error", 0, false, "", null]));
    assert_eq!(
        out["moved"],
        json!([301, "https://example.com/new?q=1", "default"])
    );
    assert_eq!(out["found"], json!([302, "https://example.com/found"]));
    assert_eq!(
        out["form"],
        json!(["application/x-www-form-urlencoded;charset=UTF-8", "a=1&b=2"])
    );
    assert_eq!(out["typed"], json!(["text/x", "hi"]));
    assert_eq!(out["nullBody"], 204);
    let errors = out["errors"].as_array().unwrap();
    assert_eq!(
        errors[0],
        "TypeError: Response: a response with status 204 cannot have a body"
    );
    assert_eq!(
        errors[1],
        "TypeError: Response: a response with status 304 cannot have a body"
    );
    assert_eq!(
        errors[2],
        "RangeError: Response: the status 199 is not in the range 200 to 599"
    );
    assert_eq!(
        errors[3],
        "RangeError: Response: the status 600 is not in the range 200 to 599"
    );
    assert_eq!(
        errors[4],
        "TypeError: Response: \"bad\ntext\" is not a valid status text"
    );
    assert_eq!(
        errors[5],
        "RangeError: Response.redirect: 200 is not a redirect status (301, 302, 303, 307 or 308)"
    );
    assert_eq!(
        errors[6],
        "TypeError: Response.redirect: \"/relative\" is not a valid absolute URL"
    );
    assert_eq!(
        errors[7],
        "TypeError: Response.json: the data cannot be serialized as JSON"
    );
    assert_eq!(
        errors[8],
        "TypeError: Response.json: 1 argument required, 0 given"
    );
    assert_eq!(
        errors[9],
        "TypeError: Response.text: this is not a Response"
    );
    assert!(
        errors[10].as_str().unwrap().starts_with("TypeError"),
        "{}",
        errors[10]
    );
}

#[test]
fn a_request_keeps_its_parts_and_fetch_sends_them_with_init_overriding() {
    let (host, out) = run(
        "const signal = new AbortController().signal;
         const base = new Request('https://example.com/echo#top', {
             method: 'put', headers: [['X-One', '1']], body: 'base body', signal, redirect: 'manual',
         });
         const plain = new Request('https://example.com/');
         const parts = [base.method, base.url, [...base.headers], base.redirect, base.signal === signal,
                        base.body, base.bodyUsed, base instanceof Request,
                        Object.prototype.toString.call(base)];
         const defaults = [plain.method, plain.redirect, plain.signal instanceof AbortSignal,
                           plain.signal.aborted, plain.body, [...plain.headers]];
         const derived = new Request(base, { method: 'POST', headers: { 'x-two': '2' } });
         const sent = await (await fetch(derived, { redirect: 'follow' })).text();
         return { parts, defaults, derived: [derived.method, derived.url, derived.redirect,
                                             derived.signal === signal, base.bodyUsed], sent };",
    );
    assert_eq!(
        out["parts"],
        json!([
            "PUT",
            "https://example.com/echo#top",
            [["content-type", "text/plain;charset=UTF-8"], ["x-one", "1"]],
            "manual",
            true,
            null,
            false,
            true,
            "[object Request]"
        ])
    );
    assert_eq!(
        out["defaults"],
        json!(["GET", "follow", true, false, null, []])
    );
    assert_eq!(
        out["derived"],
        json!(["POST", "https://example.com/echo#top", "manual", true, true])
    );
    assert_eq!(out["sent"], "base body");
    let sent = &the_requests(&host)[0];
    assert_eq!(
        sent.request,
        json!({"method": "POST", "url": "https://example.com/echo", "headers": [["x-two", "2"]],
               "redirect": "follow"})
    );
    assert_eq!(sent.blobs, vec![b"base body".to_vec()]);
}

#[test]
fn the_globals_are_shaped_as_web_idl_has_them() {
    let (_, out) = run("const names = ['fetch', 'Headers', 'Request', 'Response'];
         return {
             descriptors: names.map((name) => {
                 const d = Object.getOwnPropertyDescriptor(globalThis, name);
                 return [typeof d.value, d.writable, d.enumerable, d.configurable];
             }),
             lengths: [fetch.length, Headers.length, Request.length, Response.length],
             promise: fetch('https://example.com/text') instanceof Promise,
             rejected: fetch('ftp://x/').catch((e) => e.name) instanceof Promise,
         };");
    assert_eq!(
        out["descriptors"],
        json!(vec![json!(["function", true, false, true]); 4])
    );
    assert_eq!(out["lengths"], json!([1, 0, 1, 0]));
    assert_eq!(out["promise"], true);
    assert_eq!(out["rejected"], true);
}

#[test]
fn arguments_over_the_size_limit_reject_with_a_type_error() {
    let (host, mut rt) = runtime(&[&handler(
        "try { await fetch('https://example.com/echo', { method: 'POST', body: 'x'.repeat(4096) }); return 'sent'; }
         catch (e) { return [e instanceof TypeError, e.message]; }",
    )]);
    rt.set_limits(Limits {
        max_json: 1024,
        ..Default::default()
    });
    let out = call(&mut rt, "h0");
    assert_eq!(out[0], true);
    let message = out[1].as_str().unwrap();
    assert!(
        message.starts_with("fetch failed: ") && message.contains("over the limit of 1024"),
        "{message}"
    );
    assert!(the_requests(&host).is_empty());
}

#[test]
fn fetch_still_works_after_a_handler_tampers_with_built_ins() {
    let tamper = handler(
        "const boom = (what) => function () { throw new Error(`tampered ${what} ran`); };
         Array.prototype.push = boom('push');
         Array.prototype[Symbol.iterator] = boom('array iterator');
         Array.prototype.sort = boom('sort');
         Array.prototype.join = boom('join');
         JSON.parse = boom('JSON.parse');
         JSON.stringify = boom('JSON.stringify');
         String.prototype.toLowerCase = boom('toLowerCase');
         String.prototype.toUpperCase = boom('toUpperCase');
         String.prototype.charCodeAt = boom('charCodeAt');
         String.prototype.slice = boom('slice');
         const keys = ['body', 'status', 'headers', 'method', 'url', 'value', 'name', 'done',
                       '0', '1', 'length', 'then'];
         for (let i = 0; i < keys.length; i++) {
             const key = keys[i];
             // Without a prototype: `value` is one of the keys.
             Object.defineProperty(Object.prototype, key, {
                 __proto__: null, set: boom(`setter of ${key}`), configurable: true,
             });
         }
         Promise.prototype.then = boom('then');
         Object.defineProperty(Promise, Symbol.species, { __proto__: null, get: boom('species') });
         URL.prototype.toString = boom('URL toString');
         Object.defineProperty(URL.prototype, 'href', { __proto__: null, get: boom('href') });
         EventTarget.prototype.addEventListener = boom('addEventListener');
         TextEncoder.prototype.encode = boom('encode');
         TextDecoder.prototype.decode = boom('decode');
         Uint8Array.prototype.set = boom('set');
         globalThis.URL = boom('URL');
         Reflect.apply = boom('Reflect.apply');
         Object.defineProperty = boom('defineProperty');
         Object.getOwnPropertyDescriptor = boom('getOwnPropertyDescriptor');
         return 'tampered';",
    );
    let fetching = handler(
        "const r = await fetch(new Request('https://example.com/echo', {
             method: 'post',
             headers: { 'X-Lower': 'a', 'Content-Type': 'application/json' },
             body: '{\"sent\":[1,2]}',
             signal: new AbortController().signal,
         }));
         const h = new Headers({ 'B-Name': '1', 'A-Name': '2' });
         h.append('b-name', '3');
         const pairs = {};
         h.forEach((value, name) => { pairs[name] = value; });
         const made = Response.json({ made: true });
         // The tampering is in force here too.
         let pushBroken = false;
         try { [].push(1); } catch { pushBroken = true; }
         return { status: r.status, method: r.headers.get('X-Method'), cookies: r.headers.getSetCookie().length,
                  body: await r.json(), pairs, made: await made.json(),
                  type: made.headers.get('content-type'), pushBroken };",
    );
    let (host, mut rt) = runtime(&[&tamper, &fetching]);
    assert_eq!(call(&mut rt, "h0"), "tampered");
    let out = call(&mut rt, "h1");
    assert_eq!(
        out,
        json!({
            "status": 201, "method": "POST", "cookies": 2, "body": {"sent": [1, 2]},
            "pairs": {"a-name": "2", "b-name": "1, 3"}, "made": {"made": true}, "type": "application/json",
            "pushBroken": true,
        })
    );
    let sent = &the_requests(&host)[0];
    assert_eq!(
        sent.request,
        json!({"method": "POST", "url": "https://example.com/echo",
               "headers": [["content-type", "application/json"], ["x-lower", "a"]], "redirect": "follow"})
    );
    assert_eq!(sent.blobs, vec![br#"{"sent":[1,2]}"#.to_vec()]);
}

//! Asynchronous host functions in the guest runtime: their promises, many
//! calls in flight at once, errors, and calls left in flight when a call
//! ends. The host here finishes calls only when the event loop waits, in
//! the reverse of the order they started.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use warden_abi::LogLevel;
use warden_guest::{CallArgs, GuestRuntime, Host, HostValue};

#[derive(Default)]
struct AsyncHost {
    next_id: Cell<u32>,
    /// Started and not yet finished: id, function, arguments.
    running: RefCell<Vec<(u32, String, String)>>,
    finished: RefCell<VecDeque<(u32, Result<HostValue, String>)>>,
    /// The arguments of the last synchronous call.
    last_args: RefCell<CallArgs>,
    /// How many calls were running at each wait, and what each asked for.
    waits: RefCell<Vec<(usize, Duration)>>,
    /// Waits `db.slow` still needs before it finishes.
    slow_waits: Cell<u32>,
}

impl Host for AsyncHost {
    fn print(&self, _: LogLevel, _: &str) {}

    fn call(&self, module: &str, function: &str, args: &CallArgs) -> Result<HostValue, String> {
        *self.last_args.borrow_mut() = args.clone();
        match function {
            // The first binary argument, reversed.
            "reverse" => Ok(HostValue::Bytes(
                args.blobs[0].iter().rev().copied().collect(),
            )),
            _ => Err(format!("{module}.{function} is not synchronous")),
        }
    }

    fn load_module(&self, path: &str) -> Result<(String, String), String> {
        Err(format!("there is no module at {path}"))
    }

    fn start(&self, _: &str, function: &str, args: &CallArgs) -> Result<u32, String> {
        if function == "refuse" {
            return Err("refused at once".into());
        }
        let id = self.next_id.get() + 1;
        self.next_id.set(id);
        self.running
            .borrow_mut()
            .push((id, function.to_owned(), args.json.clone()));
        Ok(id)
    }

    fn finished(&self) -> Option<(u32, Result<HostValue, String>)> {
        self.finished.borrow_mut().pop_front()
    }

    fn wait(&self, duration: Duration) {
        let mut running = self.running.borrow_mut();
        self.waits.borrow_mut().push((running.len(), duration));
        let mut still = Vec::new();
        while let Some((id, function, args)) = running.pop() {
            let answer = match function.as_str() {
                "double" => {
                    let args: Vec<f64> = serde_json::from_str(&args).unwrap();
                    Ok(HostValue::Json((args[0] * 2.0).to_string()))
                }
                "fail" => Err("boom".to_owned()),
                "slow" if self.slow_waits.get() > 0 => {
                    self.slow_waits.set(self.slow_waits.get() - 1);
                    still.push((id, function, args));
                    continue;
                }
                "slow" => Ok(HostValue::Json("\"slow\"".to_owned())),
                _ => continue, // never finishes
            };
            self.finished.borrow_mut().push_back((id, answer));
        }
        *running = still;
    }
}

fn runtime(source: &str) -> (Rc<AsyncHost>, GuestRuntime) {
    let host = Rc::new(AsyncHost::default());
    let mut rt = GuestRuntime::new(host.clone(), 1).unwrap();
    for function in ["double", "fail", "slow", "never", "refuse"] {
        rt.declare_host_function("db", function, true);
    }
    rt.declare_host_function("db", "reverse", false);
    rt.add_handler("h", source).unwrap();
    (host, rt)
}

fn call(rt: &mut GuestRuntime) -> serde_json::Value {
    serde_json::from_str(&rt.call("h", b"{}", false).unwrap()).unwrap()
}

#[test]
fn many_calls_are_in_flight_at_once_and_settle_their_own_promises() {
    let (host, mut rt) = runtime(
        r#"import { double } from "host:db";
        export async function handler() {
            const pending = [];
            for (let i = 0; i < 10; i++) pending.push(double(i));
            const isPromise = pending[0] instanceof Promise;
            return { isPromise, values: await Promise.all(pending) };
        }"#,
    );
    let result = call(&mut rt);
    assert_eq!(result["isPromise"], true);
    assert_eq!(
        result["values"],
        serde_json::json!([0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
    );
    // All ten were running when the loop first waited, and it waited once.
    assert_eq!(host.waits.borrow().as_slice(), [(10, Duration::MAX)]);
}

#[test]
fn failures_reject_with_catchable_errors() {
    let (_, mut rt) = runtime(
        r#"import { fail, refuse, double } from "host:db";
        export async function handler() {
            const out = [];
            for (const f of [() => fail(), () => refuse(), () => double("x".repeat(300))]) {
                try { await f(); out.push("resolved"); }
                catch (e) { out.push(`${e instanceof Error} ${e.message.slice(0, 60)}`); }
            }
            return out;
        }"#,
    );
    rt.set_limits(warden_guest::Limits {
        max_json: 256,
        ..Default::default()
    });
    let result = call(&mut rt);
    assert_eq!(result[0], "true host function db.fail failed: boom");
    assert_eq!(
        result[1],
        "true host function db.refuse failed: refused at once"
    );
    let too_big = result[2].as_str().unwrap();
    assert!(
        too_big.starts_with("true host function db.double failed: its arguments are"),
        "{too_big}"
    );
}

#[test]
fn the_loop_waits_as_long_as_a_call_is_in_flight() {
    let (host, mut rt) = runtime(
        r#"import { slow } from "host:db";
        export async function handler() { return await slow(); }"#,
    );
    host.slow_waits.set(3);
    assert_eq!(call(&mut rt), "slow");
    assert_eq!(host.waits.borrow().len(), 4);
}

#[test]
fn calls_in_flight_when_the_handler_returns_are_forgotten() {
    let (host, mut rt) = runtime(
        r#"import { never, double } from "host:db";
        let calls = 0;
        export async function handler() {
            calls++;
            if (calls === 1) { never().then(() => globalThis.late = true); return "first"; }
            return { late: globalThis.late ?? false, doubled: await double(4) };
        }"#,
    );
    assert_eq!(call(&mut rt), "first");
    assert!(host.waits.borrow().is_empty(), "returning did not wait");
    // A late answer to the forgotten call is dropped.
    host.finished
        .borrow_mut()
        .push_back((1, Ok(HostValue::Json("1".into()))));
    assert_eq!(
        call(&mut rt),
        serde_json::json!({ "late": false, "doubled": 8 })
    );
}

#[test]
fn binary_arguments_travel_beside_the_json_and_binary_results_are_uint8_arrays() {
    let (host, mut rt) = runtime(
        r#"import { reverse } from "host:db";
        export function handler() {
            const bytes = new Uint8Array([1, 2, 3, 250]);
            const view = new DataView(new Uint8Array([9, 8, 7]).buffer, 1);
            const out = reverse(bytes, "text", view, bytes.buffer);
            return { isBytes: out instanceof Uint8Array, out: Array.from(out) };
        }"#,
    );
    let result = call(&mut rt);
    assert_eq!(result["isBytes"], true);
    assert_eq!(result["out"], serde_json::json!([250, 3, 2, 1]));
    let args = host.last_args.borrow().clone();
    assert_eq!(
        args.json,
        r#"[{"$warden.bytes":0},"text",{"$warden.bytes":1},{"$warden.bytes":2}]"#
    );
    assert_eq!(
        args.blobs,
        [vec![1, 2, 3, 250], vec![8, 7], vec![1, 2, 3, 250]]
    );
}

#[test]
fn binary_arguments_count_toward_the_size_limit() {
    let (_, mut rt) = runtime(
        r#"import { reverse } from "host:db";
        export function handler() {
            try { reverse(new Uint8Array(300)); return "passed"; }
            catch (e) { return e.message; }
        }"#,
    );
    rt.set_limits(warden_guest::Limits {
        max_json: 256,
        ..Default::default()
    });
    let message = call(&mut rt);
    assert!(
        message
            .as_str()
            .unwrap()
            .contains("its arguments are 300 bytes, over the limit of 256"),
        "{message}"
    );
}

//! Helpers shared by the guest's native tests: a host that records what
//! handlers print, and runtimes with handlers given as source.
#![allow(dead_code, reason = "each test binary uses only some of the helpers")]

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::Value;
use warden_abi::{LogLevel, Status};
use warden_guest::{CallArgs, GuestError, GuestRuntime, Host, HostValue, Limits};

/// Records console output; host function `math.add` adds its two
/// arguments. There are no user modules.
#[derive(Default)]
pub(crate) struct TestHost {
    pub(crate) printed: RefCell<Vec<(LogLevel, String)>>,
}

impl Host for TestHost {
    fn print(&self, level: LogLevel, message: &str) {
        self.printed.borrow_mut().push((level, message.to_owned()));
    }

    fn call(&self, module: &str, function: &str, args: &CallArgs) -> Result<HostValue, String> {
        match (module, function) {
            ("math", "add") => {
                let v: Vec<f64> = serde_json::from_str(&args.json).map_err(|e| e.to_string())?;
                Ok(HostValue::Json((v[0] + v[1]).to_string()))
            }
            _ => Err(format!("no such function {module}.{function}")),
        }
    }

    fn load_module(&self, path: &str) -> Result<(String, String), String> {
        Err(format!("there is no module at {path}"))
    }
}

/// A fresh runtime (seed 7) over a [`TestHost`], with `math.add` declared.
pub(crate) fn runtime() -> (Rc<TestHost>, GuestRuntime) {
    let host = Rc::new(TestHost::default());
    let mut rt = GuestRuntime::new(host.clone(), 7).expect("runtime");
    rt.declare_host_function("math", "add", false);
    (host, rt)
}

/// A runtime with handlers `h0`, `h1`... compiled from `sources`.
pub(crate) fn runtime_with(sources: &[&str]) -> (Rc<TestHost>, GuestRuntime) {
    let (host, mut rt) = runtime();
    add_handlers(&mut rt, sources);
    (host, rt)
}

/// Like [`runtime_with`], with `limits` set before the handlers compile.
pub(crate) fn runtime_with_limits(
    limits: Limits,
    sources: &[&str],
) -> (Rc<TestHost>, GuestRuntime) {
    let (host, mut rt) = runtime();
    rt.set_limits(limits);
    add_handlers(&mut rt, sources);
    (host, rt)
}

/// Adds handlers `h0`, `h1`... compiled from `sources`.
fn add_handlers(rt: &mut GuestRuntime, sources: &[&str]) {
    for (i, source) in sources.iter().enumerate() {
        rt.add_handler(&format!("h{i}"), source)
            .unwrap_or_else(|e| panic!("handler h{i} does not compile: {e:?}"));
    }
}

/// A handler whose body is `body`.
pub(crate) fn body(body: &str) -> String {
    format!("function handler(event) {{ {body} }}")
}

/// Calls handler `name` with an empty event; its JSON result.
pub(crate) fn call(rt: &mut GuestRuntime, name: &str) -> Value {
    let json = rt
        .call(name, b"{}", true)
        .unwrap_or_else(|e| panic!("handler {name} failed: {e:?}"));
    serde_json::from_str(&json).expect("the result is JSON")
}

/// Runs handler `source` once with an empty event.
pub(crate) fn run(source: &str) -> (Rc<TestHost>, Result<String, GuestError>) {
    let (host, mut rt) = runtime_with(&[source]);
    let result = rt.call("h0", b"{}", true);
    (host, result)
}

/// The JSON result of handler `source`, which must not fail.
pub(crate) fn result(source: &str) -> Value {
    let (_, result) = run(source);
    let json = result.unwrap_or_else(|e| panic!("the handler failed: {e:?}\n{source}"));
    serde_json::from_str(&json).expect("the result is JSON")
}

/// The name and message of what handler `source` threw.
pub(crate) fn thrown(source: &str) -> (String, String) {
    let (_, result) = run(source);
    let error = result.expect_err("the handler throws");
    assert_eq!(error.status, Status::Threw, "{error:?}");
    let info = error.info().expect("a thrown error has its details");
    (info.name, info.message)
}

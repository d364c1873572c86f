//! Code written for hyperlight-js, in its style and with its names, runs on
//! Warden with only the crate renamed: builder settings, host functions,
//! print functions, modules, monitors, snapshots by `Arc`, the error type
//! and `new_error!`.

use std::future::Future;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use warden::{
    embed_modules, new_error, CpuTimeMonitor, ExecutionMonitor, HyperlightError, Result,
    SandboxBuilder, Script, Snapshot, WallClockMonitor,
};

const MIB: usize = 1024 * 1024;

/// A name or event as hyperlight-js takes it: an owned `String`.
fn owned(text: &str) -> String {
    text.to_owned()
}

/// A print function as hyperlight-js users write one, and what it got.
fn host_print_fn() -> (
    impl Fn(String) -> i32 + Clone + Send + Sync + 'static,
    impl Fn() -> String,
) {
    let output = Arc::new(Mutex::new(String::new()));
    let writer = {
        let output = output.clone();
        move |message: String| {
            output.lock().unwrap().push_str(&message);
            0
        }
    };
    (writer, move || output.lock().unwrap().clone())
}

#[test]
fn builder_settings_under_their_hyperlight_names() -> Result<()> {
    let (fn_writer, output) = host_print_fn();
    let proto = SandboxBuilder::new()
        .with_guest_input_buffer_size(2 * MIB)
        .with_guest_output_buffer_size(64 * 1024)
        .with_guest_heap_size(10 * MIB as u64)
        .with_guest_scratch_size(MIB)
        .with_host_print_fn(fn_writer.into())
        .build()?;
    let mut sandbox = proto.load_runtime()?;
    sandbox.add_handler(
        "handler",
        Script::from_content(
            r#"function f(n) { return n === 0 ? 0 : 1 + f(n - 1); }
            function handler(event) {
                console.log("Hello, World!!");
                return event.size ? "x".repeat(event.size) : f(event.depth);
            }"#,
        ),
    )?;
    let mut loaded = sandbox.get_loaded_sandbox()?;

    // The print function gets each line with its newline.
    let depth = loaded.handle_event("handler", owned(r#"{"depth":10000}"#), None)?;
    assert_eq!(
        depth, "10000",
        "a small scratch size never lowers the stack"
    );
    assert_eq!(output(), "Hello, World!!\n");

    // The input buffer bounds events; a heap below what such events need is
    // raised to it.
    let event = format!(r#"{{"depth":1,"pad":"{}"}}"#, "x".repeat(2 * MIB - 30));
    assert_eq!(loaded.handle_event("handler", event, None)?, "1");
    let too_big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(2 * MIB));
    assert!(matches!(
        loaded.handle_event("handler", too_big, None),
        Err(HyperlightError::EventTooLarge { .. })
    ));
    // The output buffer bounds results.
    assert!(matches!(
        loaded.handle_event("handler", r#"{"size":100000}"#, None),
        Err(HyperlightError::ResultTooLarge { .. })
    ));
    Ok(())
}

#[test]
fn host_functions_registered_on_the_proto_sandbox() -> Result<()> {
    let mut proto = SandboxBuilder::new().build()?;
    proto.register("math", "add", |a: i32, b: i32| a + b)?;
    proto.register_raw("math", "checked_sqrt", |args: String| {
        let args: Vec<f64> = serde_json::from_str(&args).map_err(|e| new_error!("{e}"))?;
        match args.as_slice() {
            [x] if *x >= 0.0 => Ok(x.sqrt().to_string()),
            [x] => Err(new_error!("cannot take the square root of {x}")),
            _ => Err(new_error!("expected one argument")),
        }
    })?;
    let mut sandbox = proto.load_runtime()?;
    sandbox.add_handler(
        owned("handler"),
        Script::from_content(
            r#"import { add, checked_sqrt } from "host:math";
            export function handler(event) {
                try { return [add(event.a, event.b), checked_sqrt(event.a)]; }
                catch (error) { return error.message; }
            }"#,
        ),
    )?;
    let mut loaded = sandbox.get_loaded_sandbox()?;
    assert_eq!(
        loaded.handle_event("handler", owned(r#"{"a":16,"b":2}"#), None)?,
        "[18,4]"
    );
    // The error's message is what the handler catches, after the name of
    // the function that failed.
    let caught = loaded.handle_event("handler", owned(r#"{"a":-4,"b":2}"#), None)?;
    assert_eq!(
        caught,
        r#""host function math.checked_sqrt failed: cannot take the square root of -4""#
    );
    // Empty names are refused, saying so.
    let mut proto = SandboxBuilder::new().build()?;
    for (module, name) in [("", "f"), ("m", "")] {
        let error = proto.register(module, name, || 1).unwrap_err();
        assert!(error.to_string().contains("name is empty"), "{error}");
    }
    Ok(())
}

#[test]
fn snapshots_restore_by_arc_by_reference_or_by_value() -> Result<()> {
    let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
    sandbox.add_handler(
        "count",
        Script::from_content("let n = 0; function handler() { return ++n; }"),
    )?;
    let mut loaded = sandbox.get_loaded_sandbox()?;
    let snapshot: Arc<Snapshot> = Arc::new(loaded.snapshot()?);
    for restore in 0..4 {
        assert_eq!(loaded.handle_event("count", "{}", None)?, "1");
        assert_eq!(loaded.handle_event("count", "{}", None)?, "2");
        match restore {
            0 => loaded.restore(snapshot.clone())?,
            1 => loaded.restore(&snapshot)?,
            2 => loaded.restore(&*snapshot)?,
            _ => loaded.restore(Snapshot::clone(&snapshot))?,
        }
    }
    Ok(())
}

/// A monitor that cannot start, failing as hyperlight-js monitors do.
struct Unavailable;

/// Another, failing through hyperlight-js's generic error constructor.
struct Broken;

impl ExecutionMonitor for Broken {
    fn get_monitor(&self) -> Result<impl Future<Output = ()> + Send + 'static> {
        Err::<std::future::Ready<()>, _>(HyperlightError::Error("broken clock".to_string()))
    }
    fn name(&self) -> &'static str {
        "broken"
    }
}

impl ExecutionMonitor for Unavailable {
    fn get_monitor(&self) -> Result<impl Future<Output = ()> + Send + 'static> {
        Err::<std::future::Pending<()>, _>(new_error!("no clock on this host"))
    }
    fn name(&self) -> &'static str {
        "unavailable"
    }
}

#[test]
fn a_monitor_that_cannot_start_fails_with_its_own_message() -> Result<()> {
    let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
    sandbox.add_handler(
        "handler",
        Script::from_content("function handler() { return 1; }"),
    )?;
    let mut loaded = sandbox.get_loaded_sandbox()?;
    match loaded.handle_event_with_monitor("handler", "{}", &Unavailable, None) {
        Err(HyperlightError::MonitorFailed { name, reason }) => {
            assert_eq!(name, "unavailable");
            assert_eq!(reason, "no clock on this host");
        }
        other => panic!("expected MonitorFailed, got {other:?}"),
    }
    match loaded.handle_event_with_monitor("handler", "{}", &Broken, None) {
        Err(HyperlightError::MonitorFailed { name, reason }) => {
            assert_eq!((name, reason.as_str()), ("broken", "broken clock"));
        }
        other => panic!("expected MonitorFailed, got {other:?}"),
    }
    assert!(!loaded.poisoned());
    Ok(())
}

#[test]
fn the_whole_lifecycle_as_a_hyperlight_js_user_writes_it() -> Result<()> {
    let (print, printed) = host_print_fn();
    let mut proto = SandboxBuilder::new()
        .with_guest_heap_size(32 * MIB as u64)
        .with_guest_input_buffer_size(64 * 1024)
        .with_guest_output_buffer_size(64 * 1024)
        .with_host_print_fn(print.into())
        .build()?;
    proto.register("rates", "vat", |country: String| match country.as_str() {
        "fr" => 20,
        _ => 0,
    })?;
    let proto = proto.set_module_loader(embed_modules! {
        "money.js" => @inline "export const cents = (x) => Math.round(x * 100);",
    })?;
    let mut sandbox = proto.load_runtime()?;
    let handler = Script::from_content(
        r#"import { vat } from "host:rates";
        import { cents } from "./money.js";
        let served = 0;
        function handler(event) {
            served += 1;
            console.log(`pricing for ${event.country}`);
            if (event.spin) { for (;;) {} }
            return { total: cents(event.net * (1 + vat(event.country) / 100)), served };
        }"#,
    )
    .with_virtual_base("/");
    sandbox.add_handler(owned("price"), handler)?;
    let mut loaded = sandbox.get_loaded_sandbox()?;

    let event = owned(r#"{"country":"fr","net":10}"#);
    let result = loaded.handle_event(owned("price"), event.clone(), None)?;
    assert_eq!(result, r#"{"total":1200,"served":1}"#);
    assert_eq!(printed(), "pricing for fr\n");
    let snapshot = Arc::new(loaded.snapshot()?);

    // Both monitors, alone and raced: the first to fire wins.
    let spin = owned(r#"{"country":"fr","net":1,"spin":true}"#);
    let wall = WallClockMonitor::new(Duration::from_millis(200))?;
    let cpu = CpuTimeMonitor::new(Duration::from_millis(200))?;
    let long_wall = WallClockMonitor::new(Duration::from_secs(60))?;
    for monitors in 0..3 {
        let outcome = match monitors {
            0 => loaded.handle_event_with_monitor(owned("price"), spin.clone(), &wall, None),
            1 => loaded.handle_event_with_monitor(owned("price"), spin.clone(), &cpu, None),
            _ => loaded.handle_event_with_monitor(
                owned("price"),
                spin.clone(),
                &(long_wall, cpu),
                None,
            ),
        };
        let error = outcome.unwrap_err();
        let expected = ["wall-clock", "cpu-time", "cpu-time"][monitors];
        assert_eq!(
            error.killer().and_then(|k| k.monitor_name()),
            Some(expected)
        );
        assert!(loaded.poisoned());
        loaded.restore(snapshot.clone())?;
        assert!(!loaded.poisoned());
    }
    let result =
        loaded.handle_event_with_monitor(owned("price"), event, &(wall, cpu), Some(true))?;
    assert_eq!(result, r#"{"total":1200,"served":2}"#);

    // Unloading gives back a sandbox that takes new handlers.
    let mut sandbox = loaded.unload()?;
    sandbox.add_handler(
        owned("echo"),
        Script::from_content("function handler(e) { return e; }"),
    )?;
    let mut loaded = sandbox.get_loaded_sandbox()?;
    assert_eq!(
        loaded.handle_event(owned("echo"), owned("[1]"), None)?,
        "[1]"
    );
    Ok(())
}

#[test]
fn an_empty_handler_name_is_called_empty_whether_adding_removing_or_calling() -> Result<()> {
    let empty = |error: HyperlightError| {
        let message = error.to_string();
        assert!(message.contains("must not be empty"), "{message}");
        assert!(
            matches!(error, HyperlightError::InvalidHandlerName { .. }),
            "{error:?}"
        );
    };
    let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
    empty(
        sandbox
            .add_handler(owned(""), Script::from_content("function handler() {}"))
            .unwrap_err(),
    );
    empty(sandbox.remove_handler("").unwrap_err());
    let mut loaded = sandbox.get_loaded_sandbox()?;
    empty(
        loaded
            .handle_event(owned(""), owned("{}"), None)
            .unwrap_err(),
    );
    Ok(())
}

#[test]
fn raw_host_functions_use_question_marks_on_json_errors() -> Result<()> {
    let mut proto = SandboxBuilder::new().build()?;
    proto.register_raw("json", "sum", |args: String| {
        let numbers: Vec<i64> = serde_json::from_str(&args)?;
        Ok(serde_json::to_string(&numbers.iter().sum::<i64>())?)
    })?;
    let mut sandbox = proto.load_runtime()?;
    sandbox.add_handler(
        owned("handler"),
        Script::from_content(
            r#"import { sum } from "host:json";
            function handler() {
                let error;
                try { sum("not", "numbers"); } catch (e) { error = e.message; }
                return { sum: sum(1, 2, 3), error };
            }"#,
        ),
    )?;
    let result = sandbox
        .get_loaded_sandbox()?
        .handle_event(owned("handler"), owned("{}"), None)?;
    let result: serde_json::Value = serde_json::from_str(&result).unwrap();
    assert_eq!(result["sum"], 6);
    let error = result["error"].as_str().unwrap();
    assert!(
        error.contains("host function json.sum failed: invalid type"),
        "{error}"
    );
    Ok(())
}

#[test]
fn host_functions_may_have_any_name_and_modules_import_by_bare_name() -> Result<()> {
    let mut proto = SandboxBuilder::new().build()?;
    proto.register("host", "no-op", || 0)?;
    proto.register("host", "scoped/add/😊", |a: i32, b: i32| a + b)?;
    let mut sandbox = proto.load_runtime()?;
    sandbox.add_handler(
        owned("handler"),
        Script::from_content(
            r#"import * as host from "host";
            function handler() { return [host["scoped/add/😊"](40, 2), host["no-op"](), Object.keys(host)]; }"#,
        ),
    )?;
    let result = sandbox
        .get_loaded_sandbox()?
        .handle_event(owned("handler"), owned("{}"), None)?;
    assert_eq!(result, r#"[42,0,["no-op","scoped/add/😊"]]"#);
    Ok(())
}

//! Benchmark support: Rust's own timing of a call, for comparison.

use napi_derive::napi;

/// Benchmark support: the median time, in nanoseconds, of `iterations`
/// Rust-level `handle_event` calls of an echo handler on `event`, with the
/// given monitor budgets, measured on the calling thread. Lets
/// `bench/callhandler.js` compare `callHandler` with Rust in the same run.
#[napi(js_name = "__rustEchoMedianNs")]
pub fn rust_echo_median_ns(
    event: String,
    iterations: u32,
    with_monitors: bool,
) -> napi::Result<f64> {
    let fail = |e: warden::Error| napi::Error::from_reason(e.to_string());
    let mut sandbox = warden::SandboxBuilder::new()
        .build()
        .and_then(warden::ProtoJSSandbox::load_runtime)
        .map_err(fail)?;
    sandbox
        .add_handler(
            "echo",
            warden::Script::from_content("function handler(e) { return e; }"),
        )
        .map_err(fail)?;
    let mut loaded = sandbox.get_loaded_sandbox().map_err(fail)?;
    let monitors = (
        warden::WallClockMonitor::new(std::time::Duration::from_secs(10)).map_err(fail)?,
        warden::CpuTimeMonitor::new(std::time::Duration::from_secs(10)).map_err(fail)?,
    );
    let mut samples = Vec::with_capacity(iterations as usize);
    for _ in 0..iterations {
        let start = std::time::Instant::now();
        let result = if with_monitors {
            loaded.handle_event_with_monitor("echo", &event, &monitors, None)
        } else {
            loaded.handle_event("echo", &event, None)
        };
        std::hint::black_box(result.map_err(fail)?);
        samples.push(start.elapsed().as_nanos() as f64);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples.get(samples.len() / 2).copied().unwrap_or(0.0))
}

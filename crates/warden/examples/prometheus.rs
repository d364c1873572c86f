//! Warden's metrics in Prometheus' text format, including
//! `monitor_terminations_total`, labelled with the monitor that fired.
//!
//! Run with `cargo run -p warden --example prometheus`. A server would
//! serve `handle.render()` on its `/metrics` endpoint (or enable the
//! exporter's own HTTP listener).

use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;
use warden::{CpuTimeMonitor, SandboxBuilder, Script, WallClockMonitor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let handle = PrometheusBuilder::new().install_recorder()?;
    warden::metrics::describe();

    let mut sandbox = SandboxBuilder::new().build()?.load_runtime()?;
    sandbox.add_handler(
        "echo",
        Script::from_content("function handler(e) { return e; }"),
    )?;
    sandbox.add_handler(
        "spin",
        Script::from_content("function handler() { for (;;) {} }"),
    )?;
    let mut loaded = sandbox.get_loaded_sandbox()?;
    let snapshot = loaded.snapshot()?;

    let monitors = (
        WallClockMonitor::new(Duration::from_millis(200))?,
        CpuTimeMonitor::new(Duration::from_millis(20))?,
    );
    for _ in 0..3 {
        loaded.handle_event_with_monitor("echo", "{}", &monitors, None)?;
    }
    for _ in 0..2 {
        // The CPU-time monitor fires first; the metric names it.
        let error = loaded
            .handle_event_with_monitor("spin", "{}", &monitors, None)
            .unwrap_err();
        eprintln!("{error}");
        loaded.restore(&snapshot)?;
    }

    let exposition = handle.render();
    for line in exposition
        .lines()
        .filter(|l| l.contains("warden_") || l.contains("monitor_"))
    {
        println!("{line}");
    }
    assert!(exposition.contains("monitor_terminations_total{monitor_type=\"cpu-time\"} 2"));
    Ok(())
}

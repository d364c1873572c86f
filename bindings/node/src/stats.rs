//! `CallStats`: what `lastCallStats` tells about the last call.

use napi::bindgen_prelude::{Either, Null};
use napi_derive::napi;

/// Statistics of the last handler call.
#[napi(object)]
#[derive(Debug)]
pub struct CallStats {
    /// Real time the call took, in milliseconds.
    pub wall_time_ms: f64,
    /// CPU time the guest used, in milliseconds (measured on monitored
    /// calls, else null).
    pub guest_cpu_time_ms: Either<f64, Null>,
    /// Real time the guest spent waiting on the host (host functions,
    /// timers, asynchronous calls), in milliseconds: part of `wallTimeMs`,
    /// not of `guestCpuTimeMs`.
    pub host_wait_time_ms: f64,
    /// What killed the call: a monitor's name, `"interrupt-handle"`, or
    /// null.
    pub terminated_by: Either<String, Null>,
    /// `wallTimeMs` under hyperlight-js's name.
    pub wall_clock_ms: f64,
    /// `guestCpuTimeMs` under hyperlight-js's name.
    pub cpu_time_ms: Either<f64, Null>,
}

impl From<warden::CallStats> for CallStats {
    fn from(stats: warden::CallStats) -> Self {
        let wall_ms = stats.wall_time.as_secs_f64() * 1e3;
        let cpu_ms = || {
            stats
                .guest_cpu_time
                .map_or(Either::B(Null), |t| Either::A(t.as_secs_f64() * 1e3))
        };
        Self {
            wall_time_ms: wall_ms,
            guest_cpu_time_ms: cpu_ms(),
            host_wait_time_ms: stats.host_wait_time.as_secs_f64() * 1e3,
            terminated_by: stats.terminated_by.map_or(Either::B(Null), |killer| {
                Either::A(killer.name().to_owned())
            }),
            wall_clock_ms: wall_ms,
            cpu_time_ms: cpu_ms(),
        }
    }
}

//! What the system says of this process: its threads and resident memory.
//!
//! Linux says it in `/proc`; other systems have none, and there every
//! figure is `None`, so the checks on it are skipped.

use std::fs;

/// Where Linux describes this process.
#[cfg(target_os = "linux")]
const PROC_SELF: Option<&str> = Some("/proc/self");
/// `/proc` is Linux's: elsewhere there is nothing to read.
#[cfg(not(target_os = "linux"))]
const PROC_SELF: Option<&str> = None;

/// How many threads this process has.
pub(crate) fn thread_count() -> Option<usize> {
    let tasks = fs::read_dir(format!("{}/task", PROC_SELF?)).unwrap();
    Some(tasks.count())
}

/// How many threads of this process are named `name` (a thread that ends
/// while they are counted is not).
pub(crate) fn threads_named(name: &str) -> Option<usize> {
    let tasks = fs::read_dir(format!("{}/task", PROC_SELF?)).unwrap();
    let named = tasks
        .filter_map(|task| fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim() == name)
        .count();
    Some(named)
}

/// Resident memory of this process, in bytes.
pub(crate) fn rss_bytes() -> Option<u64> {
    let dir = PROC_SELF?;
    let statm = fs::read_to_string(format!("{dir}/statm")).unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    Some(pages * page_size(dir))
}

/// Proportional set size of this process, in bytes: its resident memory,
/// with each page it shares with other mappings counted as that fraction of
/// a page (a copy-on-write page every sandbox maps counts once in all).
pub(crate) fn pss_bytes() -> Option<u64> {
    let rollup = fs::read_to_string(format!("{}/smaps_rollup", PROC_SELF?)).ok()?;
    let kib: u64 = rollup
        .lines()
        .find_map(|line| line.strip_prefix("Pss:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// The kernel page size, from `smaps` in `dir` (4 KiB if not found).
fn page_size(dir: &str) -> u64 {
    fs::read_to_string(format!("{dir}/smaps"))
        .ok()
        .and_then(|smaps| {
            smaps
                .lines()
                .find_map(|line| line.strip_prefix("KernelPageSize:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
        })
        .map_or(4096, |kib| kib * 1024)
}

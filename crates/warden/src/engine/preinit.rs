//! Pre-initialisation: the guest module rewritten so that a new instance
//! starts with its JavaScript runtime already set up.
//!
//! The engine initialises the runtime once, in an instance of the module as
//! built, then writes that instance's linear memory back into the module as
//! its data segments, and its size as the memory's minimum. wasmtime maps a
//! module's data segments into each new instance copy-on-write, so a sandbox
//! copies (and faults in) only the pages it writes, and dropping it frees
//! only those.
//!
//! The guest's only mutable global is its stack pointer, and initialisation
//! returns with it where it started; linear memory is therefore the whole of
//! the initialised state. Memory below the stack pointer is dead stack and
//! is left out.

use std::ops::Range;

use wasm_encoder::{
    ConstExpr, DataCountSection, DataSection, MemorySection, MemoryType, RawSection,
};
use wasmparser::{DataKind, Parser, Payload};

/// The version of this rewrite, part of the name a pre-initialised guest is
/// cached under: a change to what it produces changes it.
pub(crate) const FORMAT: u32 = 1;

/// The granularity at which zero runs split data segments: the host's page,
/// the unit wasmtime maps images in.
const PAGE: usize = 4096;

/// `wasm` with its memory replaced by `memory`, from offset `live_from` on
/// (below it, zeros).
///
/// Fails when the module is not one this rewrite preserves: more than one
/// memory, a passive data segment (whose index code could refer to), or no
/// data section.
pub(crate) fn rewrite(wasm: &[u8], memory: &[u8], live_from: usize) -> wasmtime::Result<Vec<u8>> {
    let runs = nonzero_runs(memory, live_from);
    let mut out = wasm_encoder::Module::new();
    let mut wrote_data = false;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        match &payload {
            Payload::MemorySection(reader) => {
                let mut memories = Vec::new();
                for memory in reader.clone() {
                    memories.push(memory?);
                }
                let [ty] = memories[..] else {
                    return Err(unsupported("it does not have exactly one memory"));
                };
                let page = 1u64 << ty.page_size_log2.unwrap_or(16);
                let mut section = MemorySection::new();
                section.memory(MemoryType {
                    minimum: ty.initial.max(memory.len() as u64 / page),
                    maximum: ty.maximum,
                    memory64: ty.memory64,
                    shared: ty.shared,
                    page_size_log2: ty.page_size_log2,
                });
                out.section(&section);
            }
            Payload::DataCountSection { .. } => {
                out.section(&DataCountSection {
                    count: runs.len() as u32,
                });
            }
            Payload::DataSection(reader) => {
                for segment in reader.clone() {
                    if !matches!(
                        segment?.kind,
                        DataKind::Active {
                            memory_index: 0,
                            ..
                        }
                    ) {
                        return Err(unsupported("it has a passive data segment"));
                    }
                }
                let mut section = DataSection::new();
                for run in &runs {
                    let offset = ConstExpr::i32_const(run.start as u32 as i32);
                    section.active(0, &offset, memory[run.clone()].iter().copied());
                }
                out.section(&section);
                wrote_data = true;
            }
            _ => {
                if let Some((id, range)) = payload.as_section() {
                    out.section(&RawSection {
                        id,
                        data: &wasm[range],
                    });
                }
            }
        }
    }
    if !wrote_data {
        return Err(unsupported("it has no data section"));
    }
    Ok(out.finish())
}

fn unsupported(why: &str) -> wasmtime::Error {
    wasmtime::Error::msg(format!("cannot pre-initialise the guest: {why}"))
}

/// The maximal runs of [`PAGE`]s of `memory` at or above `from` that hold a
/// non-zero byte (the first starts at `from`, the last may be short).
fn nonzero_runs(memory: &[u8], from: usize) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut at = from.min(memory.len());
    while at < memory.len() {
        let end = (at - at % PAGE + PAGE).min(memory.len());
        if memory[at..end].iter().any(|&b| b != 0) {
            match runs.last_mut() {
                Some(run) if run.end == at => run.end = end,
                _ => runs.push(at..end),
            }
        }
        at = end;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::{nonzero_runs, rewrite, PAGE};
    use wasm_encoder::{
        ConstExpr, DataSection, ExportKind, ExportSection, MemorySection, MemoryType, Module,
    };
    use wasmparser::{DataKind, Parser, Payload};

    #[test]
    fn zero_pages_split_runs_and_memory_below_the_start_is_left_out() {
        let mut memory = vec![0u8; 8 * PAGE + 100];
        memory[10] = 1; // below the start
        memory[PAGE + 3] = 1;
        memory[2 * PAGE] = 1;
        memory[5 * PAGE + 9] = 1;
        memory[8 * PAGE + 99] = 1; // the short last page
        let runs = nonzero_runs(&memory, PAGE + 2);
        assert_eq!(
            runs,
            [
                PAGE + 2..3 * PAGE,
                5 * PAGE..6 * PAGE,
                8 * PAGE..8 * PAGE + 100
            ]
        );
        assert!(nonzero_runs(&vec![0; 3 * PAGE], 0).is_empty());
    }

    fn module(data: DataSection) -> Vec<u8> {
        let mut module = Module::new();
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        module.section(&memories);
        let mut exports = ExportSection::new();
        exports.export("memory", ExportKind::Memory, 0);
        module.section(&exports);
        module.section(&data);
        module.finish()
    }

    #[test]
    fn the_memory_becomes_the_data_and_its_size_the_minimum() {
        let mut data = DataSection::new();
        data.active(0, &ConstExpr::i32_const(16), b"old".iter().copied());
        let wasm = module(data);
        let mut memory = vec![0u8; 3 * 65536];
        memory[5] = 7; // dead stack
        memory[70_000..70_003].copy_from_slice(b"new");
        let out = rewrite(&wasm, &memory, 64).unwrap();
        wasmparser::validate(&out).unwrap();
        let mut segments = Vec::new();
        let mut minimum = 0;
        for payload in Parser::new(0).parse_all(&out) {
            match payload.unwrap() {
                Payload::MemorySection(reader) => {
                    minimum = reader.into_iter().next().unwrap().unwrap().initial
                }
                Payload::DataSection(reader) => {
                    for segment in reader {
                        let segment = segment.unwrap();
                        assert!(matches!(segment.kind, DataKind::Active { .. }));
                        segments.push(segment.data.to_vec());
                    }
                }
                _ => {}
            }
        }
        assert_eq!(minimum, 3);
        assert_eq!(segments.len(), 1);
        assert_eq!(segments[0].len(), PAGE);
        assert_eq!(&segments[0][70_000 % PAGE..][..3], b"new");
    }

    #[test]
    fn passive_segments_are_refused() {
        let mut data = DataSection::new();
        data.passive(b"x".iter().copied());
        let error = rewrite(&module(data), &[0; 65536], 0).unwrap_err();
        assert!(error.to_string().contains("passive"), "{error}");
    }
}

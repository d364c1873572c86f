//! [`Template`]: the guest right after its JavaScript runtime is
//! initialised, kept as the pages that differ from a new instance's memory.
//!
//! Every sandbox starts from it. A new instance's memory already holds the
//! module's data segments (mapped copy-on-write) and zeros elsewhere, so
//! writing only the pages the initialisation changed leaves the rest
//! untouched: a page a sandbox never writes costs it neither a fault nor a
//! copy. Most of the cost of a new sandbox is the kernel's page faults, so
//! the fewer pages written, the faster it starts and the less memory it
//! holds.

/// The granularity pages are compared and written at: the host's page.
pub(crate) const PAGE: usize = 4096;

/// The initialised guest, as pages to write over a new instance.
pub(crate) struct Template {
    /// Each changed page: its offset in linear memory and its bytes (a
    /// whole [`PAGE`], or less for the last page of memory).
    pages: Vec<(usize, Box<[u8]>)>,
    /// Size of linear memory after initialisation.
    size: usize,
    /// The guest's stack pointer after initialisation.
    stack_pointer: i32,
}

impl Template {
    /// The pages of `live` (memory after initialisation) from offset `from`
    /// on that differ from `fresh` (a new instance's memory, as long as or
    /// shorter than `live`: past its end a new instance has zeros, once
    /// grown).
    pub(crate) fn diff(fresh: &[u8], live: &[u8], from: usize, stack_pointer: i32) -> Self {
        let mut pages = Vec::new();
        let mut at = from - from % PAGE;
        while at < live.len() {
            let end = (at + PAGE).min(live.len());
            let page = &live[at..end];
            let before = fresh.get(at..end.min(fresh.len())).unwrap_or(&[]);
            let same =
                page[..before.len()] == *before && page[before.len()..].iter().all(|&b| b == 0);
            if !same {
                pages.push((at, page.into()));
            }
            at = end;
        }
        Self {
            pages,
            size: live.len(),
            stack_pointer,
        }
    }

    /// The changed pages, by offset.
    pub(crate) fn pages(&self) -> &[(usize, Box<[u8]>)] {
        &self.pages
    }

    /// Size of linear memory after initialisation.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// The stack pointer after initialisation.
    pub(crate) fn stack_pointer(&self) -> i32 {
        self.stack_pointer
    }

    /// Bytes held.
    pub(crate) fn len(&self) -> usize {
        self.pages.iter().map(|(_, page)| page.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::{Template, PAGE};

    /// Writes `template` over `fresh` grown to its size, as a new instance
    /// gets it.
    fn apply(template: &Template, fresh: &[u8]) -> Vec<u8> {
        let mut memory = fresh.to_vec();
        memory.resize(template.size(), 0);
        for (at, page) in template.pages() {
            memory[*at..*at + page.len()].copy_from_slice(page);
        }
        memory
    }

    #[test]
    fn only_changed_pages_are_kept_and_they_rebuild_the_memory() {
        let fresh: Vec<u8> = (0..4 * PAGE).map(|i| (i % 251) as u8).collect();
        let mut live = fresh.clone();
        live[PAGE + 7] ^= 1; // page 1 changed
        live.resize(7 * PAGE + 100, 0); // grown: pages 4 and 5 stay zero
        live[6 * PAGE] = 9; // page 6 changed
        live[7 * PAGE + 99] = 1; // the short last page changed
        let template = Template::diff(&fresh, &live, 0, 5);
        let offsets: Vec<usize> = template.pages().iter().map(|(at, _)| *at).collect();
        assert_eq!(offsets, [PAGE, 6 * PAGE, 7 * PAGE]);
        assert_eq!(template.len(), 2 * PAGE + 100);
        assert_eq!(apply(&template, &fresh), live);
        assert_eq!(template.stack_pointer(), 5);
    }

    #[test]
    fn pages_below_the_start_are_left_out() {
        let fresh = vec![0; 4 * PAGE];
        let live = vec![1; 4 * PAGE];
        let template = Template::diff(&fresh, &live, 2 * PAGE + 10, 0);
        let offsets: Vec<usize> = template.pages().iter().map(|(at, _)| *at).collect();
        assert_eq!(offsets, [2 * PAGE, 3 * PAGE]);
    }
}

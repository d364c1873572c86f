//! The guest's console: where its lines go ([`PrintFn`]) and how much one
//! call may print ([`ConsoleBudget`]).

use std::sync::Arc;

use warden_abi::LogLevel;

/// Receives the lines the guest prints with `console.*` (and `print`).
pub(crate) type PrintFn = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// The console output of the running call, against its budget.
#[derive(Debug)]
pub(crate) struct ConsoleBudget {
    limit: usize,
    used: usize,
    dropped_lines: usize,
    dropped_bytes: usize,
}

/// Lines a call could not print, past its budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dropped {
    pub(crate) lines: usize,
    pub(crate) bytes: usize,
    pub(crate) limit: usize,
}

impl Dropped {
    /// The line that reports the drop.
    pub(crate) fn note(&self) -> String {
        format!(
            "[warden] {} console line(s), {} bytes, were dropped: over this call's budget \
             of {} bytes of console output",
            self.lines, self.bytes, self.limit
        )
    }
}

impl ConsoleBudget {
    /// A budget of `limit` bytes per call.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            used: 0,
            dropped_lines: 0,
            dropped_bytes: 0,
        }
    }

    /// Whether a line of `len` bytes may be printed; counts it either way.
    pub(crate) fn admit(&mut self, len: usize) -> bool {
        match self
            .used
            .checked_add(len)
            .filter(|&used| used <= self.limit)
        {
            Some(used) => {
                self.used = used;
                true
            }
            None => {
                self.dropped_lines += 1;
                self.dropped_bytes = self.dropped_bytes.saturating_add(len);
                false
            }
        }
    }

    /// Ends the call's accounting: what was dropped, if anything, and a
    /// full budget for the next call.
    pub(crate) fn finish(&mut self) -> Option<Dropped> {
        let dropped = (self.dropped_lines > 0).then_some(Dropped {
            lines: self.dropped_lines,
            bytes: self.dropped_bytes,
            limit: self.limit,
        });
        *self = Self::new(self.limit);
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_past_the_budget_are_dropped_and_counted() {
        let mut budget = ConsoleBudget::new(10);
        assert!(budget.admit(6));
        assert!(!budget.admit(6));
        assert!(budget.admit(4));
        assert!(!budget.admit(1));
        assert_eq!(
            budget.finish(),
            Some(Dropped {
                lines: 2,
                bytes: 7,
                limit: 10
            })
        );
        assert!(budget.admit(10));
        assert_eq!(budget.finish(), None);
    }
}

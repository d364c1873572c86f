//! Levels of the console messages the guest prints.

/// The level of a console message printed by the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum LogLevel {
    /// `console.log`
    Log = 0,
    /// `console.debug`
    Debug = 1,
    /// `console.info`
    Info = 2,
    /// `console.warn`
    Warn = 3,
    /// `console.error`
    Error = 4,
}

impl LogLevel {
    /// Every level, in code order.
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Log,
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
    ];

    /// Decodes a level sent over the ABI; unknown values read as `Log`.
    pub fn from_u32(value: u32) -> Self {
        Self::ALL.get(value as usize).copied().unwrap_or(Self::Log)
    }

    /// The `console` method that prints at this level.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Log => "log",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LogLevel;

    #[test]
    fn codes_round_trip_and_unknown_ones_read_as_log() {
        for level in LogLevel::ALL {
            assert_eq!(LogLevel::from_u32(level as u32), level);
        }
        assert_eq!(
            LogLevel::from_u32(LogLevel::ALL.len() as u32),
            LogLevel::Log
        );
        assert_eq!(LogLevel::from_u32(u32::MAX), LogLevel::Log);
    }
}

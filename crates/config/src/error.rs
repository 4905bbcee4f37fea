//! `ConfigError`: why a configuration could not be loaded, displayed exactly as redis-server
//! 7.0.15 reports it before exiting with status 1.

use std::fmt;

/// The Redis version named in fatal config errors.
pub const REDIS_VERSION: &str = "7.0.15";

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    /// A directive failed: printed with its line number and text.
    Line {
        line: usize,
        text: String,
        reason: String,
    },
    /// A check on the whole configuration failed (no line).
    Global { reason: String },
    /// A configuration file could not be opened. Redis logs this as a log line, not as the
    /// FATAL banner.
    Open { path: String, reason: String },
}

/// A configuration that redis-server would refuse to start with.
///
/// `Display` gives redis-server's stderr text, banner and trailing newline included, e.g.
/// `"\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'port abc'\nargument couldn't be parsed into an integer\n"`.
/// For a file that cannot be opened ([`ConfigError::is_open_error`]) Redis instead logs
/// `Fatal error, can't open config file '<path>': <strerror>` at warning level; `Display` gives
/// that message alone, for the server's logger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    kind: Kind,
}

impl ConfigError {
    /// An error about the directive on `line` (1-based) whose trimmed text is `text`.
    pub fn at_line(line: usize, text: impl Into<String>, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            kind: Kind::Line {
                line,
                text: text.into(),
                reason: reason.into(),
            },
        }
    }

    /// An error about the configuration as a whole.
    pub fn global(reason: impl Into<String>) -> ConfigError {
        ConfigError {
            kind: Kind::Global {
                reason: reason.into(),
            },
        }
    }

    pub(crate) fn open(path: impl Into<String>, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            kind: Kind::Open {
                path: path.into(),
                reason: reason.into(),
            },
        }
    }

    /// The reason line, e.g. `Bad directive or wrong number of arguments`.
    pub fn reason(&self) -> &str {
        match &self.kind {
            Kind::Line { reason, .. } | Kind::Global { reason } | Kind::Open { reason, .. } => {
                reason
            }
        }
    }

    /// The 1-based line number of the failing directive, if the error is about one.
    pub fn line(&self) -> Option<usize> {
        match &self.kind {
            Kind::Line { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The failing line's text, if the error is about one.
    pub fn line_text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Line { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Whether a configuration file could not be opened (Redis logs it instead of printing the
    /// FATAL banner).
    pub fn is_open_error(&self) -> bool {
        matches!(self.kind, Kind::Open { .. })
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Line { line, text, reason } => write!(
                f,
                "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n\
                 Reading the configuration file, at line {line}\n>>> '{text}'\n{reason}\n"
            ),
            Kind::Global { reason } => {
                write!(
                    f,
                    "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n{reason}\n"
                )
            }
            Kind::Open { path, reason } => {
                write!(f, "Fatal error, can't open config file '{path}': {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

//! `ferrodis-config`: Redis 7.0.15's configuration, typed.
//!
//! Owns the directive table (every `redis.conf` directive with its aliases, flags, bounds and
//! defaults), the config file and command-line parser (`Config::from_args`), CONFIG GET
//! (`Config::config_get`, `Config::get`), CONFIG SET (`Config::set`) and CONFIG REWRITE
//! (`Config::rewrite`), with Redis's exact texts: values as CONFIG GET prints them, error
//! replies, and the `*** FATAL CONFIG FILE ERROR ***` report.
//!
//! It must not touch sockets, the keyspace or process-wide state: it never changes directory
//! (the server chdirs to [`Config::effective_dir`]), never opens listeners, and only validates
//! what Redis validates at parse time. Side effects of a CONFIG SET (rebinding, resizing the
//! backlog, ...) are the server's, driven by the list of changed names `set` returns.
//!
//! Module map: `types` (enums and structured values), `config` (the struct and its defaults),
//! `directives` (the table), `access` (set/print one directive; CONFIG GET/SET), `load` (files
//! and the command line), `rewrite` (CONFIG REWRITE), `lexer`/`numbers`/`glob` (Redis's text
//! rules), `error`.

mod access;
mod config;
mod directives;
mod error;
mod glob;
mod lexer;
mod load;
mod numbers;
mod rewrite;
mod types;

pub use access::{SetContext, directive_names, is_sensitive_config};
pub use config::{
    Config, DEFAULT_BIND, DEFAULT_LATENCY_PERCENTILES, DEFAULT_OOM_SCORE_ADJ_VALUES, DEFAULT_SAVE,
};
pub use error::{ConfigError, REDIS_VERSION};
pub use glob::stringmatch;
pub use lexer::split_args;
pub use load::StartupArgs;
pub use types::*;

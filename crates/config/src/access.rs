//! Setting and printing one directive, shared by the file loader and CONFIG SET, and the CONFIG
//! GET / CONFIG SET commands on top (`configGetCommand`, `configSetCommand`): validation order,
//! error texts, atomicity, duplicate detection, protected/immutable/loading checks.
//!
//! No I/O except resolving `dir` against the file system (Redis does `chdir`; we only check and
//! record the absolute path, the server changes directory).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::directives::{
    DIRECTIVES, Directive, Entry, Kind, NumFormat, Special, entries, flag, lookup,
};
use crate::glob::stringmatch;
use crate::lexer::{c_str, split_args, split_on, text};
use crate::numbers::{format_trimmed_double, memtoull, string2d, string2ll, strtoll};
use crate::types::*;

/// Whether a set changed the stored value (Redis's `set` returning 1 rather than 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Changed,
    Unchanged,
}

/// Redis's file-loading state that changes how `save` lines combine: while reading a file, the
/// first `save` line drops the built-in points and later ones accumulate; CONFIG SET replaces.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SaveState {
    pub reading_config_file: bool,
    pub save_loaded: bool,
}

/// Context of a CONFIG SET that the configuration cannot know by itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetContext {
    /// The server is loading a dataset (configs marked deny-loading answer `-LOADING`).
    pub loading: bool,
    /// The client is on a loopback or unix-socket connection (`enable-protected-configs local`).
    pub client_is_local: bool,
}

fn changed(is_same: bool, d: &Directive) -> Outcome {
    if is_same && !d.has(flag::VOLATILE) {
        Outcome::Unchanged
    } else {
        Outcome::Changed
    }
}

/// Sets one directive from its arguments (one for single-argument directives). Errors are
/// Redis's reason texts, without prefix.
pub(crate) fn set_directive(
    c: &mut Config,
    d: &Directive,
    args: &[&[u8]],
    save: &mut SaveState,
) -> Result<Outcome, String> {
    let first = args.first().copied().unwrap_or(b"");
    match &d.kind {
        Kind::Bool {
            get, set, validate, ..
        } => {
            let v = if first.eq_ignore_ascii_case(b"yes") {
                true
            } else if first.eq_ignore_ascii_case(b"no") {
                false
            } else {
                return Err("argument must be 'yes' or 'no'".into());
            };
            if let Some(validate) = validate {
                validate(v)?;
            }
            let out = changed(get(c) == v, d);
            set(c, v);
            Ok(out)
        }
        Kind::Str {
            get,
            set,
            empty_is_none,
            validate,
            ..
        } => {
            let v = text(first);
            if let Some(validate) = validate {
                validate(c, &v)?;
            }
            let new = if *empty_is_none && v.is_empty() {
                None
            } else {
                Some(v)
            };
            let out = changed(get(c) == new.as_deref(), d);
            set(c, new);
            Ok(out)
        }
        Kind::Sds { get, set } => {
            let new = if first.is_empty() {
                None
            } else {
                Some(first.to_vec())
            };
            let out = changed(get(c) == new.as_deref(), d);
            set(c, new);
            Ok(out)
        }
        Kind::Enum {
            names,
            get,
            set,
            validate,
            ..
        } => {
            let v =
                parse_enum(names, args, d.has(flag::MULTI_ARG)).ok_or_else(|| enum_error(names))?;
            if let Some(validate) = validate {
                validate(v)?;
            }
            let out = changed(get(c) == v, d);
            set(c, v);
            Ok(out)
        }
        Kind::Num {
            get,
            set,
            lower,
            upper,
            unsigned,
            format,
            ..
        } => {
            let v = parse_number(first, *format)?;
            check_bounds(v, *lower, *upper, *unsigned, *format)?;
            let out = changed(get(c) == v, d);
            set(c, v);
            if d.name == "hz" {
                // updateHZ: hz is a hint, accepted out of range but clamped.
                c.hz = c.hz.clamp(1, 500);
            }
            Ok(out)
        }
        Kind::Special(s) => set_special(c, *s, args, save),
    }
}

/// `configEnumGetValue`: every argument must name a value; bit flags are OR-ed.
fn parse_enum(names: &[(&str, i64)], args: &[&[u8]], bitflags: bool) -> Option<i64> {
    if args.is_empty() || (!bitflags && args.len() != 1) {
        return None;
    }
    let mut value = 0;
    for arg in args {
        let mut matched = false;
        for (name, v) in names {
            if arg.eq_ignore_ascii_case(name.as_bytes()) {
                value |= v;
                matched = true;
            }
        }
        if !matched {
            return None;
        }
    }
    Some(value)
}

fn enum_error(names: &[(&str, i64)]) -> String {
    let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
    let mut msg = format!(
        "argument(s) must be one of the following: {}",
        list.join(", ")
    );
    // Redis copies the message into a 256-byte buffer.
    msg.truncate(255);
    msg
}

/// `configEnumGetName`: the first name with exactly this value; for bit flags, the names of the
/// set bits in table order.
fn enum_name(names: &[(&str, i64)], value: i64, bitflags: bool) -> String {
    let mut parts = Vec::new();
    let mut unmatched = value;
    for (name, v) in names {
        if *v == value {
            return (*name).to_string();
        }
        if bitflags && *v != 0 && *v == (unmatched & v) {
            parts.push(*name);
            unmatched &= !v;
        }
    }
    if parts.is_empty() || unmatched != 0 {
        return "unknown".into();
    }
    parts.join(" ")
}

/// `numericParseString`.
fn parse_number(value: &[u8], format: NumFormat) -> Result<i64, String> {
    if matches!(format, NumFormat::Memory | NumFormat::MemoryOrPercent)
        && let Some(v) = memtoull(value)
    {
        return Ok(v as i64);
    }
    if format == NumFormat::MemoryOrPercent
        && value.len() > 1
        && value.ends_with(b"%")
        && let Some(p) = string2ll(&value[..value.len() - 1]).filter(|p| *p >= 0)
    {
        return Ok(-p);
    }
    if format == NumFormat::Octal {
        let r = strtoll(value, 8);
        if !r.overflow && r.complete(value) {
            return Ok(r.value);
        }
    }
    if format == NumFormat::Integer
        && let Some(v) = string2ll(value)
    {
        return Ok(v);
    }
    Err(match format {
        NumFormat::MemoryOrPercent => "argument must be a memory or percent value",
        NumFormat::Memory => "argument must be a memory value",
        NumFormat::Octal => "argument couldn't be parsed as an octal number",
        NumFormat::Integer => "argument couldn't be parsed into an integer",
    }
    .into())
}

/// `numericBoundaryCheck`.
fn check_bounds(
    v: i64,
    lower: i64,
    upper: i64,
    unsigned: bool,
    format: NumFormat,
) -> Result<(), String> {
    if unsigned {
        let (u, lo, hi) = (v as u64, lower as u64, upper as u64);
        if u > hi || u < lo {
            return Err(if format == NumFormat::Octal {
                format!("argument must be between {lo:o} and {hi:o} inclusive")
            } else {
                format!("argument must be between {lo} and {hi} inclusive")
            });
        }
    } else if format == NumFormat::MemoryOrPercent && v < 0 {
        if v < lower {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -lower
            ));
        }
    } else if v > upper || v < lower {
        return Err(format!(
            "argument must be between {lower} and {upper} inclusive"
        ));
    }
    Ok(())
}

fn set_special(
    c: &mut Config,
    s: Special,
    args: &[&[u8]],
    save: &mut SaveState,
) -> Result<Outcome, String> {
    match s {
        Special::Dir => {
            if args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            c.dir = resolve_dir(c, &text(args[0]))?;
            Ok(Outcome::Changed)
        }
        Special::Save => set_save(c, args, save),
        Special::ClientOutputBufferLimit => {
            set_obuf_limits(c, args)?;
            Ok(Outcome::Changed)
        }
        Special::OomScoreAdjValues => set_oom_values(c, args),
        Special::NotifyKeyspaceEvents => {
            if args.len() != 1 {
                return Err("wrong number of arguments".into());
            }
            c.notify_keyspace_events = KeyspaceEvents::parse(c_str(args[0]))
                .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
            Ok(Outcome::Changed)
        }
        Special::Bind => {
            if args.len() > 16 {
                return Err("Too many bind addresses specified.".into());
            }
            let args = if args.len() == 1 && args[0].is_empty() {
                &[][..]
            } else {
                args
            };
            c.bind = args.iter().map(|a| text(a)).collect();
            Ok(Outcome::Changed)
        }
        Special::ReplicaOf => set_replicaof(c, args),
        Special::LatencyTrackingInfoPercentiles => {
            let args = if args.len() == 1 && args[0].is_empty() {
                &[][..]
            } else {
                args
            };
            let mut values = Vec::with_capacity(args.len());
            for arg in args {
                let p =
                    string2d(arg).ok_or("Invalid latency-tracking-info-percentiles parameters")?;
                if !(0.0..=100.0).contains(&p) {
                    return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
                }
                values.push(p);
            }
            c.latency_tracking_info_percentiles = values;
            Ok(Outcome::Changed)
        }
    }
}

/// `setConfigSaveOption`.
fn set_save(c: &mut Config, args: &[&[u8]], save: &mut SaveState) -> Result<Outcome, String> {
    const INVALID: &str = "Invalid save parameters";
    let mut args = args;
    if args.len() == 1 && args[0].is_empty() {
        c.save.clear();
        args = &[];
    }
    if !args.len().is_multiple_of(2) {
        return Err(INVALID.into());
    }
    let mut points = Vec::with_capacity(args.len() / 2);
    for pair in args.chunks_exact(2) {
        let (secs, changes) = (strtoll(pair[0], 10), strtoll(pair[1], 10));
        if !secs.complete(pair[0])
            || !changes.complete(pair[1])
            || secs.value < 1
            || changes.value < 0
        {
            return Err(INVALID.into());
        }
        points.push(SavePoint {
            seconds: secs.value as u64,
            changes: changes.value as u64,
        });
    }
    if !save.reading_config_file {
        c.save.clear();
    } else if !save.save_loaded {
        // The first `save` line of the configuration replaces the built-in points.
        save.save_loaded = true;
        c.save.clear();
    }
    c.save.extend(points);
    Ok(Outcome::Changed)
}

/// `updateClientOutputBufferLimit`: all classes are checked before any is changed.
fn set_obuf_limits(c: &mut Config, args: &[&[u8]]) -> Result<(), &'static str> {
    if !args.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.");
    }
    let mut updates = Vec::with_capacity(args.len() / 4);
    for group in args.chunks_exact(4) {
        let class = ClientClass::parse(group[0])
            .ok_or("Invalid client class specified in buffer limit configuration.")?;
        let soft_seconds = strtoll(group[3], 10);
        match (memtoull(group[1]), memtoull(group[2])) {
            (Some(hard), Some(soft))
                if soft_seconds.value >= 0 && soft_seconds.complete(group[3]) =>
            {
                updates.push((
                    class,
                    ClientOutputBufferLimit {
                        hard_bytes: hard,
                        soft_bytes: soft,
                        soft_seconds: soft_seconds.value as u64,
                    },
                ));
            }
            _ => {
                return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
                );
            }
        }
    }
    for (class, limit) in updates {
        c.client_output_buffer_limit[class.index()] = limit;
    }
    Ok(())
}

fn set_oom_values(c: &mut Config, args: &[&[u8]]) -> Result<Outcome, String> {
    if args.len() != 3 {
        return Err("wrong number of arguments".into());
    }
    let mut values = [0i32; 3];
    for (slot, arg) in values.iter_mut().zip(args) {
        let r = strtoll(arg, 10);
        if !r.complete(arg) || !(-2000..=2000).contains(&r.value) {
            return Err(
                "Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into(),
            );
        }
        *slot = r.value as i32;
    }
    let out = if values == c.oom_score_adj_values {
        Outcome::Unchanged
    } else {
        Outcome::Changed
    };
    c.oom_score_adj_values = values;
    Ok(out)
}

fn set_replicaof(c: &mut Config, args: &[&[u8]]) -> Result<Outcome, String> {
    if args.len() != 2 {
        return Err("wrong number of arguments".into());
    }
    c.replicaof = None;
    if args[0].eq_ignore_ascii_case(b"no") && args[1].eq_ignore_ascii_case(b"one") {
        return Ok(Outcome::Changed);
    }
    let port = strtoll(args[1], 10);
    if !port.complete(args[1]) || !(0..=65535).contains(&port.value) {
        return Err("Invalid master port".into());
    }
    c.replicaof = Some(ReplicaOf {
        host: text(args[0]),
        port: port.value as u16,
    });
    Ok(Outcome::Changed)
}

/// C's `strerror` text of an I/O error (Rust appends " (os error N)").
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if e.raw_os_error().is_some() => s[..i].to_string(),
        _ => s,
    }
}

/// Resolves a new `dir` the way `chdir` would from the current effective directory.
fn resolve_dir(c: &Config, value: &str) -> Result<String, String> {
    if value.is_empty() {
        return Err("No such file or directory".into());
    }
    let target = c.effective_dir().join(value);
    let abs = std::fs::canonicalize(&target).map_err(|e| strerror(&e))?;
    if !abs.is_dir() {
        return Err("Not a directory".into());
    }
    Ok(abs.to_string_lossy().into_owned())
}

/// Renders one directive's value as CONFIG GET prints it.
pub(crate) fn render(c: &Config, d: &Directive) -> String {
    match &d.kind {
        Kind::Bool { get, .. } => if get(c) { "yes" } else { "no" }.into(),
        Kind::Str { get, .. } => get(c).unwrap_or("").into(),
        Kind::Sds { get, .. } => String::from_utf8_lossy(get(c).unwrap_or(b"")).into_owned(),
        Kind::Enum { names, get, .. } => enum_name(names, get(c), d.has(flag::MULTI_ARG)),
        Kind::Num { get, format, .. } => {
            let v = get(c);
            match format {
                NumFormat::MemoryOrPercent if v < 0 => format!("{}%", v.unsigned_abs()),
                NumFormat::Memory | NumFormat::MemoryOrPercent => (v as u64).to_string(),
                NumFormat::Octal => format!("{:o}", v as u64),
                NumFormat::Integer => v.to_string(),
            }
        }
        Kind::Special(s) => render_special(c, *s),
    }
}

fn render_special(c: &Config, s: Special) -> String {
    match s {
        Special::Dir => c.effective_dir().to_string_lossy().into_owned(),
        Special::Save => c
            .save
            .iter()
            .map(|p| format!("{} {}", p.seconds, p.changes))
            .collect::<Vec<_>>()
            .join(" "),
        Special::ClientOutputBufferLimit => ClientClass::ALL
            .iter()
            .map(|class| {
                let l = c.obuf_limit(*class);
                format!(
                    "{} {} {} {}",
                    class.get_name(),
                    l.hard_bytes,
                    l.soft_bytes,
                    l.soft_seconds
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        Special::OomScoreAdjValues => c
            .oom_score_adj_values
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        Special::NotifyKeyspaceEvents => c.notify_keyspace_events.to_string(),
        Special::Bind => c.bind.join(" "),
        Special::ReplicaOf => match &c.replicaof {
            Some(r) => format!("{} {}", r.host, r.port),
            None => String::new(),
        },
        Special::LatencyTrackingInfoPercentiles => c
            .latency_tracking_info_percentiles
            .iter()
            .map(|p| format_trimmed_double(*p))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Splits a CONFIG SET value into arguments: multi-argument directives split on single spaces
/// (`sdssplitlen`), others take the value whole.
fn set_args(d: &Directive, value: &[u8]) -> Vec<Vec<u8>> {
    if d.has(flag::MULTI_ARG) {
        split_on(value, b' ')
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect()
    } else {
        vec![value.to_vec()]
    }
}

/// Splits the single argument of a multi-argument directive in a config file, as Redis does:
/// with quote rules, and an unbalanced argument counts as no argument at all.
pub(crate) fn file_multi_args(value: &[u8]) -> Vec<Vec<u8>> {
    split_args(c_str(value)).unwrap_or_default()
}

impl Config {
    /// The directory `dir` names, absolute: the process's current directory while `dir` is
    /// still the default `"."`.
    pub fn effective_dir(&self) -> PathBuf {
        let dir = Path::new(&self.dir);
        if dir.is_absolute() {
            return dir.to_path_buf();
        }
        match std::env::current_dir() {
            Ok(cwd) if self.dir == "." => cwd,
            Ok(cwd) => cwd.join(dir),
            Err(_) => dir.to_path_buf(),
        }
    }

    /// Every `(name, value)` whose registered name (primary or alias) satisfies `name_matches`,
    /// in table order, aliases as their own entries as in Redis 7.0. Hidden configs are
    /// included (a predicate may be an exact name); for Redis's exact CONFIG GET rules use
    /// [`Config::config_get`].
    pub fn get(&self, name_matches: impl Fn(&str) -> bool) -> Vec<(String, String)> {
        entries()
            .filter(|e| name_matches(e.name()))
            .map(|e| (e.name().to_string(), render(self, e.directive())))
            .collect()
    }

    /// The value of one directive (by name or alias, any case) as CONFIG GET prints it.
    pub fn get_one(&self, name: &str) -> Option<String> {
        lookup(name.as_bytes()).map(|e| render(self, e.directive()))
    }

    /// CONFIG GET with Redis 7.0's rules: a pattern without `*?[` is an exact, case-insensitive
    /// lookup (answered under the name as typed, and the only way to see hidden configs);
    /// otherwise a case-insensitive glob over every name and alias. Each config once.
    pub fn config_get(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut matches: Vec<(String, Entry)> = Vec::new();
        // Names already answered, lower-cased (Redis's reply dict is case-insensitive).
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        for pattern in patterns {
            if !pattern.iter().any(|b| matches!(b, b'[' | b'*' | b'?')) {
                if let Some(entry) = lookup(pattern)
                    && seen.insert(pattern.to_ascii_lowercase())
                {
                    matches.push((String::from_utf8_lossy(pattern).into_owned(), entry));
                }
                continue;
            }
            for entry in entries() {
                let name = entry.name();
                if entry.directive().has(flag::HIDDEN) || seen.contains(name.as_bytes()) {
                    continue;
                }
                if stringmatch(pattern, name.as_bytes(), true) {
                    seen.insert(name.as_bytes().to_vec());
                    matches.push((name.to_string(), entry));
                }
            }
        }
        matches
            .into_iter()
            .map(|(name, e)| (name, render(self, e.directive())))
            .collect()
    }

    /// CONFIG SET for a client that is not local and while not loading. See [`Config::set_with`].
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<Vec<&'static str>, String> {
        self.set_with(pairs, SetContext::default())
    }

    /// CONFIG SET name value [name value ...]: all or nothing. Returns the canonical names whose
    /// value changed (always including `dir`, `save`, `bind`, ... which Redis always treats as
    /// changed), for the server to apply side effects; if applying fails, the server restores a
    /// clone taken before. Errors are Redis's full error lines, starting with `ERR ` (or
    /// `LOADING `).
    pub fn set_with(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        ctx: SetContext,
    ) -> Result<Vec<&'static str>, String> {
        let entries = self.check_set(pairs, ctx)?;
        let mut next = self.clone();
        let mut save = SaveState::default();
        let mut changed: Vec<&'static str> = Vec::new();
        for (entry, (_, value)) in entries.iter().zip(pairs) {
            let d = entry.directive();
            let args = set_args(d, value);
            let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            match set_directive(&mut next, d, &args, &mut save) {
                Ok(Outcome::Changed) => {
                    if !changed.contains(&d.name) {
                        changed.push(d.name);
                    }
                }
                Ok(Outcome::Unchanged) => {}
                Err(reason) => {
                    return Err(format!(
                        "ERR CONFIG SET failed (possibly related to argument '{}') - {reason}",
                        entry.name()
                    ));
                }
            }
        }
        *self = next;
        Ok(changed)
    }

    /// The first pass of CONFIG SET: every name must exist, be mutable (and allowed, if
    /// protected), not be denied while loading, and appear once. The first problem wins, except
    /// that a loading denial is reported as `LOADING`.
    fn check_set(&self, pairs: &[(&[u8], &[u8])], ctx: SetContext) -> Result<Vec<Entry>, String> {
        let mut found: Vec<Entry> = Vec::with_capacity(pairs.len());
        for (name, _) in pairs {
            let shown = String::from_utf8_lossy(name);
            let Some(entry) = lookup(name) else {
                return Err(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{shown}'"
                ));
            };
            let d = entry.directive();
            let protected = d.has(flag::PROTECTED)
                && !self.enable_protected_configs.allows(ctx.client_is_local);
            if d.has(flag::IMMUTABLE) || protected {
                let why = if d.has(flag::IMMUTABLE) {
                    "can't set immutable config"
                } else {
                    "can't set protected config"
                };
                return Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{shown}') - {why}"
                ));
            }
            if ctx.loading && d.has(flag::DENY_LOADING) {
                return Err("LOADING Redis is loading the dataset in memory".into());
            }
            if found.contains(&entry) {
                return Err(format!(
                    "ERR CONFIG SET failed (possibly related to argument '{shown}') - duplicate parameter"
                ));
            }
            found.push(entry);
        }
        Ok(found)
    }
}

/// Whether a config (by name or alias) holds a secret: Redis redacts its CONFIG SET value from
/// SLOWLOG, MONITOR and command logs (`masterauth`, `masteruser`, `requirepass`).
pub fn is_sensitive_config(name: &[u8]) -> bool {
    lookup(name).is_some_and(|e| e.directive().has(flag::SENSITIVE))
}

/// All primary directive names, in table order.
pub fn directive_names() -> impl Iterator<Item = &'static str> {
    DIRECTIVES.iter().map(|d| d.name)
}

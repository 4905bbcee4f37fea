//! Loading a configuration as redis-server does at start-up (`main` and `loadServerConfig*`):
//! the command line (`[file | -] [--name args ...]`), the file (with `include`, wildcards
//! allowed), standard input, then the `--` options appended as extra lines; the line syntax;
//! and the checks made after loading.
//!
//! Reads files and standard input; writes nothing except creating `logfile` as Redis's
//! open-for-append check does (only when loading from the command line).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::access::{SaveState, file_multi_args, set_directive, strerror};
use crate::config::Config;
use crate::directives::{flag, lookup};
use crate::error::ConfigError;
use crate::glob::stringmatch;
use crate::lexer::{c_str, repr, split_args, split_on, text, trim};
use crate::types::{LoadModule, RenameCommand, SourceLine, UserDirective};

/// Directives Redis 7.0 still accepts and ignores (with exactly one argument).
const DEPRECATED: [&str; 3] = [
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

/// Deepest `include` chain accepted (Redis has no limit and would overflow its stack).
const MAX_INCLUDE_DEPTH: usize = 32;

/// redis-server's command line, digested: the config file, whether to read standard input, and
/// the `--` options turned into config lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StartupArgs {
    /// The configuration file (the first argument when it does not start with `-`), made
    /// absolute against the current directory as `getAbsolutePath` does. CONFIG REWRITE writes
    /// back to it.
    pub config_file: Option<PathBuf>,
    /// A lone `-` as first or last argument: read more configuration from standard input.
    pub config_from_stdin: bool,
    /// The `--name args` options as config text, one directive per line, arguments quoted
    /// (`--port 7777 --save ""` gives `port "7777" \nsave "" `).
    pub options: String,
}

impl StartupArgs {
    /// Digests arguments (without the program name) exactly as redis-server 7.0 does. Options
    /// handled before config parsing (`-v`, `--version`, `-h`, `--help`, `--test-memory`,
    /// `--check-system`, sentinel mode) are the caller's business.
    pub fn parse(args: &[String]) -> StartupArgs {
        let argc = args.len();
        let mut out = StartupArgs::default();
        let mut j = 0;
        if let Some(first) = args.first()
            && !first.starts_with('-')
        {
            out.config_file = Some(absolute_path(first));
            j = 1;
        }
        let mut handled_last_arg = true;
        while j < argc {
            let arg = &args[j];
            let next_is_option = j + 1 < argc && args[j + 1].starts_with("--");
            if arg == "-" && (j == 0 || j == argc - 1) {
                out.config_from_stdin = true;
            } else if handled_last_arg && arg.starts_with("--") {
                if !out.options.is_empty() {
                    out.options.push('\n');
                }
                out.options.push_str(&arg[2..]);
                out.options.push(' ');
                let words = split_args(arg.as_bytes()).map_or(0, |w| w.len());
                if words == 1 {
                    // A name alone: the following arguments are its values.
                    handled_last_arg = false;
                    let is_save = arg.eq_ignore_ascii_case("--save");
                    if is_save && next_is_option {
                        // `--save --port 1` means `--save "" --port 1` (pre-7.0 compatibility).
                        out.options.push_str("\"\"");
                        handled_last_arg = true;
                    } else if is_save && j == argc - 1 {
                        out.options.push_str("\"\"");
                    } else if arg.eq_ignore_ascii_case("--sentinel") && next_is_option {
                        handled_last_arg = true;
                    }
                } else {
                    // `"--port 6380"` as one argument carries its value.
                    handled_last_arg = true;
                }
            } else {
                out.options.push_str(&repr(arg.as_bytes()));
                out.options.push(' ');
                handled_last_arg = true;
            }
            j += 1;
        }
        out
    }
}

/// `getAbsolutePath`: trims blanks, joins a relative path to the current directory, folding
/// leading `../` elements.
fn absolute_path(name: &str) -> PathBuf {
    let rel = name.trim_matches([' ', '\r', '\n', '\t']);
    if rel.starts_with('/') {
        return PathBuf::from(rel);
    }
    let Ok(cwd) = std::env::current_dir() else {
        return PathBuf::from(rel);
    };
    let mut abs = cwd.to_string_lossy().into_owned();
    if !abs.ends_with('/') {
        abs.push('/');
    }
    let mut rel = rel;
    while let Some(rest) = rel.strip_prefix("../") {
        rel = rest;
        if abs.len() > 1 {
            let cut = abs[..abs.len() - 1].rfind('/').map_or(0, |p| p + 1);
            abs.truncate(cut);
        }
    }
    abs.push_str(rel);
    PathBuf::from(abs)
}

/// What `fgets` into a buffer plus `sdscat` keeps of a file: each chunk (a line, or 1024 bytes)
/// up to its first NUL byte.
fn fgets_concat(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        let max_end = (i + 1024).min(data.len());
        let end = data[i..max_end]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(max_end, |p| i + p + 1);
        out.extend_from_slice(c_str(&data[i..end]));
        i = end;
    }
    out
}

fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// `glob(3)` without flags: expands wildcards component by component (a leading dot must be
/// matched explicitly) and returns the existing paths, sorted.
fn expand_glob(base: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut current = vec![if pattern.starts_with('/') {
        PathBuf::from("/")
    } else {
        base.to_path_buf()
    }];
    for component in pattern.split('/').filter(|c| !c.is_empty()) {
        if !has_wildcard(component) {
            current = current.into_iter().map(|p| p.join(component)).collect();
            continue;
        }
        let mut next = Vec::new();
        for dir in &current {
            let Ok(read) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in read.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') && !component.starts_with('.') {
                    continue;
                }
                if stringmatch(component.as_bytes(), name.as_bytes(), false) {
                    next.push(dir.join(name.as_ref()));
                }
            }
        }
        current = next;
    }
    let mut found: Vec<PathBuf> = current
        .into_iter()
        .filter(|p| p.symlink_metadata().is_ok())
        .collect();
    found.sort();
    found
}

/// Reads one file for the configuration. A directory reads as empty (fopen succeeds, fgets
/// fails), as in Redis.
fn read_one(path: &Path, shown: &str) -> Result<Vec<u8>, ConfigError> {
    match std::fs::read(path) {
        Ok(data) => Ok(fgets_concat(&data)),
        Err(_) if path.is_dir() => Ok(Vec::new()),
        Err(e) => Err(ConfigError::open(shown, strerror(&e))),
    }
}

/// The text of a config file name as `loadServerConfig` reads it: with wildcards, every match in
/// order (none is fine); without, the file itself (missing is an error).
fn read_config_source(base: &Path, name: &str) -> Result<Vec<u8>, ConfigError> {
    if has_wildcard(name) {
        let mut text = Vec::new();
        for path in expand_glob(base, name) {
            text.extend(read_one(&path, &path.to_string_lossy())?);
        }
        return Ok(text);
    }
    read_one(&base.join(name), name)
}

/// One configuration load in progress.
struct Loader {
    save: SaveState,
    depth: usize,
    /// Whether to check that `logfile` can be opened (Redis does it at the end of every load).
    check_logfile: bool,
}

impl Loader {
    /// `loadServerConfigFromString`.
    fn load_text(&mut self, c: &mut Config, text_bytes: &[u8]) -> Result<(), ConfigError> {
        self.save.reading_config_file = true;
        for (i, raw) in split_on(c_str(text_bytes), b'\n').into_iter().enumerate() {
            let line = trim(raw, b" \t\r\n");
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let err =
                |reason: &str| ConfigError::at_line(i + 1, String::from_utf8_lossy(line), reason);
            let Some(mut argv) = split_args(line) else {
                return Err(err("Unbalanced quotes in configuration line"));
            };
            if argv.is_empty() {
                continue;
            }
            argv[0].make_ascii_lowercase();
            self.directive(c, &argv, i + 1, line)
                .map_err(|reason| match reason {
                    Failure::Reason(r) => err(&r),
                    Failure::Fatal(e) => e,
                })?;
        }
        self.finish(c)?;
        // Redis clears its "reading a file" flag at the end of every load, includes too.
        self.save.reading_config_file = false;
        Ok(())
    }

    /// Applies one parsed line.
    fn directive(
        &mut self,
        c: &mut Config,
        argv: &[Vec<u8>],
        line: usize,
        text_line: &[u8],
    ) -> Result<(), Failure> {
        let argc = argv.len();
        if let Some(entry) = lookup(&argv[0]) {
            let d = entry.directive();
            let multi = d.has(flag::MULTI_ARG);
            if !multi && argc != 2 {
                return Err(Failure::reason("wrong number of arguments"));
            }
            let args: Vec<Vec<u8>> = if multi && argc == 2 && !argv[1].is_empty() {
                // `--save "900 1"`: one argument holding several.
                file_multi_args(&argv[1])
            } else {
                argv[1..].to_vec()
            };
            let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            set_directive(c, d, &args, &mut self.save).map_err(Failure::Reason)?;
            return Ok(());
        }
        let name = String::from_utf8_lossy(&argv[0]).into_owned();
        let source = || SourceLine {
            line,
            text: String::from_utf8_lossy(text_line).into_owned(),
        };
        let words = || argv[1..].iter().map(|a| text(a)).collect::<Vec<_>>();
        if argc == 2 && DEPRECATED.contains(&name.as_str()) {
            return Ok(());
        }
        match name.as_str() {
            "include" if argc == 2 => self.include(c, &text(&argv[1])).map_err(Failure::Fatal),
            "rename-command" if argc == 3 => {
                c.rename_command.push(RenameCommand {
                    from: text(&argv[1]),
                    to: text(&argv[2]),
                    source: source(),
                });
                Ok(())
            }
            "user" if argc >= 2 => {
                c.user.push(UserDirective {
                    args: words(),
                    source: source(),
                });
                Ok(())
            }
            "loadmodule" if argc >= 2 => {
                let mut args = words();
                let path = args.remove(0);
                c.loadmodule.push(LoadModule { path, args });
                Ok(())
            }
            _ if name.contains('.') => {
                if argc < 2 {
                    return Err(Failure::reason("Module config specified without value"));
                }
                let value = words().join(" ");
                match c.module_configs.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = value,
                    None => c.module_configs.push((name, value)),
                }
                Ok(())
            }
            // A bare `sentinel` line only matters to sentinel mode, which main() detects.
            "sentinel" if argc == 1 => Ok(()),
            "sentinel" => Err(Failure::reason(
                "sentinel directive while not in sentinel mode",
            )),
            _ => Err(Failure::reason(
                "Bad directive or wrong number of arguments",
            )),
        }
    }

    /// `include <file>`: loaded as a configuration of its own (its own line numbers).
    fn include(&mut self, c: &mut Config, name: &str) -> Result<(), ConfigError> {
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(ConfigError::global(format!(
                "Too many nested includes (at '{name}')"
            )));
        }
        let data = read_config_source(&c.effective_dir(), name)?;
        self.depth += 1;
        let result = self.load_text(c, &data);
        self.depth -= 1;
        result
    }

    /// The checks at the end of a load.
    fn finish(&self, c: &mut Config) -> Result<(), ConfigError> {
        if self.check_logfile && !c.logfile.is_empty() {
            let path = c.effective_dir().join(&c.logfile);
            if let Err(e) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
            {
                return Err(ConfigError::global(format!(
                    "Can't open the log file: {}",
                    strerror(&e)
                )));
            }
        }
        if c.cluster_enabled && c.replicaof.is_some() {
            return Err(ConfigError::global(
                "replicaof directive not allowed in cluster mode",
            ));
        }
        c.hz = c.hz.clamp(1, 500);
        Ok(())
    }
}

/// Why a line failed: a reason to print with the line, or an error of its own (an included
/// file that cannot be read, or that fails at its own line).
enum Failure {
    Reason(String),
    Fatal(ConfigError),
}

impl Failure {
    fn reason(r: &str) -> Failure {
        Failure::Reason(r.to_string())
    }
}

impl Config {
    /// Loads the configuration from redis-server's arguments (without the program name):
    /// `[path/to/redis.conf | -] [--directive arg ...]`. The file is read first, then standard
    /// input if asked (`-` first or last), then each `--name args` as one more line, so the
    /// command line overrides the file. Returns the configuration and the absolute path of the
    /// config file (for CONFIG REWRITE).
    ///
    /// Like Redis, checks that `logfile` (if set) can be opened for appending, which creates it.
    pub fn from_args(args: &[String]) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let startup = StartupArgs::parse(args);
        let config = Config::load(&startup)?;
        Ok((config, startup.config_file))
    }

    /// Loads the configuration described by digested start-up arguments.
    pub fn load(startup: &StartupArgs) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let mut text = Vec::new();
        if let Some(path) = &startup.config_file {
            text = read_config_source(&c.effective_dir(), &path.to_string_lossy())?;
        }
        if startup.config_from_stdin {
            let mut data = Vec::new();
            std::io::stdin()
                .read_to_end(&mut data)
                .map_err(|e| ConfigError::open("-", strerror(&e)))?;
            text.extend(fgets_concat(&data));
        }
        text.push(b'\n');
        text.extend_from_slice(startup.options.as_bytes());
        let mut loader = Loader {
            save: SaveState::default(),
            depth: 0,
            check_logfile: true,
        };
        loader.load_text(&mut c, &text)?;
        Ok(c)
    }

    /// Parses configuration file contents over the defaults (no `logfile` check). `include`
    /// and relative paths resolve against `dir` (the current directory until `dir` is set).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str) -> Result<Config, ConfigError> {
        Config::from_bytes(text.as_bytes())
    }

    /// [`Config::from_str`] for bytes (a file need not be UTF-8).
    pub fn from_bytes(text: &[u8]) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let mut loader = Loader {
            save: SaveState::default(),
            depth: 0,
            check_logfile: false,
        };
        loader.load_text(&mut c, text)?;
        Ok(c)
    }
}

impl std::str::FromStr for Config {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Config, ConfigError> {
        Config::from_bytes(text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_become_lines() {
        let s = StartupArgs::parse(&args(&[
            "--port",
            "7777",
            "--save",
            "",
            "--replicaof",
            "127.0.0.1",
            "6380",
        ]));
        assert_eq!(s.config_file, None);
        assert_eq!(
            s.options,
            "port \"7777\" \nsave \"\" \nreplicaof \"127.0.0.1\" \"6380\" "
        );
    }

    #[test]
    fn save_without_value_means_empty() {
        let s = StartupArgs::parse(&args(&["--save", "--port", "1"]));
        assert_eq!(s.options, "save \"\"\nport \"1\" ");
        let s = StartupArgs::parse(&args(&["--port", "1", "--save"]));
        assert_eq!(s.options, "port \"1\" \nsave \"\"");
    }

    #[test]
    fn value_may_start_with_dashes_after_a_name() {
        let s = StartupArgs::parse(&args(&["--loglevel", "--x"]));
        assert_eq!(s.options, "loglevel \"--x\" ");
        let s = StartupArgs::parse(&args(&["--port 6380", "--hz", "20"]));
        assert_eq!(s.options, "port 6380 \nhz \"20\" ");
    }

    #[test]
    fn file_and_stdin() {
        let s = StartupArgs::parse(&args(&["/etc/redis.conf", "-"]));
        assert_eq!(s.config_file, Some(PathBuf::from("/etc/redis.conf")));
        assert!(s.config_from_stdin);
        let s = StartupArgs::parse(&args(&["-", "--port", "1"]));
        assert!(s.config_from_stdin);
        assert_eq!(s.config_file, None);
    }

    #[test]
    fn absolute_path_folds_parent_dirs() {
        let cwd = std::env::current_dir().unwrap();
        let parent = cwd.parent().unwrap().to_string_lossy().into_owned();
        let p = absolute_path("../x.conf");
        assert_eq!(
            p,
            PathBuf::from(format!("{}/x.conf", parent.trim_end_matches('/')))
        );
        assert_eq!(absolute_path(" /a/b.conf\n"), PathBuf::from("/a/b.conf"));
    }

    #[test]
    fn fgets_drops_bytes_after_nul_in_a_chunk() {
        assert_eq!(fgets_concat(b"ab\0cd\nef\n"), b"abef\n");
    }
}

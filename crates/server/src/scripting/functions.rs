//! FUNCTION libraries (Redis 7.0's functions.c and function_lua.c): a library is Lua code
//! with a `#!lua name=<lib>` first line that calls `redis.register_function` while it loads;
//! FCALL then finds a function by name (case-insensitively) across all libraries.
//!
//! Loading runs the code in the functions state under the load-time API (register_function,
//! log, version fields only) with a 500 ms limit (none for our master's loads); any error
//! leaves the libraries as they were. DUMP/RESTORE carry libraries as RDB `FUNCTION2` records
//! in the DUMP framing, the same records the RDB file holds.

use super::ScriptFlags;
use super::sandbox::{self, Sandbox, StateKind};
use super::watch::ScriptWatch;
use bytes::Bytes;
use mlua::{Lua, MultiValue, Value as LuaValue};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// FUNCTION LOAD's time limit for a library's top-level code.
pub const LOAD_TIMEOUT: Duration = Duration::from_millis(500);

pub struct FunctionInfo {
    pub name: String,
    pub description: Option<Bytes>,
    pub flags: ScriptFlags,
    pub callback: mlua::Function,
}

pub struct Library {
    pub name: String,
    /// The whole payload FUNCTION LOAD got, shebang included (what DUMP and the RDB keep).
    pub code: Bytes,
    pub functions: Vec<FunctionInfo>,
}

/// What RESTORE does with libraries that already exist.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RestorePolicy {
    Append,
    Replace,
    Flush,
}

pub struct Functions {
    watch: Arc<ScriptWatch>,
    deprecated_api: bool,
    sandbox: Option<Sandbox>,
    /// Library name (case-sensitive, as Redis) → library.
    libraries: BTreeMap<String, Library>,
    /// Lowercased function name → library name.
    index: BTreeMap<String, String>,
}

/// Functions registered by the library being loaded (Lua app data during a load).
#[derive(Default)]
struct Pending {
    functions: Vec<FunctionInfo>,
}

impl Functions {
    pub fn new(watch: Arc<ScriptWatch>, deprecated_api: bool) -> Functions {
        Functions {
            watch,
            deprecated_api,
            sandbox: None,
            libraries: BTreeMap::new(),
            index: BTreeMap::new(),
        }
    }

    pub fn state(&mut self) -> Result<&Sandbox, String> {
        if self.sandbox.is_none() {
            let sandbox = new_sandbox(self.watch.clone(), self.deprecated_api)
                .map_err(|e| format!("ERR Failed to create the Lua state: {e}"))?;
            self.sandbox = Some(sandbox);
        }
        Ok(self.sandbox.as_ref().expect("just created"))
    }

    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.sandbox.as_ref()
    }

    /// The libraries' code, in bytes (INFO used_memory_functions).
    pub fn code_bytes(&self) -> u64 {
        self.libraries.values().map(|l| l.code.len() as u64).sum()
    }

    pub fn find(&self, name: &[u8]) -> Option<&FunctionInfo> {
        let key = String::from_utf8_lossy(name).to_ascii_lowercase();
        let lib = self.libraries.get(self.index.get(&key)?)?;
        lib.functions
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(&key))
    }

    pub fn libraries(&self) -> impl Iterator<Item = &Library> {
        self.libraries.values()
    }

    pub fn function_count(&self) -> usize {
        self.index.len()
    }

    /// FUNCTION LOAD: the loaded library's name.
    pub fn load(
        &mut self,
        code: Bytes,
        replace: bool,
        timeout: Option<Duration>,
    ) -> Result<String, String> {
        let meta = parse_metadata(&code)?;
        meta.validate()?;
        let key = meta.name.clone();
        if self.libraries.contains_key(&key) && !replace {
            return Err(format!("ERR Library '{}' already exists", meta.name));
        }
        let library = self.compile(&code, timeout)?;
        for f in &library.functions {
            let owner = self.index.get(&f.name.to_ascii_lowercase());
            if owner.is_some_and(|o| *o != key) {
                return Err(format!("ERR Function {} already exists", f.name));
            }
        }
        self.unlink(&key);
        let name = library.name.clone();
        self.link(library);
        Ok(name)
    }

    /// FUNCTION DELETE.
    pub fn delete(&mut self, name: &[u8]) -> Result<(), String> {
        let key = String::from_utf8_lossy(name).into_owned();
        self.unlink(&key)
            .map(|_| ())
            .ok_or_else(|| "ERR Library not found".to_string())
    }

    /// FUNCTION FLUSH: no libraries, a fresh state.
    pub fn flush(&mut self) {
        self.libraries.clear();
        self.index.clear();
        self.sandbox = None;
        self.publish_counts();
    }

    /// FUNCTION DUMP: every library as a FUNCTION2 record, in the DUMP framing.
    pub fn dump(&self) -> Vec<u8> {
        let mut w = ferrodis_rdb::Writer::new(Vec::new(), Default::default());
        for lib in self.libraries.values() {
            // Writing to a Vec cannot fail.
            let _ = w.function(&lib.code);
        }
        ferrodis_rdb::dump::seal(w.into_inner())
    }

    /// The library codes, for the RDB.
    pub fn codes(&self) -> Vec<Bytes> {
        self.libraries.values().map(|l| l.code.clone()).collect()
    }

    /// FUNCTION RESTORE.
    pub fn restore(&mut self, payload: &[u8], policy: RestorePolicy) -> Result<(), String> {
        let (version, body) = ferrodis_rdb::dump::open(payload)
            .map_err(|_| "ERR DUMP payload version or checksum are wrong".to_string())?;
        let codes = read_function_records(body, version)?;
        self.replace_with(codes, policy, None)
    }

    /// Installs libraries from an RDB (Flush) or a payload; all or nothing.
    pub fn replace_with(
        &mut self,
        codes: Vec<Bytes>,
        policy: RestorePolicy,
        timeout: Option<Duration>,
    ) -> Result<(), String> {
        let mut incoming: Vec<Library> = Vec::new();
        for code in codes {
            let lib = self.compile(&code, timeout)?;
            if incoming.iter().any(|l| l.name == lib.name) {
                return Err(format!("ERR Library {} already exists", lib.name));
            }
            incoming.push(lib);
        }
        if policy == RestorePolicy::Flush {
            self.libraries.clear();
            self.index.clear();
        }
        let replaced: Vec<String> = incoming.iter().map(|l| l.name.clone()).collect();
        for (lib, key) in incoming.iter().zip(&replaced) {
            if self.libraries.contains_key(key) && policy == RestorePolicy::Append {
                return Err(format!("ERR Library {} already exists", lib.name));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for lib in &incoming {
            for f in &lib.functions {
                let fkey = f.name.to_ascii_lowercase();
                let taken_elsewhere = self
                    .index
                    .get(&fkey)
                    .is_some_and(|owner| !replaced.contains(owner));
                if taken_elsewhere || !seen.insert(fkey) {
                    return Err(format!("ERR Function {} already exists", f.name));
                }
            }
        }
        for key in &replaced {
            self.unlink(key);
        }
        for lib in incoming {
            self.link(lib);
        }
        Ok(())
    }

    fn link(&mut self, lib: Library) {
        let key = lib.name.clone();
        for f in &lib.functions {
            self.index.insert(f.name.to_ascii_lowercase(), key.clone());
        }
        self.libraries.insert(key, lib);
        self.publish_counts();
    }

    /// Keeps the counts FUNCTION STATS shows during a busy script current.
    fn publish_counts(&self) {
        self.watch
            .set_function_counts(self.libraries.len(), self.index.len());
    }

    fn unlink(&mut self, key: &str) -> Option<Library> {
        let lib = self.libraries.remove(key)?;
        for f in &lib.functions {
            self.index.remove(&f.name.to_ascii_lowercase());
        }
        self.publish_counts();
        Some(lib)
    }

    /// Runs a library's code under the load-time API; its registered functions.
    fn compile(&mut self, code: &Bytes, timeout: Option<Duration>) -> Result<Library, String> {
        let meta = parse_metadata(code)?;
        meta.validate()?;
        let watch = self.watch.clone();
        let state = self.state()?;
        let chunk = state
            .lua
            .load(&code[meta.code_start..])
            .set_name("@user_function")
            .set_environment(state.env.clone())
            .into_function()
            .map_err(|e| {
                format!(
                    "ERR Error compiling function: {}",
                    sandbox::mlua_error_text(&e)
                )
            })?;
        let set_load_mode = state.set_load_mode.clone().expect("functions state");
        state.lua.set_app_data(Pending::default());
        let _ = set_load_mode.call::<()>(true);
        watch.start_load(timeout);
        let outcome: mlua::Result<(bool, LuaValue)> =
            state.runner.call((chunk, LuaValue::Nil, LuaValue::Nil));
        watch.finish_load();
        let _ = set_load_mode.call::<()>(false);
        let _ = sandbox::install_hook(&state.lua, watch, false);
        let pending = state.lua.remove_app_data::<Pending>().unwrap_or_default();
        match outcome {
            Ok((true, _)) => {}
            Ok((false, err)) => {
                return Err(format!(
                    "ERR Error registering functions: {}",
                    sandbox::error_text(&err)
                ));
            }
            Err(e) => {
                return Err(format!(
                    "ERR Error registering functions: {}",
                    sandbox::mlua_error_text(&e)
                ));
            }
        }
        if pending.functions.is_empty() {
            return Err("ERR No functions registered".into());
        }
        Ok(Library {
            name: meta.name,
            code: code.clone(),
            functions: pending.functions,
        })
    }
}

const NAME_RULE: &str = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
}

#[derive(Debug)]
struct Metadata {
    engine: String,
    name: String,
    /// Where the code after the shebang line starts (at its newline).
    code_start: usize,
}

impl Metadata {
    /// The name's characters, then the engine, in Redis's order.
    fn validate(&self) -> Result<(), String> {
        if !valid_name(self.name.as_bytes()) {
            return Err(format!("ERR {NAME_RULE}"));
        }
        if !self.engine.eq_ignore_ascii_case("lua") {
            return Err(format!("ERR Engine '{}' not found", self.engine));
        }
        Ok(())
    }
}

/// Redis's functionExtractLibMetaData.
fn parse_metadata(code: &[u8]) -> Result<Metadata, String> {
    if !code.starts_with(b"#!") {
        return Err("ERR Missing library metadata".into());
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err("ERR Invalid library metadata".into());
    };
    let parts = ferrodis_config::split_args(&code[..end])
        .filter(|p| !p.is_empty())
        .ok_or_else(|| "ERR Invalid library metadata".to_string())?;
    let engine = String::from_utf8_lossy(&parts[0][2..]).into_owned();
    let mut name = None;
    for part in &parts[1..] {
        if part.len() >= 5 && part[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err(
                    "ERR Invalid metadata value, name argument was given multiple times".into(),
                );
            }
            name = Some(String::from_utf8_lossy(&part[5..]).into_owned());
            continue;
        }
        return Err(format!(
            "ERR Invalid metadata value given: {}",
            String::from_utf8_lossy(part)
        ));
    }
    let name = name.ok_or_else(|| "ERR Library name was not given".to_string())?;
    Ok(Metadata {
        engine,
        name,
        code_start: end,
    })
}

/// The FUNCTION2 records of a DUMP payload's body.
fn read_function_records(body: &[u8], version: u16) -> Result<Vec<Bytes>, String> {
    let mut reader = ferrodis_rdb::Reader::without_header(body, version);
    let mut codes = Vec::new();
    while (reader.offset() as usize) < body.len() {
        use ferrodis_rdb::opcodes::{FUNCTION_PRE_GA, FUNCTION2};
        if !matches!(body[reader.offset() as usize], FUNCTION2 | FUNCTION_PRE_GA) {
            return Err("ERR given type is not a function".into());
        }
        match reader.next_record() {
            Ok(ferrodis_rdb::Record::Function(code)) => codes.push(Bytes::from(code)),
            Ok(_) => return Err("ERR given type is not a function".into()),
            Err(_) => return Err("ERR can not read data type".into()),
        }
    }
    Ok(codes)
}

/// The functions state, with `redis.register_function` wired to the pending library.
fn new_sandbox(watch: Arc<ScriptWatch>, deprecated_api: bool) -> mlua::Result<Sandbox> {
    Sandbox::new(
        StateKind::Functions,
        deprecated_api,
        watch,
        Some(register_function),
    )
}

/// `redis.register_function(name, callback)` or `redis.register_function{...}`; returns an
/// error message (the Lua side raises it) or nothing.
fn register_function(lua: &Lua, args: MultiValue) -> mlua::Result<Option<String>> {
    let parsed = match args.len() {
        1 => named_args(&args[0]),
        2 => positional_args(&args[0], &args[1]),
        _ => Err("wrong number of arguments to redis.register_function".to_string()),
    };
    let info = match parsed {
        Ok(info) => info,
        Err(msg) => return Ok(Some(msg)),
    };
    if !valid_name(info.name.as_bytes()) {
        return Ok(Some(NAME_RULE.to_string()));
    }
    let Some(mut pending) = lua.app_data_mut::<Pending>() else {
        return Ok(Some(
            "redis.register_function can only be called on FUNCTION LOAD command".into(),
        ));
    };
    if pending.functions.iter().any(|f| f.name == info.name) {
        return Ok(Some("Function already exists in the library".into()));
    }
    pending.functions.push(info);
    Ok(None)
}

fn lua_string(v: &LuaValue) -> Option<String> {
    match v {
        LuaValue::String(s) => Some(String::from_utf8_lossy(&s.as_bytes()).into_owned()),
        LuaValue::Integer(n) => Some(n.to_string()),
        LuaValue::Number(n) => Some(super::convert::lua_number_text(*n)),
        _ => None,
    }
}

fn positional_args(name: &LuaValue, callback: &LuaValue) -> Result<FunctionInfo, String> {
    let name =
        lua_string(name).ok_or("first argument to redis.register_function must be a string")?;
    let LuaValue::Function(callback) = callback else {
        return Err("second argument to redis.register_function must be a function".into());
    };
    Ok(FunctionInfo {
        name,
        description: None,
        flags: ScriptFlags::default(),
        callback: callback.clone(),
    })
}

fn named_args(table: &LuaValue) -> Result<FunctionInfo, String> {
    let LuaValue::Table(table) = table else {
        return Err("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).".into());
    };
    let (mut name, mut description, mut callback, mut flags) =
        (None, None, None, ScriptFlags::default());
    for pair in table.pairs::<LuaValue, LuaValue>() {
        let (k, v) = pair.map_err(|e| e.to_string())?;
        let key = lua_string(&k)
            .ok_or("named argument key given to redis.register_function is not a string")?;
        match key.to_ascii_lowercase().as_str() {
            "function_name" => {
                name = Some(lua_string(&v).ok_or(
                    "function_name argument given to redis.register_function must be a string",
                )?)
            }
            "description" => {
                description = Some(Bytes::from(lua_string(&v).ok_or(
                    "description argument given to redis.register_function must be a string",
                )?))
            }
            "callback" => match v {
                LuaValue::Function(f) => callback = Some(f),
                _ => {
                    return Err(
                        "callback argument given to redis.register_function must be a function"
                            .into(),
                    );
                }
            },
            "flags" => {
                let LuaValue::Table(list) = v else {
                    return Err("flags argument to redis.register_function must be a table representing function flags".into());
                };
                for i in 1.. {
                    match list.raw_get::<LuaValue>(i).unwrap_or(LuaValue::Nil) {
                        LuaValue::Nil => break,
                        LuaValue::String(s) => {
                            if !flags.set_named(&s.as_bytes().to_ascii_lowercase()) {
                                return Err("unknown flag given".into());
                            }
                        }
                        _ => return Err("unknown flag given".into()),
                    }
                }
            }
            _ => return Err("unknown argument given to redis.register_function".into()),
        }
    }
    let name = name.ok_or("redis.register_function must get a function name argument")?;
    let callback = callback.ok_or("redis.register_function must get a callback argument")?;
    Ok(FunctionInfo {
        name,
        description,
        flags,
        callback,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_rules() {
        let m = parse_metadata(b"#!lua name=mylib\nreturn").unwrap();
        assert_eq!(
            (m.engine.as_str(), m.name.as_str(), m.code_start),
            ("lua", "mylib", 16)
        );
        assert_eq!(parse_metadata(b"#!lua name=\"foo\"\n").unwrap().name, "foo");
        assert!(
            parse_metadata(b"return 1")
                .unwrap_err()
                .contains("Missing library metadata")
        );
        assert!(
            parse_metadata(b"#!lua\n")
                .unwrap_err()
                .contains("Library name was not given")
        );
        assert!(
            parse_metadata(b"#!lua name=a name=b\n")
                .unwrap_err()
                .contains("multiple times")
        );
        assert_eq!(
            parse_metadata(b"#!lua name=a foo=bar\n").unwrap_err(),
            "ERR Invalid metadata value given: foo=bar"
        );
        assert!(!valid_name(b"bad\0name") && !valid_name(b"") && valid_name(b"ok_1"));
    }
}

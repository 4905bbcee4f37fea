//! EVAL, EVALSHA (and their _RO forms), SCRIPT, FUNCTION, FCALL, FCALL_RO. The Lua side lives
//! in `scripting/`.

use super::ctx::parse_int;
use super::flags::*;
use super::{CmdResult, Command, Ctx};
use crate::client::ClientKind;
use crate::scripting;
use crate::scripting::functions::{LOAD_TIMEOUT, RestorePolicy};
use crate::scripting::run::{self, Invocation};
use bytes::Bytes;

const EVAL_FLAGS: u32 = NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLE_KEYS;

pub static COMMANDS: &[Command] = &[
    Command::new("eval", -3, EVAL_FLAGS | MAY_REPLICATE, eval)
        .group("scripting")
        .doc("Execute a Lua script server side", "2.6.0"),
    Command::new("evalsha", -3, EVAL_FLAGS | MAY_REPLICATE, evalsha)
        .group("scripting")
        .doc("Execute a Lua script server side", "2.6.0"),
    Command::new("eval_ro", -3, EVAL_FLAGS | READONLY, eval_ro)
        .group("scripting")
        .doc("Execute a read-only Lua script server side", "7.0.0"),
    Command::new("evalsha_ro", -3, EVAL_FLAGS | READONLY, evalsha_ro)
        .group("scripting")
        .doc("Execute a read-only Lua script server side", "7.0.0"),
    Command::new("fcall", -3, EVAL_FLAGS | MAY_REPLICATE, fcall)
        .group("scripting")
        .doc("Invoke a function", "7.0.0"),
    Command::new("fcall_ro", -3, EVAL_FLAGS | READONLY, fcall_ro)
        .group("scripting")
        .doc("Invoke a read-only function", "7.0.0"),
    Command::container("script", -2, SCRIPT_SUBCOMMANDS),
    Command::container("function", -2, FUNCTION_SUBCOMMANDS),
];

static SCRIPT_SUBCOMMANDS: &[Command] = &[
    Command::new("script|load", 3, NOSCRIPT | STALE, script_load)
        .group("scripting")
        .doc(
            "Load the specified Lua script into the script cache.",
            "2.6.0",
        ),
    Command::new("script|exists", -3, NOSCRIPT, script_exists)
        .group("scripting")
        .doc("Check existence of scripts in the script cache.", "2.6.0"),
    Command::new("script|flush", -2, NOSCRIPT, script_flush)
        .group("scripting")
        .doc("Remove all the scripts from the script cache.", "2.6.0"),
    Command::new("script|kill", 2, NOSCRIPT | ALLOW_BUSY, script_kill)
        .group("scripting")
        .doc("Kill the script currently in execution.", "2.6.0"),
    Command::new("script|help", 2, LOADING | STALE, script_help)
        .group("scripting")
        .doc("Show helpful text about the different subcommands", "5.0.0"),
];

static FUNCTION_SUBCOMMANDS: &[Command] = &[
    Command::new(
        "function|load",
        -3,
        WRITE | DENYOOM | NOSCRIPT,
        function_load,
    )
    .group("scripting")
    .doc(
        "Create a function with the given arguments (name, code, description)",
        "7.0.0",
    ),
    Command::new("function|delete", 3, WRITE | NOSCRIPT, function_delete)
        .group("scripting")
        .doc("Delete a function by name", "7.0.0"),
    Command::new("function|flush", -2, WRITE | NOSCRIPT, function_flush)
        .group("scripting")
        .doc("Deleting all functions", "7.0.0"),
    Command::new("function|list", -2, NOSCRIPT, function_list)
        .group("scripting")
        .doc("List information about all the functions", "7.0.0"),
    Command::new("function|dump", 2, NOSCRIPT, function_dump)
        .group("scripting")
        .doc(
            "Dump all functions into a serialized binary payload",
            "7.0.0",
        ),
    Command::new(
        "function|restore",
        -3,
        WRITE | DENYOOM | NOSCRIPT,
        function_restore,
    )
    .group("scripting")
    .doc("Restore all the functions on the given payload", "7.0.0"),
    Command::new("function|stats", 2, NOSCRIPT | ALLOW_BUSY, function_stats)
        .group("scripting")
        .doc(
            "Return information about the function currently running (name, description, duration)",
            "7.0.0",
        ),
    Command::new("function|kill", 2, NOSCRIPT | ALLOW_BUSY, function_kill)
        .group("scripting")
        .doc("Kill the function currently in execution.", "7.0.0"),
    Command::new("function|help", 2, LOADING | STALE, function_help)
        .group("scripting")
        .doc("Show helpful text about the different subcommands", "7.0.0"),
];

/// The key arguments of an EVAL-family or FCALL call (`numkeys key...`), for COMMAND GETKEYS.
pub fn key_indexes(args: &[Bytes]) -> Vec<usize> {
    let Some(n) = args
        .get(2)
        .and_then(|a| std::str::from_utf8(a).ok()?.parse::<usize>().ok())
    else {
        return Vec::new();
    };
    (3..3 + n).take_while(|&i| i < args.len()).collect()
}

/// KEYS and ARGV of EVAL/EVALSHA from `numkeys key... arg...`.
fn split_keys(args: &[Bytes]) -> Result<(&[Bytes], &[Bytes]), super::CmdError> {
    let numkeys = parse_int(&args[2])?;
    if numkeys < 0 {
        return Err("ERR Number of keys can't be negative".into());
    }
    let numkeys = numkeys as usize;
    if numkeys > args.len() - 3 {
        return Err("ERR Number of keys can't be greater than number of args".into());
    }
    Ok((&args[3..3 + numkeys], &args[3 + numkeys..]))
}

fn run_cached(ctx: &mut Ctx, sha: String, args: &[Bytes], ro: bool) -> CmdResult {
    let Some(script) = ctx.core.scripting.scripts.get(&sha) else {
        return Err("NOSCRIPT No matching script. Please use EVAL.".into());
    };
    let (function, flags) = (script.function.clone(), script.flags);
    let (keys, argv) = split_keys(args)?;
    run::invoke(
        ctx,
        Invocation {
            function,
            eval_mode: true,
            name: sha,
            flags,
            ro_command: ro,
            keys,
            argv,
            command: args,
        },
    )
}

fn eval_generic(ctx: &mut Ctx, args: &[Bytes], ro: bool) -> CmdResult {
    split_keys(args)?;
    let sha = ctx.core.scripting.cache_script(&args[1])?;
    run_cached(ctx, sha, args, ro)
}

fn evalsha_generic(ctx: &mut Ctx, args: &[Bytes], ro: bool) -> CmdResult {
    if args[1].len() != 40 {
        return Err("NOSCRIPT No matching script. Please use EVAL.".into());
    }
    let sha = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    run_cached(ctx, sha, args, ro)
}

fn eval(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    eval_generic(ctx, args, false)
}

fn eval_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    eval_generic(ctx, args, true)
}

fn evalsha(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    evalsha_generic(ctx, args, false)
}

fn evalsha_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    evalsha_generic(ctx, args, true)
}

fn fcall_generic(ctx: &mut Ctx, args: &[Bytes], ro: bool) -> CmdResult {
    // Redis's order: the function, then numkeys (split_keys checks its sign and size).
    let Some(f) = ctx.core.scripting.functions.find(&args[1]) else {
        return Err("ERR Function not found".into());
    };
    let (function, flags, name) = (f.callback.clone(), f.flags, f.name.clone());
    parse_int(&args[2]).map_err(|_| "ERR Bad number of keys provided")?;
    let (keys, argv) = split_keys(args)?;
    run::invoke(
        ctx,
        Invocation {
            function,
            eval_mode: false,
            name,
            flags,
            ro_command: ro,
            keys,
            argv,
            command: args,
        },
    )
}

fn fcall(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    fcall_generic(ctx, args, false)
}

fn fcall_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    fcall_generic(ctx, args, true)
}

fn script_load(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let sha = ctx.core.scripting.cache_script(&args[2])?;
    ctx.bulk(sha.as_bytes());
    Ok(())
}

fn script_exists(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ctx.array(args.len() - 2);
    for a in &args[2..] {
        let sha = String::from_utf8_lossy(a).to_ascii_lowercase();
        let known = ctx.core.scripting.scripts.contains_key(&sha);
        ctx.int(known as i64);
    }
    Ok(())
}

fn script_flush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    match args.get(2).map(|a| a.to_ascii_uppercase()) {
        None => {}
        Some(m) if m == b"ASYNC" || m == b"SYNC" => {}
        Some(_) => return Err("ERR SCRIPT FLUSH only support SYNC|ASYNC option".into()),
    }
    ctx.core.scripting.flush();
    ctx.ok();
    Ok(())
}

/// SCRIPT KILL / FUNCTION KILL when no script is running past its threshold (during one, the
/// connection answers them without the lock: `conn.rs`).
fn kill(ctx: &mut Ctx, by_eval: bool) -> CmdResult {
    match ctx.core.scripting.watch.request_kill(by_eval) {
        Ok(()) => {
            ctx.ok();
            Ok(())
        }
        Err(refusal) => Err(refusal.message().into()),
    }
}

fn script_kill(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    kill(ctx, true)
}

fn function_kill(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    kill(ctx, false)
}

fn script_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    super::admin::help(
        ctx,
        &[
            "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
            "HELP",
            "    Prints this help.",
        ],
    )
}

fn function_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    super::admin::help(
        ctx,
        &[
            "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME",
            "    argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
            "HELP",
            "    Prints this help.",
        ],
    )
}

fn function_load(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut replace = false;
    let mut pos = 2;
    while pos < args.len() - 1 {
        if args[pos].eq_ignore_ascii_case(b"replace") {
            replace = true;
            pos += 1;
            continue;
        }
        return Err(format!(
            "ERR Unknown option given: {}",
            String::from_utf8_lossy(&args[pos])
        )
        .into());
    }
    if pos >= args.len() {
        return Err("ERR Function code is missing".into());
    }
    let timeout = (ctx.client.kind != ClientKind::Master).then_some(LOAD_TIMEOUT);
    let name = ctx
        .core
        .scripting
        .functions
        .load(args[pos].clone(), replace, timeout)?;
    ctx.dirty += 1;
    ctx.bulk(name.as_bytes());
    Ok(())
}

fn function_delete(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ctx.core.scripting.functions.delete(&args[2])?;
    ctx.dirty += 1;
    ctx.ok();
    Ok(())
}

fn function_flush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 3 {
        let sub = String::from_utf8_lossy(&args[1]);
        return Err(crate::errors::unknown_subcommand_or_arity(&sub, "FUNCTION").into());
    }
    match args.get(2) {
        None => {}
        Some(m) if m.eq_ignore_ascii_case(b"sync") || m.eq_ignore_ascii_case(b"async") => {}
        Some(_) => return Err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option".into()),
    }
    ctx.core.scripting.functions.flush();
    ctx.dirty += 1;
    ctx.ok();
    Ok(())
}

fn function_list(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut with_code = false;
    let mut pattern: Option<Bytes> = None;
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        if !with_code && a.eq_ignore_ascii_case(b"withcode") {
            with_code = true;
        } else if pattern.is_none() && a.eq_ignore_ascii_case(b"libraryname") {
            let Some(p) = args.get(i + 1) else {
                return Err("ERR library name argument was not given".into());
            };
            pattern = Some(p.clone());
            i += 1;
        } else {
            let shown: String = String::from_utf8_lossy(a)
                .chars()
                .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
                .collect();
            return Err(format!("ERR Unknown argument {shown}").into());
        }
        i += 1;
    }
    let libs: Vec<_> = ctx
        .core
        .scripting
        .functions
        .libraries()
        .filter(|l| {
            pattern
                .as_ref()
                .is_none_or(|p| ferrodis_config::stringmatch(p, l.name.as_bytes(), true))
        })
        .map(|l| {
            let functions: Vec<_> = l
                .functions
                .iter()
                .map(|f| (f.name.clone(), f.description.clone(), f.flags.names()))
                .collect();
            (l.name.clone(), l.code.clone(), functions)
        })
        .collect();
    ctx.array(libs.len());
    for (name, code, functions) in libs {
        ctx.map(if with_code { 4 } else { 3 });
        ctx.bulk(b"library_name");
        ctx.bulk(name.as_bytes());
        ctx.bulk(b"engine");
        ctx.bulk(b"LUA");
        ctx.bulk(b"functions");
        ctx.array(functions.len());
        for (fname, description, flags) in functions {
            ctx.map(3);
            ctx.bulk(b"name");
            ctx.bulk(fname.as_bytes());
            ctx.bulk(b"description");
            match description {
                Some(d) => ctx.bulk(&d),
                None => ctx.null(),
            }
            ctx.bulk(b"flags");
            ctx.set_len(flags.len());
            for f in flags {
                ctx.simple(f);
            }
        }
        if with_code {
            ctx.bulk(b"library_code");
            ctx.bulk(&code);
        }
    }
    Ok(())
}

fn function_dump(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let payload = ctx.core.scripting.functions.dump();
    ctx.bulk(&payload);
    Ok(())
}

fn function_restore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 4 {
        let sub = String::from_utf8_lossy(&args[1]);
        return Err(crate::errors::unknown_subcommand_or_arity(&sub, "FUNCTION").into());
    }
    let policy = match args.get(3) {
        None => RestorePolicy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"append") => RestorePolicy::Append,
        Some(p) if p.eq_ignore_ascii_case(b"replace") => RestorePolicy::Replace,
        Some(p) if p.eq_ignore_ascii_case(b"flush") => RestorePolicy::Flush,
        Some(_) => {
            return Err(
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
                    .into(),
            );
        }
    };
    ctx.core.scripting.functions.restore(&args[2], policy)?;
    ctx.dirty += 1;
    ctx.ok();
    Ok(())
}

fn function_stats(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let running = ctx.core.scripting.watch.current();
    if running.as_ref().is_some_and(|r| r.eval_mode) {
        return Err(scripting::watch::BUSY_EVAL.into());
    }
    write_function_stats(ctx, running.as_ref());
    Ok(())
}

/// FUNCTION STATS' reply (also given by a connection while a function is busy).
pub fn write_function_stats(ctx: &mut Ctx, running: Option<&scripting::watch::RunningScript>) {
    ctx.map(2);
    ctx.bulk(b"running_script");
    match running {
        None => ctx.null(),
        Some(r) => {
            ctx.map(3);
            ctx.bulk(b"name");
            ctx.bulk(r.name.as_bytes());
            ctx.bulk(b"command");
            ctx.array(r.command.len());
            for a in &r.command {
                ctx.bulk(a);
            }
            ctx.bulk(b"duration_ms");
            ctx.int(r.started.elapsed().as_millis() as i64);
        }
    }
    let libraries = ctx.core.scripting.functions.libraries().count();
    let functions = ctx.core.scripting.functions.function_count();
    ctx.bulk(b"engines");
    ctx.map(1);
    ctx.bulk(b"LUA");
    ctx.map(2);
    ctx.bulk(b"libraries_count");
    ctx.int(libraries as i64);
    ctx.bulk(b"functions_count");
    ctx.int(functions as i64);
}

//! EVAL, EVALSHA, SCRIPT LOAD|EXISTS|FLUSH. The Lua side lives in `scripting/`.

use super::ctx::parse_int;
use super::flags::*;
use super::{CmdResult, Command, Ctx};
use crate::scripting;
use bytes::Bytes;

const EVAL_FLAGS: u32 = NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLE_KEYS;

pub static COMMANDS: &[Command] = &[
    Command::new("eval", -3, EVAL_FLAGS, eval)
        .group("scripting")
        .doc("Execute a Lua script server side", "2.6.0"),
    Command::new("evalsha", -3, EVAL_FLAGS, evalsha)
        .group("scripting")
        .doc("Execute a Lua script server side", "2.6.0"),
    Command::new("eval_ro", -3, EVAL_FLAGS | READONLY, eval_ro)
        .group("scripting")
        .doc("Execute a read-only Lua script server side", "7.0.0"),
    Command::new("evalsha_ro", -3, EVAL_FLAGS | READONLY, evalsha_ro)
        .group("scripting")
        .doc("Execute a read-only Lua script server side", "7.0.0"),
    Command::container("script", -2, SCRIPT_SUBCOMMANDS),
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
];

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

fn eval(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (keys, argv) = split_keys(args)?;
    scripting::run(ctx, &args[1], keys, argv).map_err(Into::into)
}

fn evalsha(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let sha = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
    let Some(body) = ctx.core.scripting.scripts.get(&sha).cloned() else {
        return Err("NOSCRIPT No matching script. Please use EVAL.".into());
    };
    let (keys, argv) = split_keys(args)?;
    scripting::run(ctx, &body, keys, argv).map_err(Into::into)
}

fn eval_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ctx.script_read_only = true;
    eval(ctx, args)
}

fn evalsha_ro(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ctx.script_read_only = true;
    evalsha(ctx, args)
}

fn script_load(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let body = args[2].clone();
    let sha = scripting::sha1_hex(&body);
    ctx.core.scripting.scripts.insert(sha.clone(), body);
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

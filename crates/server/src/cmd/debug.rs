//! DEBUG: the hooks Redis's own tests and operators use (SLEEP, POPULATE, DIGEST,
//! DIGEST-VALUE, OBJECT, SET-ACTIVE-EXPIRE, LOG, PROTOCOL). Refused unless
//! `enable-debug-command`.

use super::ctx::{parse_f64, parse_int};
use super::flags::*;
use super::{CmdResult, Command, Ctx};
use crate::keyspace::Value;
use crate::{digest, errors, log};
use bytes::Bytes;
use ferrodis_resp::Proto;

pub static COMMANDS: &[Command] =
    &[
        Command::new("debug", -2, ADMIN | NOSCRIPT | LOADING | STALE, debug)
            .group("server")
            .doc("A container for debugging commands", "1.0.0"),
    ];

fn debug_allowed(ctx: &Ctx) -> bool {
    let local = ctx.client.addr.starts_with("127.")
        || ctx.client.addr.starts_with("[::1]")
        || ctx.client.addr.starts_with('/');
    ctx.core.config.enable_debug_command.allows(local)
}

fn debug(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if !debug_allowed(ctx) {
        return Err(errors::DEBUG_DISABLED.into());
    }
    let sub = args[1].to_ascii_lowercase();
    match sub.as_slice() {
        b"sleep" if args.len() == 3 => sleep(ctx, &args[2]),
        b"populate" if (3..=5).contains(&args.len()) => populate(ctx, args),
        b"digest" if args.len() == 2 => {
            let d = digest::dataset_digest(&ctx.core.dbs);
            ctx.simple(&digest::hex(&d));
            Ok(())
        }
        b"digest-value" => {
            ctx.array(args.len() - 2);
            for key in &args[2..] {
                let d = ctx
                    .db()
                    .get(key)
                    .map(digest::value_digest)
                    .unwrap_or([0; 20]);
                ctx.simple(&digest::hex(&d));
            }
            Ok(())
        }
        b"object" if args.len() == 3 => object(ctx, &args[2]),
        b"reload" => reload(ctx, &args[2..]),
        b"set-active-expire" if args.len() == 3 => {
            ctx.core.active_expire_enabled = parse_int(&args[2])? != 0;
            ctx.ok();
            Ok(())
        }
        b"set-disable-deny-scripts" if args.len() == 3 => {
            ctx.core.script_disable_deny = parse_int(&args[2])? != 0;
            ctx.ok();
            Ok(())
        }
        // DEBUG REPLICATE <arg>...: sends the arguments to replicas as a command, unchecked
        // (Redis's test of what replicas do with a command they cannot run).
        b"replicate" if args.len() >= 3 => {
            ctx.also_propagate(args[2..].to_vec());
            ctx.ok();
            Ok(())
        }
        b"log" if args.len() == 3 => {
            log!(Warning, "DEBUG LOG: {}", String::from_utf8_lossy(&args[2]));
            ctx.ok();
            Ok(())
        }
        b"protocol" if args.len() == 3 => protocol(ctx, &args[2]),
        b"help" => help(ctx),
        _ => Err(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(&args[1])
        )
        .into()),
    }
}

/// Blocks the whole server, as Redis's DEBUG SLEEP does: the core lock is held throughout.
/// Like Redis (`strtod`), an argument that is not a number sleeps for 0 seconds.
fn sleep(ctx: &mut Ctx, arg: &[u8]) -> CmdResult {
    let secs = parse_f64(arg)
        .filter(|s| *s >= 0.0 && s.is_finite())
        .unwrap_or(0.0);
    std::thread::sleep(std::time::Duration::from_secs_f64(secs));
    ctx.ok();
    Ok(())
}

/// `DEBUG POPULATE count [prefix] [size]`: keys `prefix:N` = `value:N` (padded with zeros or cut
/// to `size`), skipping keys that exist.
fn populate(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // Redis's getPositiveLongFromObjectOrReply: one error for a bad or a negative count.
    let count = parse_int(&args[2])
        .ok()
        .filter(|n| *n >= 0)
        .ok_or("ERR value is out of range, must be positive")?;
    let prefix: &[u8] = args.get(3).map_or(b"key", |p| p.as_ref());
    let size = match args.get(4) {
        Some(s) => Some(parse_int(s)?.max(0) as usize),
        None => None,
    };
    let now = ctx.now_ms;
    let mut key = Vec::with_capacity(prefix.len() + 21);
    let mut value = Vec::new();
    for i in 0..count {
        key.clear();
        key.extend_from_slice(prefix);
        key.push(b':');
        key.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
        if ctx.db().get(&key).is_some() {
            continue;
        }
        value.clear();
        value.extend_from_slice(b"value:");
        value.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
        if let Some(size) = size {
            value.resize(size, 0);
        }
        ctx.db().insert(&key, Value::from_bytes(&value), false, now);
        ctx.core.dirty += 1;
    }
    ctx.ok();
    Ok(())
}

fn object(ctx: &mut Ctx, key: &[u8]) -> CmdResult {
    let now_s = (ctx.now_ms / 1000) as u32;
    let Some(e) = ctx.db().get(key) else {
        return Err(errors::NO_SUCH_KEY.into());
    };
    let text = format!(
        "Value at:0x{:x} refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
        e as *const _ as usize,
        e.value.encoding_name(),
        e.value.str_len() + 1,
        e.lru_s & 0xFF_FFFF,
        now_s.wrapping_sub(e.lru_s)
    );
    ctx.simple(&text);
    Ok(())
}

/// `DEBUG PROTOCOL <type>`: one reply of each RESP type, with Redis's exact values, so
/// clients (and our tests) can compare the encoding of every type with Redis's.
fn protocol(ctx: &mut Ctx, kind: &[u8]) -> CmdResult {
    let resp3 = ctx.proto() == Proto::Resp3;
    match kind.to_ascii_lowercase().as_slice() {
        b"string" => ctx.bulk(b"Hello World"),
        b"integer" => ctx.int(12345),
        // Redis's own test value, not an approximation of pi.
        #[allow(clippy::approx_constant)]
        b"double" => ctx.double(3.141),
        b"bignum" => {
            const BIG: &[u8] = b"1234567999999999999999999999999999999";
            if resp3 {
                ctx.out.extend_from_slice(b"(");
                ctx.out.extend_from_slice(BIG);
                ctx.out.extend_from_slice(b"\r\n");
            } else {
                ctx.bulk(BIG);
            }
        }
        b"null" => ctx.null(),
        b"array" => {
            ctx.array(3);
            (0..3).for_each(|i| ctx.int(i));
        }
        b"set" => {
            ctx.set_len(3);
            (0..3).for_each(|i| ctx.int(i));
        }
        b"map" => {
            ctx.map(3);
            for i in 0..3 {
                ctx.int(i);
                ctx.boolean(i == 1);
            }
        }
        b"attrib" => {
            // RESP2 has no attributes: only the reply they describe is sent.
            if resp3 {
                ctx.out.extend_from_slice(b"|1\r\n");
                ctx.bulk(b"key-popularity");
                ctx.array(2);
                ctx.bulk(b"key:123");
                ctx.int(90);
            }
            ctx.bulk(b"Some real reply following the attribute");
        }
        b"push" => {
            if !resp3 {
                return Err("ERR RESP2 is not supported by this command".into());
            }
            ferrodis_resp::write_push_len(ctx.out, Proto::Resp3, 2);
            ctx.bulk(b"server-cpu-usage");
            ctx.int(42);
            ctx.bulk(b"Some real reply following the push reply");
        }
        b"verbatim" => ctx.verbatim("This is a verbatim\nstring"),
        b"true" => ctx.boolean(true),
        b"false" => ctx.boolean(false),
        _ => return Err("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false".into()),
    }
    Ok(())
}

fn help(ctx: &mut Ctx) -> CmdResult {
    let lines = [
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Show low level info about the <key> and associated value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>.",
        "PROTOCOL <type>",
        "    Reply with a test value of the specified type. <type> can be: string,",
        "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
        "    true, false.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not accessed.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "HELP",
        "    Prints this help.",
    ];
    ctx.array(lines.len());
    for l in lines {
        ctx.simple(l);
    }
    Ok(())
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves the dataset, empties it and loads the file
/// back, all while holding the lock (the round trip Redis's tests use to check persistence).
fn reload(ctx: &mut Ctx, opts: &[Bytes]) -> CmdResult {
    let (mut merge, mut flush, mut save) = (false, true, true);
    for o in opts {
        match o.to_ascii_uppercase().as_slice() {
            b"MERGE" => merge = true,
            b"NOFLUSH" => flush = false,
            b"NOSAVE" => save = false,
            _ => {
                return Err(
                    "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.".into(),
                );
            }
        }
    }
    if save && ctx.core.save_now().is_err() {
        return Err("ERR Error trying to save the DB".into());
    }
    let load_failed = "ERR Error trying to load the RDB dump, check server logs.";
    let file = std::fs::File::open(&ctx.core.config.dbfilename).map_err(|e| {
        log!(
            Warning,
            "Failed opening the RDB file {} for reading: {e}",
            ctx.core.config.dbfilename
        );
        load_failed
    })?;
    let options = crate::persist::load::LoadOptions::for_core(ctx.core);
    let loaded = crate::persist::load::load_stream(std::io::BufReader::new(file), &options, None)
        .map_err(|e| {
        for line in e.log_lines() {
            log!(Warning, "{line}");
        }
        load_failed
    })?;
    if flush {
        for (live, mut new) in ctx.core.dbs.iter_mut().zip(loaded.dbs) {
            live.signal_all(true);
            live.swap_data(&mut new);
        }
        crate::persist::load::install_functions(ctx.core, loaded.functions);
    } else {
        use crate::scripting::functions::RestorePolicy;
        let policy = if merge {
            RestorePolicy::Replace
        } else {
            RestorePolicy::Append
        };
        if let Err(e) = ctx
            .core
            .scripting
            .functions
            .replace_with(loaded.functions, policy, None)
        {
            log!(Warning, "DEBUG RELOAD NOFLUSH: {e}");
            return Err(load_failed.into());
        }
        for (index, new) in loaded.dbs.iter().enumerate() {
            let live = &mut ctx.core.dbs[index];
            if !merge && new.iter().any(|(k, _)| live.get(k.as_bytes()).is_some()) {
                log!(
                    Warning,
                    "DEBUG RELOAD NOFLUSH: the RDB holds keys already present"
                );
                return Err(load_failed.into());
            }
            for (k, e) in new.iter() {
                live.insert_entry(k.as_bytes(), e.clone());
            }
        }
    }
    ctx.core.persistence.last_load_keys_loaded = loaded.keys_loaded;
    ctx.core.persistence.last_load_keys_expired = loaded.keys_expired;
    log!(Notice, "DB reloaded by DEBUG RELOAD");
    ctx.ok();
    Ok(())
}

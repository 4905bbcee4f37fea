//! Persistence commands: SAVE, BGSAVE, DUMP, RESTORE. The work itself lives in `persist`.

use super::ctx::parse_int;
use super::flags::*;
use super::{CmdResult, Command, Ctx};
use crate::errors;
use crate::keyspace::Entry;
use crate::persist::{decode, encode};
use bytes::Bytes;

pub static COMMANDS: &[Command] = &[
    Command::new(
        "save",
        1,
        ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI,
        save,
    )
    .group("server")
    .doc("Synchronously save the dataset to disk", "1.0.0"),
    Command::new("bgsave", -1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, bgsave)
        .group("server")
        .doc("Asynchronously save the dataset to disk", "1.0.0"),
    Command::new("dump", 2, READONLY, dump)
        .keys(1, 1, 1)
        .group("generic")
        .doc(
            "Return a serialized version of the value stored at the specified key.",
            "2.6.0",
        ),
    Command::new("restore", -4, WRITE | DENYOOM, restore)
        .keys(1, 1, 1)
        .group("generic")
        .doc(
            "Create a key using the provided serialized value, previously obtained using DUMP.",
            "2.6.0",
        ),
];

fn save(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    if ctx.core.persistence.bgsave.is_some() {
        return Err(errors::BGSAVE_IN_PROGRESS.into());
    }
    match ctx.core.save_now() {
        Ok(()) => {
            ctx.ok();
            Ok(())
        }
        Err(_) => Err(errors::SAVE_FAILED.into()),
    }
}

fn bgsave(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let schedule = match args.len() {
        1 => false,
        2 if args[1].eq_ignore_ascii_case(b"schedule") => true,
        _ => return Err(errors::SYNTAX.into()),
    };
    // As Redis 7.0: SCHEDULE only waits behind another kind of background job (we have none),
    // never behind a running save; inside EXEC the save is left to the next cron tick.
    if ctx.core.persistence.bgsave.is_some() {
        return Err(errors::BGSAVE_IN_PROGRESS.into());
    }
    let _ = schedule;
    if ctx.core.call_depth > 1 {
        ctx.core.persistence.bgsave_scheduled = true;
        ctx.simple("Background saving scheduled");
        return Ok(());
    }
    if ctx.core.start_bgsave() {
        ctx.simple("Background saving started");
        Ok(())
    } else {
        Err(errors::SAVE_FAILED.into())
    }
}

fn dump(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let compression = ctx.core.config.rdbcompression;
    match ctx.lookup_read(&args[1]) {
        Some(entry) => {
            let payload = encode::dump_payload(&entry.value, compression);
            ctx.bulk(&payload);
        }
        None => ctx.null(),
    }
    Ok(())
}

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
fn restore(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    let (mut replace, mut absttl) = (false, false);
    let mut idle_s: Option<i64> = None;
    let mut i = 4;
    while i < args.len() {
        let opt = args[i].to_ascii_uppercase();
        let has_value = i + 1 < args.len();
        match opt.as_slice() {
            b"REPLACE" => replace = true,
            b"ABSTTL" => absttl = true,
            b"IDLETIME" if has_value => {
                let v = parse_int(&args[i + 1])?;
                if v < 0 {
                    return Err("ERR Invalid IDLETIME value, must be >= 0".into());
                }
                idle_s = Some(v);
                i += 1;
            }
            b"FREQ" if has_value => {
                let v = parse_int(&args[i + 1])?;
                if !(0..=255).contains(&v) {
                    return Err("ERR Invalid FREQ value, must be >= 0 and <= 255".into());
                }
                i += 1;
            }
            _ => return Err(errors::SYNTAX.into()),
        }
        i += 1;
    }
    let ttl = parse_int(&args[2])?;
    if ttl < 0 {
        return Err("ERR Invalid TTL value, must be >= 0".into());
    }
    if !replace && ctx.exists_for_write(key) {
        return Err(errors::BUSYKEY.into());
    }
    let value = parse_payload(ctx, &args[3])?;
    let expire_at = match ttl {
        0 => None,
        t if absttl => Some(t as u64),
        t => Some(ctx.now_ms + t as u64),
    };
    let existed = replace && ctx.exists_for_write(key);
    if let Some(at) = expire_at
        && at <= ctx.now_ms
        && !ctx.core.is_replica()
    {
        // Already expired: the key is not created; a replaced one is deleted (as DEL).
        if existed {
            ctx.delete_key(key);
            ctx.rewrite_effect(vec![Bytes::from_static(b"DEL"), key.clone()]);
        }
        ctx.ok();
        return Ok(());
    }
    let lru_now = (ctx.now_ms / 1000) as u32;
    let lru = idle_s.map_or(lru_now, |idle| lru_now.saturating_sub(idle as u32));
    ctx.db()
        .insert_entry(key, Entry::restored(value, expire_at, lru));
    ctx.modified(key);
    if let Some(at) = expire_at
        && !absttl
    {
        // Replicas get the absolute time, so they expire the key when the master does.
        let mut effect = args.to_vec();
        effect[2] = Bytes::from(at.to_string());
        effect.push(Bytes::from_static(b"ABSTTL"));
        ctx.rewrite_effect(effect);
    }
    ctx.ok();
    Ok(())
}

/// Checks a DUMP payload and decodes its value with the current encoding thresholds.
fn parse_payload(ctx: &Ctx, payload: &[u8]) -> Result<crate::keyspace::Value, super::CmdError> {
    let (version, body) = ferrodis_rdb::dump::open(payload).map_err(|_| errors::BAD_PAYLOAD)?;
    let Some((&type_byte, object_bytes)) = body.split_first() else {
        return Err(errors::BAD_DATA_FORMAT.into());
    };
    let mut reader = ferrodis_rdb::Reader::without_header(object_bytes, version);
    let object = reader
        .read_object(type_byte)
        .map_err(|_| errors::BAD_DATA_FORMAT)?;
    if reader.offset() != object_bytes.len() as u64 {
        return Err(errors::BAD_DATA_FORMAT.into());
    }
    let limits = decode::Limits::from_config(&ctx.core.config);
    decode::to_value(object, &limits).map_err(|_| errors::BAD_DATA_FORMAT.into())
}

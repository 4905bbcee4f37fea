//! Transactions: MULTI queues, EXEC runs the queue atomically with time frozen at EXEC's
//! start, WATCH makes EXEC fail if a watched key was modified meanwhile.

use super::flags::*;
use super::{CmdResult, Command, Ctx, Lookup};
use crate::client::{Client, MultiState};
use crate::errors;
use crate::keyspace::Key;
use crate::server::Core;
use bytes::Bytes;
use std::sync::atomic::Ordering;

pub static COMMANDS: &[Command] = &[
    Command::new(
        "multi",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        multi,
    )
    .group("transactions")
    .doc("Mark the start of a transaction block", "1.2.0"),
    Command::new("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, exec)
        .group("transactions")
        .doc("Execute all commands issued after MULTI", "1.2.0"),
    Command::new(
        "discard",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        discard,
    )
    .group("transactions")
    .doc("Discard all commands issued after MULTI", "2.0.0"),
    Command::new(
        "watch",
        -2,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        watch,
    )
    .keys(1, -1, 1)
    .group("transactions")
    .doc(
        "Watch the given keys to determine execution of the MULTI/EXEC block",
        "2.2.0",
    ),
    Command::new(
        "unwatch",
        1,
        NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY,
        unwatch,
    )
    .group("transactions")
    .doc("Forget about all watched keys", "2.2.0"),
];

/// Commands that run immediately even inside MULTI (the rest are queued).
pub fn runs_inside_multi(name: &str) -> bool {
    matches!(
        name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

fn multi(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(errors::MULTI_NESTED.into());
    }
    ctx.client.multi = Some(MultiState::default());
    ctx.ok();
    Ok(())
}

fn exec(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let Some(state) = ctx.client.multi.take() else {
        return Err(errors::EXEC_WITHOUT_MULTI.into());
    };
    let dirty_cas = ctx.client.watch_flag.load(Ordering::Relaxed)
        || watched_key_expired(ctx.core, ctx.client, ctx.now_ms);
    unwatch_all(ctx.core, ctx.client);
    if state.aborted {
        return Err(errors::EXECABORT.into());
    }
    if dirty_cas {
        ctx.null_array();
        return Ok(());
    }
    // The server may have turned read-only replica since the commands were queued (Redis's
    // execCommand check, with scripts counted as writes by their declared flags).
    let core = &*ctx.core;
    if core.is_replica()
        && core.config.replica_read_only
        && ctx.client.kind != crate::client::ClientKind::Master
        && state.queued.iter().any(|args| queued_is_write(core, args))
    {
        return Err(format!(
            "EXECABORT Transaction discarded because of: {}",
            errors::READONLY
        )
        .into());
    }
    ctx.array(state.queued.len());
    // Time stays frozen at EXEC's start for every queued command (design.md, "Time").
    let now = ctx.now_ms;
    for args in &state.queued {
        match super::lookup(args) {
            Lookup::Found(cmd) => {
                super::call(ctx.core, ctx.client, ctx.out, now, cmd, args);
            }
            _ => ctx.error("ERR unknown command"),
        }
    }
    Ok(())
}

fn queued_is_write(core: &Core, args: &[Bytes]) -> bool {
    match super::lookup(args) {
        Lookup::Found(cmd) => match core.scripting.declared_flags(cmd.name, args) {
            Some(flags) => !flags.no_writes,
            None => cmd.is_write(),
        },
        _ => false,
    }
}

/// Redis 7.0 fails EXEC when a watched key has expired since WATCH, even if nothing touched
/// it. Keys already expired at WATCH time were deleted by WATCH, so any watched key found
/// expired now was alive then.
fn watched_key_expired(core: &Core, client: &Client, now_ms: u64) -> bool {
    client.watched.iter().any(|(db, key)| {
        core.dbs
            .get(*db)
            .and_then(|d| d.get(key.as_bytes()))
            .is_some_and(|e| e.is_expired(now_ms))
    })
}

fn discard(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    if ctx.client.multi.take().is_none() {
        return Err(errors::DISCARD_WITHOUT_MULTI.into());
    }
    unwatch_all(ctx.core, ctx.client);
    ctx.ok();
    Ok(())
}

fn watch(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(errors::WATCH_IN_MULTI.into());
    }
    let db = ctx.client.db;
    for key in &args[1..] {
        // A key already expired is gone for this transaction's purposes: expire it now, so
        // that EXEC's expiry check only sees keys that were alive when watched.
        ctx.expire_if_needed(key);
        let already = ctx
            .client
            .watched
            .iter()
            .any(|(d, k)| *d == db && k.as_bytes() == key.as_ref());
        if !already {
            let flag = ctx.client.watch_flag.clone();
            ctx.core.dbs[db].watch(key, &flag);
            ctx.client.watched.push((db, Key::new(key)));
        }
    }
    ctx.ok();
    Ok(())
}

fn unwatch(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    unwatch_all(ctx.core, ctx.client);
    ctx.ok();
    Ok(())
}

/// Drops every WATCH of a client and clears its dirty mark.
pub fn unwatch_all(core: &mut Core, client: &mut Client) {
    for (db, key) in client.watched.drain(..) {
        if let Some(d) = core.dbs.get_mut(db) {
            d.unwatch(key.as_bytes(), &client.watch_flag);
        }
    }
    client.watch_flag.store(false, Ordering::Relaxed);
}

//! Connection and server-lifecycle commands: PING, ECHO, QUIT, RESET, AUTH, HELLO, ACL WHOAMI,
//! INFO, TIME, LASTSAVE, ROLE, MONITOR, SHUTDOWN.

use super::flags::*;
use super::{CmdResult, Command, Ctx, Flow};
use crate::client::ReplyMode;
use crate::errors;
use crate::server::ShutdownRequest;
use bytes::Bytes;
use ferrodis_resp::Proto;

const CONN: u32 = NOSCRIPT | LOADING | STALE | FAST;

pub static COMMANDS: &[Command] = &[
    Command::new("ping", -1, FAST, ping)
        .group("connection")
        .doc("Ping the server", "1.0.0"),
    Command::new("echo", 2, LOADING | STALE | FAST, echo)
        .group("connection")
        .doc("Echo the given string", "1.0.0"),
    Command::new(
        "quit",
        -1,
        ALLOW_BUSY | NOSCRIPT | LOADING | STALE | FAST | NO_AUTH,
        quit,
    )
    .group("connection")
    .doc("Close the connection", "1.0.0"),
    Command::new("reset", 1, CONN | NO_AUTH | ALLOW_BUSY, reset)
        .group("connection")
        .doc("Reset the connection", "6.2.0"),
    Command::new("auth", -2, CONN | NO_AUTH | ALLOW_BUSY, auth)
        .group("connection")
        .doc("Authenticate to the server", "1.0.0"),
    Command::new("hello", -1, CONN | NO_AUTH | ALLOW_BUSY, hello)
        .group("connection")
        .doc("Handshake with Redis", "6.0.0"),
    Command::container("acl", -2, ACL_SUBCOMMANDS),
    Command::new("info", -1, LOADING | STALE, info)
        .doc("Get information and statistics about the server", "1.0.0")
        .group("server"),
    Command::new("time", 1, LOADING | STALE | FAST, time)
        .group("server")
        .doc("Return the current server time", "2.6.0"),
    Command::new("lastsave", 1, LOADING | STALE | FAST, lastsave)
        .group("server")
        .doc(
            "Get the UNIX time stamp of the last successful save to disk",
            "1.0.0",
        ),
    Command::new("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, monitor)
        .group("server")
        .doc(
            "Listen for all requests received by the server in real time",
            "1.0.0",
        ),
    Command::new(
        "shutdown",
        -1,
        ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY,
        shutdown,
    )
    .group("server")
    .doc(
        "Synchronously save the dataset to disk and then shut down the server",
        "1.0.0",
    ),
];

static ACL_SUBCOMMANDS: &[Command] = &[
    Command::new("acl|whoami", 2, NOSCRIPT | LOADING | STALE, acl_whoami)
        .group("server")
        .doc(
            "Return the name of the user associated to the current connection",
            "6.0.0",
        ),
    Command::new(
        "acl|users",
        2,
        ADMIN | NOSCRIPT | LOADING | STALE,
        acl_users,
    )
    .group("server")
    .doc("List the username of all the configured ACL rules", "6.0.0"),
];

fn ping(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if args.len() > 2 {
        return Err(errors::arity("ping").into());
    }
    if ctx.client.in_pubsub_context() {
        ctx.array(2);
        ctx.bulk(b"pong");
        ctx.bulk(args.get(1).map_or(&b""[..], |a| a.as_ref()));
        return Ok(());
    }
    match args.get(1) {
        Some(msg) => ctx.bulk(msg),
        None => ctx.simple("PONG"),
    }
    Ok(())
}

fn echo(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ctx.bulk(&args[1]);
    Ok(())
}

fn quit(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.ok();
    ctx.flow = Flow::Close;
    Ok(())
}

fn reset(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.client.multi = None;
    super::multi::unwatch_all(ctx.core, ctx.client);
    for ch in std::mem::take(&mut ctx.client.channels) {
        ctx.core.pubsub.unsubscribe(&ch, ctx.client.id);
    }
    for p in std::mem::take(&mut ctx.client.patterns) {
        ctx.core.pubsub.punsubscribe(&p, ctx.client.id);
    }
    if ctx.client.monitor {
        ctx.client.monitor = false;
        let id = ctx.client.id;
        ctx.core.monitors.retain(|(m, _)| *m != id);
    }
    ctx.client.db = 0;
    ctx.client.proto = Proto::Resp2;
    ctx.client.reply_mode = ReplyMode::On;
    ctx.client.name = None;
    ctx.client.no_evict = false;
    ctx.client.authenticated = ctx.core.config.requirepass.is_none();
    ctx.simple("RESET");
    Ok(())
}

/// Checks a username/password pair against the default user (requirepass).
fn check_credentials(ctx: &Ctx, user: &[u8], pass: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    match &ctx.core.config.requirepass {
        None => true,
        Some(p) => p.as_slice() == pass,
    }
}

fn auth(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (user, pass) = match args.len() {
        2 => (&b"default"[..], &args[1]),
        3 => (args[1].as_ref(), &args[2]),
        _ => return Err(errors::SYNTAX.into()),
    };
    if args.len() == 2 && ctx.core.config.requirepass.is_none() {
        return Err(errors::AUTH_NOT_CONFIGURED.into());
    }
    if check_credentials(ctx, user, pass) {
        ctx.client.authenticated = true;
        ctx.ok();
        Ok(())
    } else {
        Err(errors::WRONGPASS.into())
    }
}

fn hello(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut proto = ctx.client.proto;
    let mut i = 1;
    if let Some(v) = args.get(1) {
        let ver = super::ctx::parse_int(v)
            .map_err(|_| "ERR Protocol version is not an integer or out of range")?;
        proto = match ver {
            2 => Proto::Resp2,
            3 => Proto::Resp3,
            _ => return Err("NOPROTO unsupported protocol version".into()),
        };
        i = 2;
    }
    let mut setname = None;
    while i < args.len() {
        let opt = args[i].to_ascii_uppercase();
        match opt.as_slice() {
            b"AUTH" if i + 2 < args.len() => {
                // Redis 7.0 authenticates right here: a bad option after AUTH still leaves
                // the client authenticated.
                if !check_credentials(ctx, &args[i + 1], &args[i + 2]) {
                    return Err(errors::WRONGPASS.into());
                }
                ctx.client.authenticated = true;
                i += 3;
            }
            b"SETNAME" if i + 1 < args.len() => {
                super::admin::validate_client_name(&args[i + 1])?;
                setname = Some(args[i + 1].clone());
                i += 2;
            }
            _ => {
                return Err(format!(
                    "ERR Syntax error in HELLO option '{}'",
                    String::from_utf8_lossy(&args[i])
                )
                .into());
            }
        }
    }
    if !ctx.client.authenticated {
        return Err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time".into());
    }
    if let Some(name) = setname {
        super::admin::set_client_name(ctx, name);
    }
    ctx.client.proto = proto;
    let role = if ctx.core.is_replica() {
        "replica"
    } else {
        "master"
    };
    ctx.map(7);
    ctx.bulk(b"server");
    ctx.bulk(b"redis");
    ctx.bulk(b"version");
    ctx.bulk(crate::REDIS_COMPAT_VERSION.as_bytes());
    ctx.bulk(b"proto");
    ctx.int(if proto == Proto::Resp3 { 3 } else { 2 });
    ctx.bulk(b"id");
    ctx.int(ctx.client.id as i64);
    ctx.bulk(b"mode");
    ctx.bulk(b"standalone");
    ctx.bulk(b"role");
    ctx.bulk(role.as_bytes());
    ctx.bulk(b"modules");
    ctx.array(0);
    Ok(())
}

fn acl_whoami(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.bulk(b"default");
    Ok(())
}

fn acl_users(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    ctx.array(1);
    ctx.bulk(b"default");
    Ok(())
}

fn info(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let text = crate::info::render(ctx.core, &args[1..]);
    ctx.verbatim(&text);
    Ok(())
}

fn time(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let us = crate::clock::unix_us();
    ctx.array(2);
    ctx.bulk(itoa::Buffer::new().format(us / 1_000_000).as_bytes());
    ctx.bulk(itoa::Buffer::new().format(us % 1_000_000).as_bytes());
    Ok(())
}

fn lastsave(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let t = ctx.core.lastsave_s as i64;
    ctx.int(t);
    Ok(())
}

fn monitor(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    // Redis queues MONITOR in MULTI and refuses it at EXEC (a transaction may not block).
    if ctx.core.call_depth > 1 {
        return Err("ERR MONITOR isn't allowed for DENY BLOCKING client".into());
    }
    if !ctx.client.monitor {
        ctx.client.monitor = true;
        let entry = (ctx.client.id, ctx.client.tx.clone());
        ctx.core.monitors.push(entry);
    }
    ctx.ok();
    Ok(())
}

fn shutdown(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut request = ShutdownRequest::Default;
    for a in &args[1..] {
        match a.to_ascii_uppercase().as_slice() {
            b"NOSAVE" => request = ShutdownRequest::NoSave,
            b"SAVE" => request = ShutdownRequest::Save,
            b"NOW" | b"FORCE" => {}
            b"ABORT" => return Err("ERR No shutdown in progress.".into()),
            _ => return Err(errors::SYNTAX.into()),
        }
    }
    crate::log!(Warning, "User requested shutdown...");
    // The final save happens here, so that a failure can be answered to this client while
    // the server keeps running.
    if ctx.core.persistence.loading.is_none() {
        let save = match request {
            ShutdownRequest::Save => true,
            ShutdownRequest::NoSave => false,
            ShutdownRequest::Default => !ctx.core.config.save.is_empty(),
        };
        if save {
            ctx.core.cancel_bgsave();
            crate::log!(Notice, "Saving the final RDB snapshot before exiting.");
            if ctx.core.save_now().is_err() {
                crate::log!(Warning, "Error trying to save the DB, can't exit.");
                return Err("ERR Errors trying to SHUTDOWN. Check logs.".into());
            }
        }
        request = ShutdownRequest::NoSave;
    }
    ctx.core.shutdown = Some(request);
    ctx.flow = Flow::Shutdown;
    Ok(())
}

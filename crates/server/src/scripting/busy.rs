//! Commands answered while a script holds the core lock past `busy-reply-threshold` (Redis
//! replies to them from processEventsWhileBlocked). Runs on the connection's task *without*
//! the lock, so it may only read the `ScriptWatch` and the client's own state.

use super::watch::ScriptWatch;
use crate::client::Client;
use crate::cmd::{self, Lookup, flags};
use bytes::{Bytes, BytesMut};

/// Answers `args` if it can be answered during a busy script; false means the command must
/// wait for the lock (the few non-kill commands Redis allows while busy: AUTH, HELLO, MULTI,
/// WATCH, ...; those need the server state).
pub fn answer(
    watch: &ScriptWatch,
    client: &mut Client,
    args: &[Bytes],
    out: &mut BytesMut,
) -> bool {
    let cmd = match cmd::lookup(args) {
        Lookup::Found(c) => c,
        _ => return false,
    };
    match cmd.name {
        "script|kill" | "function|kill" => {
            match watch.request_kill(cmd.name == "script|kill") {
                Ok(()) => ferrodis_resp::write_simple(out, b"OK"),
                Err(refusal) => ferrodis_resp::write_error(out, refusal.message().as_bytes()),
            }
            true
        }
        "function|stats" => {
            write_stats(watch, out, client.proto);
            true
        }
        "shutdown" if args[1..].iter().any(|a| a.eq_ignore_ascii_case(b"nosave")) => {
            crate::log!(Warning, "User requested shutdown...");
            crate::net::close_listeners();
            crate::log!(Warning, "Redis is now ready to exit, bye bye...");
            // At once, as Redis: the listening sockets close with the process.
            // SAFETY: _exit takes no pointers and never returns.
            unsafe { libc::_exit(0) }
        }
        _ if cmd.has(flags::ALLOW_BUSY) && cmd.name != "shutdown" => false,
        _ => {
            if let Some(m) = client.multi.as_mut() {
                m.aborted = true;
            }
            ferrodis_resp::write_error(out, watch.busy_error().as_bytes());
            true
        }
    }
}

/// FUNCTION STATS while busy: the running script and the library counts kept in the watch.
fn write_stats(watch: &ScriptWatch, out: &mut BytesMut, proto: ferrodis_resp::Proto) {
    use ferrodis_resp as resp;
    let Some(running) = watch.current() else {
        resp::write_null(out, proto);
        return;
    };
    if running.eval_mode {
        resp::write_error(out, super::watch::BUSY_EVAL.as_bytes());
        return;
    }
    let (libraries, functions) = watch.function_counts();
    resp::write_map_len(out, proto, 2);
    resp::write_bulk(out, b"running_script");
    resp::write_map_len(out, proto, 3);
    resp::write_bulk(out, b"name");
    resp::write_bulk(out, running.name.as_bytes());
    resp::write_bulk(out, b"command");
    resp::write_array_len(out, running.command.len());
    for a in &running.command {
        resp::write_bulk(out, a);
    }
    resp::write_bulk(out, b"duration_ms");
    resp::write_integer(out, running.started.elapsed().as_millis() as i64);
    resp::write_bulk(out, b"engines");
    resp::write_map_len(out, proto, 1);
    resp::write_bulk(out, b"LUA");
    resp::write_map_len(out, proto, 2);
    resp::write_bulk(out, b"libraries_count");
    resp::write_integer(out, libraries as i64);
    resp::write_bulk(out, b"functions_count");
    resp::write_integer(out, functions as i64);
}

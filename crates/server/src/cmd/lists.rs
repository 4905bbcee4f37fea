//! List commands, blocking pops included. A list emptied by a command no longer exists. Blocked
//! pops served later are recorded as their non-blocking effects (`BLPOP` → `LPOP`, `BLMOVE` →
//! `LMOVE`, `BRPOPLPUSH` → `RPOPLPUSH`, `BLMPOP` → `LPOP key count`).

use super::ctx::parse_int;
use super::flags::*;
use super::{CmdError, CmdResult, Command, Ctx};
use crate::blocking::TimeoutReply;
use crate::errors;
use crate::keyspace::Value;
use crate::keyspace::list::List;
use bytes::Bytes;
use std::sync::Arc;

const W: u32 = WRITE | DENYOOM;

pub static COMMANDS: &[Command] = &[
    Command::new("lpush", -3, W | FAST, lpush).keys(1, 1, 1).group("list").doc("Prepend one or multiple elements to a list", "1.0.0"),
    Command::new("rpush", -3, W | FAST, rpush).keys(1, 1, 1).group("list").doc("Append one or multiple elements to a list", "1.0.0"),
    Command::new("lpushx", -3, W | FAST, lpushx).keys(1, 1, 1).group("list").doc("Prepend an element to a list, only if the list exists", "2.2.0"),
    Command::new("rpushx", -3, W | FAST, rpushx).keys(1, 1, 1).group("list").doc("Append an element to a list, only if the list exists", "2.2.0"),
    Command::new("lpop", -2, WRITE | FAST, lpop).keys(1, 1, 1).group("list").doc("Remove and get the first elements in a list", "1.0.0"),
    Command::new("rpop", -2, WRITE | FAST, rpop).keys(1, 1, 1).group("list").doc("Remove and get the last elements in a list", "1.0.0"),
    Command::new("llen", 2, READONLY | FAST, llen).keys(1, 1, 1).group("list").doc("Get the length of a list", "1.0.0"),
    Command::new("lrange", 4, READONLY, lrange).keys(1, 1, 1).group("list").doc("Get a range of elements from a list", "1.0.0"),
    Command::new("lindex", 3, READONLY, lindex).keys(1, 1, 1).group("list").doc("Get an element from a list by its index", "1.0.0"),
    Command::new("lset", 4, W, lset).keys(1, 1, 1).group("list").doc("Set the value of an element in a list by its index", "1.0.0"),
    Command::new("linsert", 5, W, linsert).keys(1, 1, 1).group("list").doc("Insert an element before or after another element in a list", "2.2.0"),
    Command::new("lrem", 4, WRITE, lrem).keys(1, 1, 1).group("list").doc("Remove elements from a list", "1.0.0"),
    Command::new("ltrim", 4, WRITE, ltrim).keys(1, 1, 1).group("list").doc("Trim a list to the specified range", "1.0.0"),
    Command::new("lpos", -3, READONLY, lpos).keys(1, 1, 1).group("list").doc("Return the index of matching elements on a list", "6.0.6"),
    Command::new("lmove", 5, W, lmove).keys(1, 2, 1).group("list").doc("Pop an element from a list, push it to another list and return it", "6.2.0"),
    Command::new("rpoplpush", 3, W, rpoplpush).keys(1, 2, 1).group("list").doc("Remove the last element in a list, prepend it to another list and return it", "1.2.0"),
    Command::new("lmpop", -4, WRITE | MOVABLE_KEYS, lmpop).group("list").doc("Pop elements from a list", "7.0.0"),
    Command::new("blpop", -3, WRITE | NOSCRIPT | BLOCKING, blpop).keys(1, -2, 1).group("list").doc("Remove and get the first element in a list, or block until one is available", "2.0.0"),
    Command::new("brpop", -3, WRITE | NOSCRIPT | BLOCKING, brpop).keys(1, -2, 1).group("list").doc("Remove and get the last element in a list, or block until one is available", "2.0.0"),
    Command::new("blmove", 6, W | NOSCRIPT | BLOCKING, blmove).keys(1, 2, 1).group("list").doc("Pop an element from a list, push it to another list and return it; or block until one is available", "6.2.0"),
    Command::new("brpoplpush", 4, W | NOSCRIPT | BLOCKING, brpoplpush).keys(1, 2, 1).group("list").doc("Pop an element from a list, push it to another list and return it; or block until one is available", "2.2.0"),
    Command::new("blmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, blmpop).group("list").doc("Pop elements from a list or block until one is available", "7.0.0"),
];

fn b(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

fn num(n: i64) -> Bytes {
    Bytes::from(itoa::Buffer::new().format(n).to_owned())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Left,
    Right,
}

impl End {
    fn parse(arg: &[u8]) -> Result<End, CmdError> {
        if arg.eq_ignore_ascii_case(b"LEFT") {
            Ok(End::Left)
        } else if arg.eq_ignore_ascii_case(b"RIGHT") {
            Ok(End::Right)
        } else {
            Err(errors::SYNTAX.into())
        }
    }

    fn pop_name(self) -> &'static str {
        match self {
            End::Left => "LPOP",
            End::Right => "RPOP",
        }
    }

    fn word(self) -> &'static str {
        match self {
            End::Left => "LEFT",
            End::Right => "RIGHT",
        }
    }
}

/// The list at `key` for reading: Ok(None) if missing, WRONGTYPE if not a list.
fn read_list(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Arc<List>>, CmdError> {
    match ctx.lookup_read(key).map(|e| &e.value) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(Arc::clone(l))),
        Some(_) => Err(errors::WRONGTYPE.into()),
    }
}

/// The list at `key` for writing (copied first if a snapshot shares it).
fn write_list<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut List>, CmdError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(Arc::make_mut(l))),
        Some(_) => Err(errors::WRONGTYPE.into()),
    }
}

/// Whether `key` holds a list a blocking command can pop from now. When re-run for a ready key,
/// a key that meanwhile holds another type keeps the client blocked (as Redis serves only
/// keys of the type a client waits for) instead of failing it with WRONGTYPE.
fn has_list_for_pop(ctx: &mut Ctx, key: &[u8]) -> Result<bool, CmdError> {
    match list_exists_for_write(ctx, key) {
        Ok(found) => Ok(found),
        Err(_) if ctx.client.serving_blocked => Ok(false),
        Err(e) => Err(e),
    }
}

/// Type check without touching stats (destination of LMOVE).
fn check_list_or_missing(ctx: &mut Ctx, key: &[u8]) -> CmdResult {
    match ctx.lookup_quiet(key).map(|e| &e.value) {
        None | Some(Value::List(_)) => Ok(()),
        Some(_) => Err(errors::WRONGTYPE.into()),
    }
}

fn new_list(ctx: &Ctx) -> List {
    List::new(ctx.core.config.list_max_listpack_size as i64)
}

fn push_generic(ctx: &mut Ctx, args: &[Bytes], end: End, only_existing: bool) -> CmdResult {
    let key = &args[1];
    let exists = write_list(ctx, key)?.is_some();
    if !exists {
        if only_existing {
            ctx.int(0);
            return Ok(());
        }
        let list = new_list(ctx);
        let now = ctx.now_ms;
        ctx.db()
            .insert(key, Value::List(Arc::new(list)), false, now);
    }
    let Some(list) = write_list(ctx, key)? else {
        return Ok(());
    };
    for e in &args[2..] {
        match end {
            End::Left => list.push_front(e),
            End::Right => list.push_back(e),
        }
    }
    let len = list.len();
    ctx.modified(key);
    ctx.dirty += args.len() as u64 - 3;
    ctx.int(len as i64);
    Ok(())
}

fn lpush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, End::Left, false)
}

fn rpush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, End::Right, false)
}

fn lpushx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, End::Left, true)
}

fn rpushx(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    push_generic(ctx, args, End::Right, true)
}

/// Pops up to `count` elements from one end; deletes the key when emptied.
fn pop_elements(
    ctx: &mut Ctx,
    key: &[u8],
    end: End,
    count: usize,
) -> Result<Vec<Vec<u8>>, CmdError> {
    let Some(list) = write_list(ctx, key)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(count.min(list.len()));
    while out.len() < count {
        let e = match end {
            End::Left => list.pop_front(),
            End::Right => list.pop_back(),
        };
        match e {
            Some(e) => out.push(e),
            None => break,
        }
    }
    if !out.is_empty() {
        ctx.modified(key);
        ctx.delete_if_emptied(key);
    }
    Ok(out)
}

fn pop_generic(ctx: &mut Ctx, args: &[Bytes], end: End) -> CmdResult {
    if args.len() > 3 {
        return Err(errors::arity(ctx.cmd.name).into());
    }
    let count = match args.get(2) {
        Some(a) => {
            let n = parse_int(a).map_err(|_| "ERR value is out of range, must be positive")?;
            if n < 0 {
                return Err("ERR value is out of range, must be positive".into());
            }
            Some(n as usize)
        }
        None => None,
    };
    let key = &args[1];
    let exists = list_exists_for_write(ctx, key)?;
    if !exists {
        match count {
            Some(_) => ctx.null_array(),
            None => ctx.null(),
        }
        return Ok(());
    }
    if count == Some(0) {
        ctx.array(0);
        return Ok(());
    }
    let popped = pop_elements(ctx, key, end, count.unwrap_or(1))?;
    match count {
        None => ctx.bulk(&popped[0]),
        Some(_) => {
            ctx.array(popped.len());
            for e in &popped {
                ctx.bulk(e);
            }
        }
    }
    Ok(())
}

/// Whether a list exists at `key` (WRONGTYPE otherwise), looked up as Redis's pops and moves
/// do (lookupKeyWrite): expired first, touched, and counted as no keyspace hit or miss.
fn list_exists_for_write(ctx: &mut Ctx, key: &[u8]) -> Result<bool, CmdError> {
    if !ctx.exists_for_write(key) {
        return Ok(false);
    }
    match ctx.lookup_quiet(key).map(|e| &e.value) {
        Some(Value::List(_)) => Ok(true),
        Some(_) => Err(errors::WRONGTYPE.into()),
        None => Ok(false),
    }
}

fn lpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    pop_generic(ctx, args, End::Left)
}

fn rpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    pop_generic(ctx, args, End::Right)
}

fn llen(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = read_list(ctx, &args[1])?.map_or(0, |l| l.len());
    ctx.int(n as i64);
    Ok(())
}

/// Resolves an inclusive Redis range (negative from the end) over `len` elements.
fn resolve_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut s = if start < 0 { len + start } else { start };
    let mut e = if end < 0 { len + end } else { end };
    if s < 0 {
        s = 0;
    }
    if s > e || s >= len {
        return None;
    }
    if e >= len {
        e = len - 1;
    }
    Some((s as usize, e as usize))
}

fn lrange(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let end = parse_int(&args[3])?;
    let Some(list) = read_list(ctx, &args[1])? else {
        ctx.array(0);
        return Ok(());
    };
    match resolve_range(start, end, list.len()) {
        None => ctx.array(0),
        Some((s, e)) => {
            ctx.array(e - s + 1);
            let mut buf = itoa::Buffer::new();
            for item in list.range(s, e) {
                ferrodis_resp::write_bulk(ctx.out, item.as_bytes(&mut buf));
            }
        }
    }
    Ok(())
}

/// Normalizes a possibly negative index; None when out of range.
fn index_of(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (i >= 0 && (i as usize) < len).then_some(i as usize)
}

fn lindex(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // Redis looks the key up before it parses the index: a missing key answers nil and a
    // wrong type WRONGTYPE whatever the index.
    let Some(list) = read_list(ctx, &args[1])? else {
        ctx.null();
        return Ok(());
    };
    let index = parse_int(&args[2])?;
    match index_of(index, list.len()).and_then(|i| list.get(i)) {
        Some(e) => {
            let mut buf = itoa::Buffer::new();
            ferrodis_resp::write_bulk(ctx.out, e.as_bytes(&mut buf));
        }
        None => ctx.null(),
    }
    Ok(())
}

fn lset(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let key = &args[1];
    // As LINDEX: the key first (no such key, WRONGTYPE), then the index.
    let Some(list) = write_list(ctx, key)? else {
        return Err(errors::NO_SUCH_KEY.into());
    };
    let index = parse_int(&args[2])?;
    let Some(i) = index_of(index, list.len()) else {
        return Err(errors::INDEX_OUT_OF_RANGE.into());
    };
    list.set(i, &args[3]);
    ctx.modified(key);
    ctx.ok();
    Ok(())
}

fn linsert(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let after = if args[2].eq_ignore_ascii_case(b"AFTER") {
        true
    } else if args[2].eq_ignore_ascii_case(b"BEFORE") {
        false
    } else {
        return Err(errors::SYNTAX.into());
    };
    let key = &args[1];
    let Some(list) = write_list(ctx, key)? else {
        ctx.int(0);
        return Ok(());
    };
    let pivot = list.iter().position(|e| e.eq_bytes(&args[3]));
    let Some(p) = pivot else {
        ctx.int(-1);
        return Ok(());
    };
    list.insert(if after { p + 1 } else { p }, &args[4]);
    let len = list.len();
    ctx.modified(key);
    ctx.int(len as i64);
    Ok(())
}

fn lrem(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let count = parse_int(&args[2])?;
    let key = &args[1];
    let Some(list) = write_list(ctx, key)? else {
        ctx.int(0);
        return Ok(());
    };
    let removed = list.remove_matching(&args[3], count);
    if removed > 0 {
        ctx.modified(key);
        ctx.delete_if_emptied(key);
    }
    ctx.int(removed as i64);
    Ok(())
}

fn ltrim(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let start = parse_int(&args[2])?;
    let end = parse_int(&args[3])?;
    let key = &args[1];
    let Some(list) = write_list(ctx, key)? else {
        ctx.ok();
        return Ok(());
    };
    match resolve_range(start, end, list.len()) {
        Some((s, e)) => list.trim(s, e),
        None => {
            let n = list.len();
            if n > 0 {
                list.trim(n, n);
            }
        }
    }
    ctx.modified(key);
    ctx.delete_if_emptied(key);
    ctx.ok();
    Ok(())
}

fn lpos(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let mut i = 3;
    while i < args.len() {
        let Some(val) = args.get(i + 1) else {
            return Err(errors::SYNTAX.into());
        };
        match args[i].to_ascii_uppercase().as_slice() {
            b"RANK" => {
                rank = parse_int(val)?;
                if rank == 0 {
                    return Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list".into());
                }
                if rank == i64::MIN {
                    return Err("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807".into());
                }
            }
            b"COUNT" => {
                let n = parse_int(val)?;
                if n < 0 {
                    return Err("ERR COUNT can't be negative".into());
                }
                count = Some(n);
            }
            b"MAXLEN" => {
                maxlen = parse_int(val)?;
                if maxlen < 0 {
                    return Err("ERR MAXLEN can't be negative".into());
                }
            }
            _ => return Err(errors::SYNTAX.into()),
        }
        i += 2;
    }
    let found = match read_list(ctx, &args[1])? {
        Some(list) => list.position(
            &args[2],
            rank,
            count.map_or(1, |c| c as usize),
            maxlen as usize,
        ),
        None => Vec::new(),
    };
    match count {
        None => match found.first() {
            Some(i) => ctx.int(*i as i64),
            None => ctx.null(),
        },
        Some(_) => {
            ctx.array(found.len());
            for i in found {
                ctx.int(i as i64);
            }
        }
    }
    Ok(())
}

/// LMOVE's work once the source is known to hold an element: pop, push, reply.
fn move_element(
    ctx: &mut Ctx,
    src: &Bytes,
    dst: &Bytes,
    from: End,
    to: End,
) -> Result<Option<Vec<u8>>, CmdError> {
    check_list_or_missing(ctx, dst)?;
    if src == dst {
        return rotate(ctx, src, from, to);
    }
    let popped = pop_elements(ctx, src, from, 1)?;
    let Some(e) = popped.into_iter().next() else {
        return Ok(None);
    };
    if write_list(ctx, dst)?.is_none() {
        let list = new_list(ctx);
        let now = ctx.now_ms;
        ctx.db()
            .insert(dst, Value::List(Arc::new(list)), false, now);
    }
    if let Some(list) = write_list(ctx, dst)? {
        match to {
            End::Left => list.push_front(&e),
            End::Right => list.push_back(&e),
        }
    }
    ctx.modified(dst);
    Ok(Some(e))
}

/// LMOVE with one list as source and destination: the list never becomes empty, so the key
/// (and its TTL) stays, as in Redis, which pushes before it checks the source for emptiness.
fn rotate(ctx: &mut Ctx, key: &Bytes, from: End, to: End) -> Result<Option<Vec<u8>>, CmdError> {
    let Some(list) = write_list(ctx, key)? else {
        return Ok(None);
    };
    let popped = match from {
        End::Left => list.pop_front(),
        End::Right => list.pop_back(),
    };
    let Some(e) = popped else {
        return Ok(None);
    };
    match to {
        End::Left => list.push_front(&e),
        End::Right => list.push_back(&e),
    }
    // Redis signals (and counts) the pop and the push apart.
    ctx.modified(key);
    ctx.modified(key);
    Ok(Some(e))
}

fn lmove_generic(
    ctx: &mut Ctx,
    src: &Bytes,
    dst: &Bytes,
    from: End,
    to: End,
) -> Result<bool, CmdError> {
    if !list_exists_for_write(ctx, src)? {
        return Ok(false);
    }
    match move_element(ctx, src, dst, from, to)? {
        Some(e) => {
            ctx.bulk(&e);
            Ok(true)
        }
        None => Ok(false),
    }
}

fn lmove(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let from = End::parse(&args[3])?;
    let to = End::parse(&args[4])?;
    if !lmove_generic(ctx, &args[1], &args[2], from, to)? {
        ctx.null();
    }
    Ok(())
}

fn rpoplpush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    if !lmove_generic(ctx, &args[1], &args[2], End::Right, End::Left)? {
        ctx.null();
    }
    Ok(())
}

/// Parses `numkeys key... LEFT|RIGHT [COUNT n]` starting at `args[first]`.
fn parse_mpop(args: &[Bytes], first: usize) -> Result<(Vec<Bytes>, End, usize), CmdError> {
    const NUMKEYS: &str = "ERR numkeys should be greater than 0";
    let numkeys = parse_int(&args[first]).map_err(|_| NUMKEYS)?;
    if numkeys <= 0 {
        return Err(NUMKEYS.into());
    }
    let keys_end = (first + 1).saturating_add(numkeys as usize);
    if keys_end >= args.len() {
        return Err(errors::SYNTAX.into());
    }
    let keys = args[first + 1..keys_end].to_vec();
    let end = End::parse(&args[keys_end])?;
    let mut count = 1usize;
    let mut i = keys_end + 1;
    let mut seen_count = false;
    while i < args.len() {
        if args[i].eq_ignore_ascii_case(b"COUNT") && !seen_count && i + 1 < args.len() {
            let n = parse_int(&args[i + 1]).map_err(|_| "ERR count should be greater than 0")?;
            if n <= 0 {
                return Err("ERR count should be greater than 0".into());
            }
            count = n as usize;
            seen_count = true;
            i += 2;
        } else {
            return Err(errors::SYNTAX.into());
        }
    }
    Ok((keys, end, count))
}

/// Pops from the first non-empty list among `keys`; replies [key, [elements]]. Records the
/// effect as `LPOP|RPOP key count`.
fn mpop_first(ctx: &mut Ctx, keys: &[Bytes], end: End, count: usize) -> Result<bool, CmdError> {
    for key in keys {
        if has_list_for_pop(ctx, key)? {
            let popped = pop_elements(ctx, key, end, count)?;
            ctx.array(2);
            ctx.bulk(key);
            ctx.array(popped.len());
            for e in &popped {
                ctx.bulk(e);
            }
            ctx.rewrite_effect(vec![
                b(end.pop_name()),
                key.clone(),
                num(popped.len() as i64),
            ]);
            return Ok(true);
        }
    }
    Ok(false)
}

fn lmpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let (keys, end, count) = parse_mpop(args, 1)?;
    if !mpop_first(ctx, &keys, end, count)? {
        ctx.null_array();
    }
    Ok(())
}

/// BLPOP/BRPOP: the first non-empty key in argument order serves; otherwise block.
fn bpop_generic(ctx: &mut Ctx, args: &[Bytes], end: End) -> CmdResult {
    let deadline = ctx.parse_block_timeout(&args[args.len() - 1])?;
    let keys = &args[1..args.len() - 1];
    for key in keys {
        if has_list_for_pop(ctx, key)? {
            let popped = pop_elements(ctx, key, end, 1)?;
            ctx.array(2);
            ctx.bulk(key);
            ctx.bulk(&popped[0]);
            ctx.rewrite_effect(vec![b(end.pop_name()), key.clone()]);
            return Ok(());
        }
    }
    if ctx.may_block() || ctx.client.serving_blocked {
        ctx.block_on(keys, deadline, TimeoutReply::NullArray, args);
    } else {
        ctx.null_array();
    }
    Ok(())
}

fn blpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    bpop_generic(ctx, args, End::Left)
}

fn brpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    bpop_generic(ctx, args, End::Right)
}

fn blmove_generic(
    ctx: &mut Ctx,
    args: &[Bytes],
    from: End,
    to: End,
    timeout_arg: &[u8],
    plain: Vec<Bytes>,
) -> CmdResult {
    let deadline = ctx.parse_block_timeout(timeout_arg)?;
    let (src, dst) = (&args[1], &args[2]);
    if has_list_for_pop(ctx, src)?
        && let Some(e) = move_element(ctx, src, dst, from, to)?
    {
        ctx.bulk(&e);
        ctx.rewrite_effect(plain);
        return Ok(());
    }
    if ctx.may_block() || ctx.client.serving_blocked {
        ctx.block_on(&args[1..2], deadline, TimeoutReply::NullBulk, args);
    } else {
        ctx.null();
    }
    Ok(())
}

fn blmove(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let from = End::parse(&args[3])?;
    let to = End::parse(&args[4])?;
    let plain = vec![
        b("LMOVE"),
        args[1].clone(),
        args[2].clone(),
        b(from.word()),
        b(to.word()),
    ];
    blmove_generic(ctx, args, from, to, &args[5], plain)
}

fn brpoplpush(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let plain = vec![b("RPOPLPUSH"), args[1].clone(), args[2].clone()];
    blmove_generic(ctx, args, End::Right, End::Left, &args[3], plain)
}

fn blmpop(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    // Redis parses the timeout after numkeys, the keys, the end and COUNT.
    let (keys, end, count) = parse_mpop(args, 2)?;
    let deadline = ctx.parse_block_timeout(&args[1])?;
    if mpop_first(ctx, &keys, end, count)? {
        return Ok(());
    }
    if ctx.may_block() || ctx.client.serving_blocked {
        ctx.block_on(&keys, deadline, TimeoutReply::NullArray, args);
    } else {
        ctx.null_array();
    }
    Ok(())
}

//! Pub/Sub commands. Subscription confirmations and messages are arrays in RESP2 and push
//! frames in RESP3 (Redis Sentinel talks to masters through these).

use super::flags::*;
use super::{CmdResult, Command, Ctx};
use crate::glob;
use crate::pubsub::Subscriber;
use bytes::Bytes;

const PS: u32 = PUBSUB | NOSCRIPT | LOADING | STALE;

pub static COMMANDS: &[Command] = &[
    Command::new("subscribe", -2, PS, subscribe)
        .group("pubsub")
        .doc(
            "Listen for messages published to the given channels",
            "2.0.0",
        ),
    Command::new("unsubscribe", -1, PS, unsubscribe)
        .group("pubsub")
        .doc(
            "Stop listening for messages posted to the given channels",
            "2.0.0",
        ),
    Command::new("psubscribe", -2, PS, psubscribe)
        .group("pubsub")
        .doc(
            "Listen for messages published to channels matching the given patterns",
            "2.0.0",
        ),
    Command::new("punsubscribe", -1, PS, punsubscribe)
        .group("pubsub")
        .doc(
            "Stop listening for messages posted to channels matching the given patterns",
            "2.0.0",
        ),
    Command::new(
        "publish",
        3,
        PUBSUB | LOADING | STALE | FAST | MAY_REPLICATE,
        publish,
    )
    .group("pubsub")
    .doc("Post a message to a channel", "2.0.0"),
    Command::container("pubsub", -2, PUBSUB_SUBCOMMANDS).group("pubsub"),
];

static PUBSUB_SUBCOMMANDS: &[Command] = &[
    Command::new(
        "pubsub|channels",
        -2,
        PUBSUB | LOADING | STALE,
        pubsub_channels,
    )
    .group("pubsub")
    .doc("List active channels", "2.8.0"),
    Command::new("pubsub|numsub", -2, PUBSUB | LOADING | STALE, pubsub_numsub)
        .group("pubsub")
        .doc("Get the count of subscribers for channels", "2.8.0"),
    Command::new("pubsub|numpat", 2, PUBSUB | LOADING | STALE, pubsub_numpat)
        .group("pubsub")
        .doc(
            "Get the count of unique patterns pattern subscriptions",
            "2.8.0",
        ),
    Command::new("pubsub|help", 2, LOADING | STALE, pubsub_help)
        .group("pubsub")
        .doc("Show helpful text about the different subcommands", "6.2.0"),
];

/// One confirmation: [kind, channel-or-nil, subscription count].
fn confirm(ctx: &mut Ctx, kind: &[u8], channel: Option<&[u8]>) {
    let count = ctx.client.subscription_count();
    ferrodis_resp::write_push_len(ctx.out, ctx.client.proto, 3);
    ctx.bulk(kind);
    match channel {
        Some(c) => ctx.bulk(c),
        None => ctx.null(),
    }
    ctx.int(count as i64);
}

fn me(ctx: &Ctx) -> Subscriber {
    Subscriber {
        proto: ctx.client.proto,
        tx: ctx.client.tx.clone(),
    }
}

fn subscribe(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    for ch in &args[1..] {
        if ctx.client.channels.insert(ch.clone()) {
            let sub = me(ctx);
            ctx.core.pubsub.subscribe(ch, ctx.client.id, sub);
        }
        confirm(ctx, b"subscribe", Some(ch));
    }
    Ok(())
}

fn unsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let targets: Vec<Bytes> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        ctx.client.channels.iter().cloned().collect()
    };
    if targets.is_empty() {
        confirm(ctx, b"unsubscribe", None);
    }
    for ch in targets {
        if ctx.client.channels.remove(&ch) {
            ctx.core.pubsub.unsubscribe(&ch, ctx.client.id);
        }
        confirm(ctx, b"unsubscribe", Some(&ch));
    }
    Ok(())
}

fn psubscribe(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    for p in &args[1..] {
        if ctx.client.patterns.insert(p.clone()) {
            let sub = me(ctx);
            ctx.core.pubsub.psubscribe(p, ctx.client.id, sub);
        }
        confirm(ctx, b"psubscribe", Some(p));
    }
    Ok(())
}

fn punsubscribe(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let targets: Vec<Bytes> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        ctx.client.patterns.iter().cloned().collect()
    };
    if targets.is_empty() {
        confirm(ctx, b"punsubscribe", None);
    }
    for p in targets {
        if ctx.client.patterns.remove(&p) {
            ctx.core.pubsub.punsubscribe(&p, ctx.client.id);
        }
        confirm(ctx, b"punsubscribe", Some(&p));
    }
    Ok(())
}

fn publish(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let n = ctx.core.pubsub.publish(&args[1], &args[2]);
    ctx.core.stats.pubsub_messages += 1;
    ctx.int(n as i64);
    Ok(())
}

fn pubsub_channels(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    let pattern = args.get(2);
    let list: Vec<Bytes> = ctx
        .core
        .pubsub
        .channels
        .keys()
        .filter(|c| pattern.is_none_or(|p| glob::matches(p, c, false)))
        .cloned()
        .collect();
    ctx.array(list.len());
    for c in list {
        ctx.bulk(&c);
    }
    Ok(())
}

fn pubsub_numsub(ctx: &mut Ctx, args: &[Bytes]) -> CmdResult {
    ctx.map(args.len() - 2);
    for ch in &args[2..] {
        let n = ctx.core.pubsub.channels.get(ch).map_or(0, |s| s.len());
        ctx.bulk(ch);
        ctx.int(n as i64);
    }
    Ok(())
}

fn pubsub_numpat(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let n = ctx.core.pubsub.patterns.len();
    ctx.int(n as i64);
    Ok(())
}

fn pubsub_help(ctx: &mut Ctx, _args: &[Bytes]) -> CmdResult {
    let lines = [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "HELP",
        "    Prints this help.",
    ];
    ctx.array(lines.len());
    for l in lines {
        ctx.simple(l);
    }
    Ok(())
}

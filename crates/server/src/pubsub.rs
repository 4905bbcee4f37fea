//! Pub/Sub registry: who is subscribed to which channel and pattern. Delivery sends the
//! encoded message to each subscriber's connection task; RESP2 subscribers get arrays, RESP3
//! subscribers get push frames.

use crate::client::{ClientId, ClientMsg};
use bytes::{Bytes, BytesMut};
use ferrodis_resp::Proto;
use std::collections::HashMap;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Clone)]
pub struct Subscriber {
    pub proto: Proto,
    pub tx: UnboundedSender<ClientMsg>,
}

#[derive(Default)]
pub struct PubSub {
    pub channels: HashMap<Bytes, HashMap<ClientId, Subscriber>>,
    pub patterns: HashMap<Bytes, HashMap<ClientId, Subscriber>>,
}

impl PubSub {
    /// Returns true if the client was not subscribed yet.
    pub fn subscribe(&mut self, channel: &Bytes, id: ClientId, sub: Subscriber) -> bool {
        self.channels
            .entry(channel.clone())
            .or_default()
            .insert(id, sub)
            .is_none()
    }

    pub fn unsubscribe(&mut self, channel: &[u8], id: ClientId) -> bool {
        let Some(subs) = self.channels.get_mut(channel) else {
            return false;
        };
        let removed = subs.remove(&id).is_some();
        if subs.is_empty() {
            self.channels.remove(channel);
        }
        removed
    }

    pub fn psubscribe(&mut self, pattern: &Bytes, id: ClientId, sub: Subscriber) -> bool {
        self.patterns
            .entry(pattern.clone())
            .or_default()
            .insert(id, sub)
            .is_none()
    }

    pub fn punsubscribe(&mut self, pattern: &[u8], id: ClientId) -> bool {
        let Some(subs) = self.patterns.get_mut(pattern) else {
            return false;
        };
        let removed = subs.remove(&id).is_some();
        if subs.is_empty() {
            self.patterns.remove(pattern);
        }
        removed
    }

    /// Delivers a message; returns how many clients received it.
    pub fn publish(&self, channel: &[u8], message: &[u8]) -> usize {
        let mut receivers = 0;
        let mut encoded: [Option<Bytes>; 2] = [None, None];
        if let Some(subs) = self.channels.get(channel) {
            for sub in subs.values() {
                let slot = &mut encoded[(sub.proto == Proto::Resp3) as usize];
                let data = slot.get_or_insert_with(|| {
                    let mut out = BytesMut::new();
                    ferrodis_resp::write_push_len(&mut out, sub.proto, 3);
                    ferrodis_resp::write_bulk(&mut out, b"message");
                    ferrodis_resp::write_bulk(&mut out, channel);
                    ferrodis_resp::write_bulk(&mut out, message);
                    out.freeze()
                });
                let _ = sub.tx.send(ClientMsg::Data(data.clone()));
                receivers += 1;
            }
        }
        for (pattern, subs) in &self.patterns {
            if !crate::glob::matches(pattern, channel, false) {
                continue;
            }
            for sub in subs.values() {
                let mut out = BytesMut::new();
                ferrodis_resp::write_push_len(&mut out, sub.proto, 4);
                ferrodis_resp::write_bulk(&mut out, b"pmessage");
                ferrodis_resp::write_bulk(&mut out, pattern);
                ferrodis_resp::write_bulk(&mut out, channel);
                ferrodis_resp::write_bulk(&mut out, message);
                let _ = sub.tx.send(ClientMsg::Data(out.freeze()));
                receivers += 1;
            }
        }
        receivers
    }
}

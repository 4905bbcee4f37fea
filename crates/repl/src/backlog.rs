//! The replication backlog: the last `size` bytes of the stream, addressed by absolute offset,
//! held as the same reference-counted chunks the replicas' output queues hold (design.md, "One
//! shared replication buffer"): appending copies nothing, and a replica that reconnects gets
//! clones of the chunks it missed.

use bytes::Bytes;
use std::collections::VecDeque;

pub struct Backlog {
    /// Chunks in stream order; the first may start before `first_byte_offset` (its head is no
    /// longer part of the backlog, it is kept until the whole chunk falls out).
    chunks: VecDeque<Bytes>,
    /// Offset of the first byte of `chunks[0]`.
    chunks_start: u64,
    /// Offset of the first byte the backlog serves (Redis's repl_backlog_off).
    first_byte_offset: u64,
    /// Bytes served: from `first_byte_offset` to the end.
    histlen: u64,
    /// Bytes held in `chunks` (at least `histlen`).
    held: u64,
    size: u64,
    /// Bytes some replica still has queued: the backlog keeps at least that much history
    /// beyond `size` (Redis 7's shared buffer: a slow replica's data is the backlog's too, so a
    /// replica may continue from it; INFO repl_backlog_histlen shows it).
    floor: u64,
}

impl Backlog {
    /// An empty backlog whose next byte will be `master_repl_offset + 1`.
    pub fn new(size: u64, master_repl_offset: u64) -> Backlog {
        Backlog {
            chunks: VecDeque::new(),
            chunks_start: master_repl_offset + 1,
            first_byte_offset: master_repl_offset + 1,
            histlen: 0,
            held: 0,
            size: size.max(1),
            floor: 0,
        }
    }

    pub fn first_byte_offset(&self) -> u64 {
        self.first_byte_offset
    }

    pub fn histlen(&self) -> u64 {
        self.histlen
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Bytes of memory the backlog keeps alive.
    pub fn held_bytes(&self) -> u64 {
        self.held
    }

    /// `(first_byte_offset, histlen)` for `decide_psync`.
    pub fn range(&self) -> (u64, u64) {
        (self.first_byte_offset, self.histlen)
    }

    /// CONFIG SET repl-backlog-size.
    pub fn resize(&mut self, size: u64) {
        self.size = size.max(1);
        self.trim();
    }

    /// Keeps at least the last `floor` bytes (what the slowest replica still has queued),
    /// trimming back towards `size` as it shrinks.
    pub fn set_floor(&mut self, floor: u64) {
        self.floor = floor;
        self.trim();
    }

    /// Appends the next bytes of the stream.
    pub fn append(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        self.histlen += chunk.len() as u64;
        self.held += chunk.len() as u64;
        self.chunks.push_back(chunk);
        self.trim();
    }

    fn trim(&mut self) {
        let keep = self.size.max(self.floor);
        if self.histlen > keep {
            let drop = self.histlen - keep;
            self.first_byte_offset += drop;
            self.histlen = keep;
        }
        while let Some(front) = self.chunks.front() {
            let len = front.len() as u64;
            if self.chunks_start + len > self.first_byte_offset {
                break;
            }
            self.chunks_start += len;
            self.held -= len;
            self.chunks.pop_front();
        }
    }

    /// The bytes from `offset` to the end, as chunk slices (no copy); None if `offset` is not
    /// inside [first_byte_offset, end].
    pub fn since(&self, offset: u64) -> Option<Vec<Bytes>> {
        let end = self.first_byte_offset + self.histlen;
        if offset < self.first_byte_offset || offset > end {
            return None;
        }
        let mut out = Vec::new();
        let mut start = self.chunks_start;
        for chunk in &self.chunks {
            let chunk_end = start + chunk.len() as u64;
            if chunk_end > offset {
                let skip = offset.saturating_sub(start) as usize;
                out.push(chunk.slice(skip..));
            }
            start = chunk_end;
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(parts: Vec<Bytes>) -> Vec<u8> {
        parts.iter().flat_map(|b| b.iter().copied()).collect()
    }

    #[test]
    fn serves_any_offset_it_holds() {
        let mut b = Backlog::new(10, 0);
        b.append(Bytes::from_static(b"abcd"));
        b.append(Bytes::from_static(b"efgh"));
        assert_eq!(b.range(), (1, 8));
        assert_eq!(joined(b.since(1).unwrap()), b"abcdefgh");
        assert_eq!(joined(b.since(3).unwrap()), b"cdefgh");
        assert_eq!(joined(b.since(9).unwrap()), b"");
        assert!(b.since(10).is_none());
    }

    #[test]
    fn keeps_only_the_last_size_bytes() {
        let mut b = Backlog::new(6, 100);
        for chunk in [&b"abcd"[..], b"efgh", b"ijkl"] {
            b.append(Bytes::copy_from_slice(chunk));
        }
        // 12 bytes written from offset 101: the last 6 (107..=112) are served.
        assert_eq!(b.range(), (107, 6));
        assert!(b.since(106).is_none());
        assert_eq!(joined(b.since(107).unwrap()), b"ghijkl");
        // The first chunk fell out entirely; the second is kept for its tail.
        assert_eq!(b.held_bytes(), 8);
        b.resize(2);
        assert_eq!(joined(b.since(111).unwrap()), b"kl");
        assert_eq!(b.held_bytes(), 4);
    }

    #[test]
    fn keeps_what_a_slow_replica_still_needs() {
        let mut b = Backlog::new(4, 0);
        b.set_floor(10);
        b.append(Bytes::from_static(b"abcdef"));
        b.append(Bytes::from_static(b"ghij"));
        assert_eq!(b.range(), (1, 10));
        b.set_floor(0);
        assert_eq!(b.range(), (7, 4));
        assert_eq!(joined(b.since(7).unwrap()), b"ghij");
    }
}

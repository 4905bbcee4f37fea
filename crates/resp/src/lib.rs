//! RESP, the Redis serialization protocol, for Ferrodis: bytes to values and
//! back, with no sockets, no clock and no knowledge of commands.
//!
//! Code map:
//! - [`request`]: [`RequestParser`] turns a client's bytes into argument
//!   vectors (multibulk and inline requests), with Redis 7.0's limits
//!   ([`Limits`]) and error texts ([`ProtocolError`]).
//! - [`frame`]: [`parse_frame`] reads one RESP2 or RESP3 reply ([`Frame`]), for
//!   a replica reading its master and for tests reading a server.
//! - [`encode`]: writers for every reply type in RESP2 or RESP3 ([`Proto`]),
//!   the command encoding of the replication stream ([`write_command`]), and
//!   Redis's double formats.
//!
//! Architecture invariants: input faults are values, never panics, whatever
//! the bytes; no allocation is sized by a length read from the wire before
//! the bytes behind it have arrived; decoders never consume more than they
//! were given. The only dependency is `bytes`.

pub mod encode;
pub mod error;
pub mod frame;
mod num;
pub mod request;

pub use encode::*;
pub use error::ProtocolError;
pub use frame::{Frame, parse_frame};
pub use request::{Limits, RequestParser};

/// The protocol a client speaks, chosen with `HELLO`; replies differ for
/// nulls, maps, sets, pushes, doubles, booleans and verbatim strings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Proto {
    Resp2,
    Resp3,
}

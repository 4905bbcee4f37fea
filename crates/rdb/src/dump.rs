//! DUMP/RESTORE payloads: an object's type byte and body, then the RDB version (2 bytes LE) and
//! a CRC64 (8 bytes LE) of everything before it, so payloads move between Redis and Ferrodis.

use crate::{CRC64, Error, ErrorKind, MAX_READ_VERSION, RDB_VERSION};

/// Appends the footer to a type byte + body, making a DUMP payload.
pub fn seal(mut payload: Vec<u8>) -> Vec<u8> {
    payload.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = CRC64.checksum(&payload);
    payload.extend_from_slice(&crc.to_le_bytes());
    payload
}

/// Checks a payload's footer: returns its RDB version and the type byte + body, or the error
/// RESTORE reports as "DUMP payload version or checksum are wrong".
pub fn open(payload: &[u8]) -> Result<(u16, &[u8]), Error> {
    if payload.len() < 10 {
        return Err(Error::new(0, ErrorKind::Truncated));
    }
    let (body_and_version, crc_bytes) = payload.split_at(payload.len() - 8);
    let body = &body_and_version[..body_and_version.len() - 2];
    let version = u16::from_le_bytes([
        body_and_version[body_and_version.len() - 2],
        body_and_version[body_and_version.len() - 1],
    ]);
    if version > MAX_READ_VERSION {
        return Err(Error::new(
            body.len() as u64,
            ErrorKind::UnsupportedVersion(version),
        ));
    }
    let mut crc = [0u8; 8];
    crc.copy_from_slice(crc_bytes);
    let found = u64::from_le_bytes(crc);
    let expected = CRC64.checksum(body_and_version);
    if found != expected {
        return Err(Error::new(
            body_and_version.len() as u64,
            ErrorKind::BadChecksum { expected, found },
        ));
    }
    Ok((version, body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn seal_then_open() {
        let sealed = super::seal(vec![0, 3, b'f', b'o', b'o']);
        let (version, body) = super::open(&sealed).unwrap();
        assert_eq!(version, crate::RDB_VERSION);
        assert_eq!(body, [0, 3, b'f', b'o', b'o']);
        let mut bad = sealed.clone();
        bad[2] ^= 1;
        assert!(super::open(&bad).unwrap_err().is_checksum());
        assert!(super::open(&sealed[..9]).is_err());
    }

    #[test]
    fn matches_a_redis_dump() {
        // DUMP of "bar" from redis-server 7.0.15 (SET foo bar; DUMP foo).
        let redis = b"\x00\x03bar\x0a\x00\xe6\xbe\x49\x60\xee\x66\xfd\x17";
        assert_eq!(super::seal(b"\x00\x03bar".to_vec()), redis);
    }
}

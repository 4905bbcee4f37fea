//! Every error reply text, exactly as Redis 7.0 words it. One place, so the wording can be
//! checked against Redis and never drifts between commands.

pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
pub const SYNTAX: &str = "ERR syntax error";
pub const NOAUTH: &str = "NOAUTH Authentication required.";
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
pub const NO_SUCH_KEY: &str = "ERR no such key";
pub const DB_INDEX: &str = "ERR DB index is out of range";
pub const INDEX_OUT_OF_RANGE: &str = "ERR index out of range";
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
pub const AUTH_NOT_CONFIGURED: &str = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
pub const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";
pub const MULTI_NESTED: &str = "ERR MULTI calls can not be nested";
pub const EXEC_WITHOUT_MULTI: &str = "ERR EXEC without MULTI";
pub const DISCARD_WITHOUT_MULTI: &str = "ERR DISCARD without MULTI";
pub const WATCH_IN_MULTI: &str = "ERR WATCH inside MULTI is not allowed";
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
pub const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
pub const BIT_VALUE: &str = "ERR bit is not an integer or out of range";
pub const INCR_NAN_INF: &str = "ERR increment would produce NaN or Infinity";
pub const SAME_OBJECT: &str = "ERR source and destination objects are the same";
pub const MAX_CLIENTS: &str = "ERR max number of clients reached";
pub const TIMEOUT_NEGATIVE: &str = "ERR timeout is negative";
pub const TIMEOUT_INVALID: &str = "ERR timeout is not a float or out of range";
/// A string that is not a HyperLogLog given to a PF* command.
pub const HLL_WRONGTYPE: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
/// A sparse HyperLogLog whose opcodes do not cover its 16384 registers.
pub const HLL_INVALID: &str = "INVALIDOBJ Corrupted HLL object detected";
pub const DEBUG_DISABLED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";
pub const DENIED_PROTECTED: &str = "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.";

/// `ERR unknown command 'x', with args beginning with: 'a' 'b' `, as raw bytes: the name and
/// arguments are echoed byte for byte (newlines blanked), as Redis does.
pub fn unknown_command(name: &[u8], args: &[bytes::Bytes]) -> Vec<u8> {
    // C strings: `%.128s` stops at a NUL byte.
    let c_str = |b: &[u8]| -> usize { b.iter().position(|&c| c == 0).unwrap_or(b.len()) };
    let mut quoted = Vec::new();
    for a in args {
        if quoted.len() >= 128 {
            break;
        }
        let take = c_str(a).min(128 - quoted.len());
        quoted.push(b'\'');
        quoted.extend_from_slice(&a[..take]);
        quoted.extend_from_slice(b"' ");
    }
    let mut s = b"ERR unknown command '".to_vec();
    s.extend_from_slice(&name[..c_str(name).min(128)]);
    s.extend_from_slice(b"', with args beginning with: ");
    s.extend_from_slice(&quoted);
    for b in s.iter_mut() {
        if *b == b'\r' || *b == b'\n' {
            *b = b' ';
        }
    }
    s
}

/// `ERR unknown subcommand 'x'. Try CONFIG HELP.`
pub fn unknown_subcommand(sub: &[u8], container: &str) -> String {
    format!(
        "ERR unknown subcommand '{}'. Try {} HELP.",
        clip(sub, 128),
        container.to_ascii_uppercase()
    )
}

/// `ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.`
pub fn unknown_subcommand_or_arity(sub: &str, container: &str) -> String {
    format!(
        "ERR unknown subcommand or wrong number of arguments for '{sub}'. Try {container} HELP."
    )
}

/// `ERR wrong number of arguments for 'get' command`
pub fn arity(fullname: &str) -> String {
    format!("ERR wrong number of arguments for '{fullname}' command")
}

/// `ERR invalid expire time in 'set' command`
pub fn invalid_expire(cmd: &str) -> String {
    format!("ERR invalid expire time in '{cmd}' command")
}

fn clip(b: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(max)]);
    s.replace(['\r', '\n'], " ")
}

// ---- persistence ---------------------------------------------------------------------------
pub const LOADING: &str = "LOADING Redis is loading the dataset in memory";
pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
pub const BGSAVE_IN_PROGRESS: &str = "ERR Background save already in progress";
pub const SAVE_FAILED: &str = "ERR";
pub const BAD_PAYLOAD: &str = "ERR DUMP payload version or checksum are wrong";
pub const BAD_DATA_FORMAT: &str = "ERR Bad data format";
pub const BUSYKEY: &str = "BUSYKEY Target key name already exists.";

// ---- replication ---------------------------------------------------------------------------
pub const READONLY: &str = "READONLY You can't write against a read only replica.";
pub const MASTERDOWN: &str =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
pub const NOREPLICAS: &str = "NOREPLICAS Not enough good replicas to write.";

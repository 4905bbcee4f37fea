//! The typed values of directives that are not plain numbers, strings or booleans: one Rust enum
//! per Redis enum config (with Redis's spellings), and the structured values of the special
//! directives (`save`, `replicaof`, `client-output-buffer-limit`, `notify-keyspace-events`, ...).
//!
//! Owns only value types and their spellings; knows nothing of parsing files or CONFIG SET.

use std::fmt;

/// Defines a config enum: the Rust enum, its Redis names (several names may map to one variant;
/// the first one listed is the one Redis prints), and the conversions the directive table uses.
macro_rules! config_enum {
    (
        $(#[$doc:meta])*
        pub enum $name:ident {
            $($(#[$vdoc:meta])* $var:ident = $code:literal),+ $(,)?
        }
        names: [$($s:literal => $nv:ident),+ $(,)?]
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $var = $code),+
        }

        impl $name {
            /// Redis's names for the variants, in Redis's order (the order of its error message).
            pub(crate) const NAMES: &'static [(&'static str, i64)] =
                &[$(($s, $name::$nv as i64)),+];

            /// The name Redis prints for this value (CONFIG GET, CONFIG REWRITE, INFO).
            pub fn as_str(self) -> &'static str {
                let code = self as i64;
                Self::NAMES
                    .iter()
                    .find(|(_, c)| *c == code)
                    .map_or("unknown", |(n, _)| n)
            }

            /// Parses a Redis name, case-insensitively as Redis does.
            pub fn parse(name: &str) -> Option<Self> {
                Self::NAMES
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .and_then(|(_, c)| Self::from_code(*c))
            }

            pub(crate) fn from_code(code: i64) -> Option<Self> {
                $(if code == $code { return Some($name::$var); })+
                None
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

config_enum! {
    /// `loglevel`: how much the server logs.
    pub enum LogLevel {
        /// `debug`: everything.
        Debug = 0,
        /// `verbose`: many rarely useful lines.
        Verbose = 1,
        /// `notice`: moderately verbose, the production default.
        Notice = 2,
        /// `warning`: only important or critical messages.
        Warning = 3,
        /// Log nothing. Not a Redis 7.0 value (`nothing` arrived in 7.2): never produced by
        /// parsing, `loglevel nothing` is refused as 7.0.15 refuses it; prints as `unknown`.
        Nothing = 4,
    }
    names: ["debug" => Debug, "verbose" => Verbose, "notice" => Notice, "warning" => Warning]
}

config_enum! {
    /// `maxmemory-policy`: what to evict when `maxmemory` is reached.
    pub enum MaxmemoryPolicy {
        /// `volatile-lru`
        VolatileLru = 0,
        /// `volatile-lfu`
        VolatileLfu = 1,
        /// `volatile-random`
        VolatileRandom = 2,
        /// `volatile-ttl`
        VolatileTtl = 3,
        /// `allkeys-lru`
        AllkeysLru = 4,
        /// `allkeys-lfu`
        AllkeysLfu = 5,
        /// `allkeys-random`
        AllkeysRandom = 6,
        /// `noeviction`: refuse writes instead of evicting (default).
        Noeviction = 7,
    }
    names: [
        "volatile-lru" => VolatileLru,
        "volatile-lfu" => VolatileLfu,
        "volatile-random" => VolatileRandom,
        "volatile-ttl" => VolatileTtl,
        "allkeys-lru" => AllkeysLru,
        "allkeys-lfu" => AllkeysLfu,
        "allkeys-random" => AllkeysRandom,
        "noeviction" => Noeviction,
    ]
}

config_enum! {
    /// `syslog-facility`.
    pub enum SyslogFacility {
        /// `user`
        User = 0,
        /// `local0` (default)
        Local0 = 1,
        /// `local1`
        Local1 = 2,
        /// `local2`
        Local2 = 3,
        /// `local3`
        Local3 = 4,
        /// `local4`
        Local4 = 5,
        /// `local5`
        Local5 = 6,
        /// `local6`
        Local6 = 7,
        /// `local7`
        Local7 = 8,
    }
    names: [
        "user" => User, "local0" => Local0, "local1" => Local1, "local2" => Local2,
        "local3" => Local3, "local4" => Local4, "local5" => Local5, "local6" => Local6,
        "local7" => Local7,
    ]
}

config_enum! {
    /// `supervised`: how the server talks to an init system.
    pub enum Supervised {
        /// `upstart`
        Upstart = 0,
        /// `systemd`
        Systemd = 1,
        /// `auto`: detect from the environment.
        Auto = 2,
        /// `no` (default)
        No = 3,
    }
    names: ["upstart" => Upstart, "systemd" => Systemd, "auto" => Auto, "no" => No]
}

config_enum! {
    /// `appendfsync`: when the AOF is fsynced.
    pub enum AppendFsync {
        /// `everysec` (default)
        Everysec = 0,
        /// `always`
        Always = 1,
        /// `no`: leave it to the OS.
        No = 2,
    }
    names: ["everysec" => Everysec, "always" => Always, "no" => No]
}

config_enum! {
    /// `repl-diskless-load`: how a replica loads the RDB it receives from its master.
    pub enum ReplDisklessLoad {
        /// `disabled`: store it on disk first (default).
        Disabled = 0,
        /// `on-empty-db`: load from the socket only when the dataset is empty.
        OnEmptyDb = 1,
        /// `swapdb`: load from the socket into a new dataset, keeping the old one until done.
        Swapdb = 2,
    }
    names: ["disabled" => Disabled, "on-empty-db" => OnEmptyDb, "swapdb" => Swapdb]
}

config_enum! {
    /// `tls-auth-clients`.
    pub enum TlsAuthClients {
        /// `no`
        No = 0,
        /// `yes` (default)
        Yes = 1,
        /// `optional`
        Optional = 2,
    }
    names: ["no" => No, "yes" => Yes, "optional" => Optional]
}

config_enum! {
    /// `oom-score-adj`. `yes` is a synonym of `relative` and is what Redis prints for it.
    pub enum OomScoreAdj {
        /// `no` (default): leave oom_score_adj alone.
        No = 0,
        /// `relative` (printed `yes`): values relative to the initial oom_score_adj.
        Relative = 1,
        /// `absolute`: values used as they are.
        Absolute = 2,
    }
    names: ["no" => No, "yes" => Relative, "relative" => Relative, "absolute" => Absolute]
}

config_enum! {
    /// `acl-pubsub-default`: the Pub/Sub permission of new ACL users.
    pub enum AclPubsubDefault {
        /// `allchannels`
        Allchannels = 1,
        /// `resetchannels` (default)
        Resetchannels = 0,
    }
    names: ["allchannels" => Allchannels, "resetchannels" => Resetchannels]
}

config_enum! {
    /// `sanitize-dump-payload`: deep validation of RESTORE payloads and loaded RDBs.
    pub enum SanitizeDumpPayload {
        /// `no` (default)
        No = 0,
        /// `yes`
        Yes = 1,
        /// `clients`: only for ordinary client connections.
        Clients = 2,
    }
    names: ["no" => No, "yes" => Yes, "clients" => Clients]
}

config_enum! {
    /// `enable-protected-configs`, `enable-debug-command`, `enable-module-command`.
    pub enum ProtectedAction {
        /// `no` (default): never allowed.
        No = 0,
        /// `yes`: always allowed.
        Yes = 1,
        /// `local`: allowed for clients on a loopback or unix-socket connection.
        Local = 2,
    }
    names: ["no" => No, "yes" => Yes, "local" => Local]
}

impl ProtectedAction {
    /// Whether a client (local or not) may perform the protected action (`allowProtectedAction`).
    pub fn allows(self, client_is_local: bool) -> bool {
        match self {
            ProtectedAction::No => false,
            ProtectedAction::Yes => true,
            ProtectedAction::Local => client_is_local,
        }
    }
}

config_enum! {
    /// `cluster-preferred-endpoint-type`.
    pub enum ClusterPreferredEndpointType {
        /// `ip` (default)
        Ip = 0,
        /// `hostname`
        Hostname = 1,
        /// `unknown-endpoint`
        UnknownEndpoint = 2,
    }
    names: ["ip" => Ip, "hostname" => Hostname, "unknown-endpoint" => UnknownEndpoint]
}

config_enum! {
    /// `propagation-error-behavior`: what a replica (or AOF loader) does when a command from its
    /// master fails.
    pub enum PropagationErrorBehavior {
        /// `ignore` (default): log and go on.
        Ignore = 0,
        /// `panic`: crash.
        Panic = 1,
        /// `panic-on-replicas`: crash on replicas, ignore when loading the AOF.
        PanicOnReplicas = 2,
    }
    names: ["ignore" => Ignore, "panic" => Panic, "panic-on-replicas" => PanicOnReplicas]
}

/// `shutdown-on-sigint` / `shutdown-on-sigterm`: a set of SHUTDOWN flags (Redis's bit-flag enum
/// `default save nosave now force`). All false is `default`. `save` and `nosave` exclude each other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ShutdownOnSignal {
    /// `save`: save even without save points.
    pub save: bool,
    /// `nosave`: do not save even with save points.
    pub nosave: bool,
    /// `now`: do not wait for lagging replicas.
    pub now: bool,
    /// `force`: ignore errors that would prevent the shutdown.
    pub force: bool,
}

impl ShutdownOnSignal {
    pub(crate) const NAMES: &'static [(&'static str, i64)] = &[
        ("default", 0),
        ("save", 1),
        ("nosave", 2),
        ("now", 4),
        ("force", 8),
    ];

    pub(crate) fn code(self) -> i64 {
        i64::from(self.save)
            | (i64::from(self.nosave) << 1)
            | (i64::from(self.now) << 2)
            | (i64::from(self.force) << 3)
    }

    pub(crate) fn from_code(code: i64) -> Self {
        ShutdownOnSignal {
            save: code & 1 != 0,
            nosave: code & 2 != 0,
            now: code & 4 != 0,
            force: code & 8 != 0,
        }
    }
}

/// One `save <seconds> <changes>` point: snapshot when at least `changes` writes happened in the
/// last `seconds` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SavePoint {
    /// Window length in seconds (>= 1).
    pub seconds: u64,
    /// Minimum number of changes in the window.
    pub changes: u64,
}

/// `replicaof <host> <port>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReplicaOf {
    /// The master's host, as given.
    pub host: String,
    /// The master's port.
    pub port: u16,
}

/// The client classes that have an output buffer limit, in Redis's order (`CLIENT_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientClass {
    /// `normal` clients.
    Normal = 0,
    /// `replica` (`slave`) connections fed by this master.
    Replica = 1,
    /// Clients subscribed to at least one channel or pattern.
    Pubsub = 2,
}

impl ClientClass {
    /// All classes in index order.
    pub const ALL: [ClientClass; 3] = [
        ClientClass::Normal,
        ClientClass::Replica,
        ClientClass::Pubsub,
    ];

    /// Index into [`crate::Config::client_output_buffer_limit`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name CONFIG GET prints (`normal`, `slave`, `pubsub`).
    pub fn get_name(self) -> &'static str {
        match self {
            ClientClass::Normal => "normal",
            ClientClass::Replica => "slave",
            ClientClass::Pubsub => "pubsub",
        }
    }

    /// The name CONFIG REWRITE writes (`normal`, `replica`, `pubsub`).
    pub fn rewrite_name(self) -> &'static str {
        match self {
            ClientClass::Replica => "replica",
            other => other.get_name(),
        }
    }

    /// Parses a class name as `getClientTypeByName` does (case-insensitive; `slave` and
    /// `replica` are the same; `master` is a class but has no limit, so it is `Err`).
    pub(crate) fn parse(name: &[u8]) -> Option<ClientClass> {
        let eq = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
        if eq("normal") {
            Some(ClientClass::Normal)
        } else if eq("slave") || eq("replica") {
            Some(ClientClass::Replica)
        } else if eq("pubsub") {
            Some(ClientClass::Pubsub)
        } else {
            None
        }
    }
}

/// One class's `client-output-buffer-limit <class> <hard> <soft> <soft-seconds>`: disconnect a
/// client whose pending output exceeds `hard_bytes`, or stays above `soft_bytes` for
/// `soft_seconds` seconds. Zero disables a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientOutputBufferLimit {
    /// Hard limit in bytes (0 = none).
    pub hard_bytes: u64,
    /// Soft limit in bytes (0 = none).
    pub soft_bytes: u64,
    /// How long the soft limit may be exceeded, in seconds.
    pub soft_seconds: u64,
}

/// Redis 7.0's built-in output buffer limits, indexed by [`ClientClass::index`].
pub const DEFAULT_CLIENT_OUTPUT_BUFFER_LIMITS: [ClientOutputBufferLimit; 3] = [
    ClientOutputBufferLimit {
        hard_bytes: 0,
        soft_bytes: 0,
        soft_seconds: 0,
    },
    ClientOutputBufferLimit {
        hard_bytes: 256 * 1024 * 1024,
        soft_bytes: 64 * 1024 * 1024,
        soft_seconds: 60,
    },
    ClientOutputBufferLimit {
        hard_bytes: 32 * 1024 * 1024,
        soft_bytes: 8 * 1024 * 1024,
        soft_seconds: 60,
    },
];

/// `maxmemory-clients`: the memory all clients together may use before the biggest are evicted,
/// either absolute or as a percentage of `maxmemory`. `Bytes(0)` disables client eviction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MaxmemoryClients {
    /// An absolute number of bytes (0 = no limit).
    Bytes(u64),
    /// A percentage (1..=100) of `maxmemory`.
    Percent(u8),
}

impl MaxmemoryClients {
    /// Redis's internal encoding: percentages are stored negated.
    pub(crate) fn code(self) -> i64 {
        match self {
            MaxmemoryClients::Bytes(b) => b as i64,
            MaxmemoryClients::Percent(p) => -i64::from(p),
        }
    }

    pub(crate) fn from_code(code: i64) -> Self {
        if code < 0 {
            MaxmemoryClients::Percent(u8::try_from(code.unsigned_abs()).unwrap_or(100))
        } else {
            MaxmemoryClients::Bytes(code as u64)
        }
    }
}

/// `notify-keyspace-events`: the set of keyspace notification classes, as Redis's `NOTIFY_*` bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyspaceEvents(pub u32);

impl KeyspaceEvents {
    /// `K`: publish on `__keyspace@<db>__:<key>`.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: publish on `__keyevent@<db>__:<event>`.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: expired events.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: evicted events.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key-miss events (not part of `A`).
    pub const KEY_MISS: u32 = 1 << 11;
    /// Module-only "key loaded" events (no letter).
    pub const LOADED: u32 = 1 << 12;
    /// `d`: module key type events.
    pub const MODULE: u32 = 1 << 13;
    /// `n`: new key events (not part of `A`).
    pub const NEW: u32 = 1 << 14;
    /// `A`: alias for `g$lshzxetd`.
    pub const ALL: u32 = Self::GENERIC
        | Self::STRING
        | Self::LIST
        | Self::SET
        | Self::HASH
        | Self::ZSET
        | Self::EXPIRED
        | Self::EVICTED
        | Self::STREAM
        | Self::MODULE;

    /// Parses a class string such as `KEA` (`keyspaceEventsStringToFlags`); `None` on an unknown
    /// character.
    pub fn parse(classes: &[u8]) -> Option<KeyspaceEvents> {
        let mut flags = 0;
        for &c in classes {
            flags |= match c {
                b'A' => Self::ALL,
                b'g' => Self::GENERIC,
                b'$' => Self::STRING,
                b'l' => Self::LIST,
                b's' => Self::SET,
                b'h' => Self::HASH,
                b'z' => Self::ZSET,
                b'x' => Self::EXPIRED,
                b'e' => Self::EVICTED,
                b'K' => Self::KEYSPACE,
                b'E' => Self::KEYEVENT,
                b't' => Self::STREAM,
                b'm' => Self::KEY_MISS,
                b'd' => Self::MODULE,
                b'n' => Self::NEW,
                _ => return None,
            };
        }
        Some(KeyspaceEvents(flags))
    }

    /// Whether any of the bits in `mask` is set.
    pub fn contains_any(self, mask: u32) -> bool {
        self.0 & mask != 0
    }

    /// Whether notifications are enabled at all (some class and K or E).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for KeyspaceEvents {
    /// Renders as Redis does (`keyspaceEventsFlagsToString`): `KEA` prints as `AKE`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flags = self.0;
        let mut out = String::new();
        if flags & Self::ALL == Self::ALL {
            out.push('A');
        } else {
            for (bit, c) in [
                (Self::GENERIC, 'g'),
                (Self::STRING, '$'),
                (Self::LIST, 'l'),
                (Self::SET, 's'),
                (Self::HASH, 'h'),
                (Self::ZSET, 'z'),
                (Self::EXPIRED, 'x'),
                (Self::EVICTED, 'e'),
                (Self::STREAM, 't'),
                (Self::MODULE, 'd'),
                (Self::NEW, 'n'),
            ] {
                if flags & bit != 0 {
                    out.push(c);
                }
            }
        }
        for (bit, c) in [
            (Self::KEYSPACE, 'K'),
            (Self::KEYEVENT, 'E'),
            (Self::KEY_MISS, 'm'),
        ] {
            if flags & bit != 0 {
                out.push(c);
            }
        }
        f.write_str(&out)
    }
}

/// Where a stored directive came from, for error messages the server emits later (for example
/// an unknown command in `rename-command`). Ignored by equality: a rewritten file moves lines.
#[derive(Clone, Debug, Default)]
pub struct SourceLine {
    /// 1-based line number within the text that was parsed.
    pub line: usize,
    /// The trimmed line as written.
    pub text: String,
}

impl PartialEq for SourceLine {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

/// A `rename-command <from> <to>` directive (`to` empty means the command is removed).
#[derive(Clone, Debug, PartialEq)]
pub struct RenameCommand {
    /// The command's current name.
    pub from: String,
    /// Its new name; empty removes the command.
    pub to: String,
    /// Where it was written.
    pub source: SourceLine,
}

/// A `user <name> [rules...]` directive, stored for the ACL subsystem.
#[derive(Clone, Debug, PartialEq)]
pub struct UserDirective {
    /// The arguments after `user`: the user name, then its ACL rules.
    pub args: Vec<String>,
    /// Where it was written.
    pub source: SourceLine,
}

/// A `loadmodule <path> [args...]` directive.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadModule {
    /// Path of the module's shared object.
    pub path: String,
    /// Arguments passed to the module.
    pub args: Vec<String>,
}

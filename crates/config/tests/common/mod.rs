//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::PathBuf;

/// A fresh empty directory under the target dir, unique per test name.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ferrodis-config-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir.canonicalize().expect("canonical temp dir")
}

/// Redis's tests/assets/default.conf with the harness's substitutions (port, dir, unixsocket).
pub fn default_conf(dir: &std::path::Path) -> String {
    format!(
        "# Redis configuration for testing.

always-show-logo yes
notify-keyspace-events KEA
daemonize no
pidfile /var/run/redis.pid
port 21111
timeout 0
bind 127.0.0.1
loglevel verbose
logfile ''
databases 16
latency-monitor-threshold 1
repl-diskless-sync-delay 0

# Note the infrastructure in server.tcl uses a dict, we can't provide several save directives
save 900 1

rdbcompression yes
dbfilename dump.rdb
dir {dir}

slave-serve-stale-data yes
appendonly no
appendfsync everysec
no-appendfsync-on-rewrite no
activerehashing yes

enable-protected-configs yes
enable-debug-command yes
enable-module-command yes

propagation-error-behavior panic
unixsocket {dir}/socket
",
        dir = dir.display()
    )
}

pub fn set1(
    c: &mut ferrodis_config::Config,
    name: &str,
    value: &str,
) -> Result<Vec<&'static str>, String> {
    c.set(&[(name.as_bytes(), value.as_bytes())])
}

pub fn get1(c: &ferrodis_config::Config, name: &str) -> String {
    c.get_one(name)
        .unwrap_or_else(|| panic!("no config {name}"))
}

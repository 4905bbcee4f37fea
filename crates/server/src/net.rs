//! Listening sockets (TCP on every `bind` address, and `unixsocket`) and the accept loops
//! that start one connection task per client.

use crate::conn::{self, Peer};
use crate::log;
use crate::server::Shared;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, UnixListener};

/// Binds every configured address. Errors are logged as Redis logs them (the test harness
/// greps `Failed listening on port` to retry on another port).
pub async fn bind_all(
    shared: &Arc<Shared>,
) -> Result<(Vec<TcpListener>, Option<UnixListener>), ()> {
    let (port, binds, unixsocket, unixsocketperm) = {
        let core = shared.core.lock();
        let c = &core.config;
        (
            c.port,
            c.bind.clone(),
            c.unixsocket.clone(),
            c.unixsocketperm,
        )
    };
    let mut tcp = Vec::new();
    if port != 0 {
        for raw in &binds {
            let optional = raw.starts_with('-');
            let host = raw.trim_start_matches('-');
            let ip = match host {
                "*" => "0.0.0.0",
                "::*" => "::",
                h => h,
            };
            let addr: SocketAddr = match format!("{ip}:{port}")
                .parse()
                .or_else(|_| format!("[{ip}]:{port}").parse())
            {
                Ok(a) => a,
                Err(_) => {
                    log!(
                        Warning,
                        "Warning: Could not create server TCP listening socket {host}:{port}: bad address"
                    );
                    if optional {
                        continue;
                    }
                    log!(Warning, "Failed listening on port {port} (tcp), aborting.");
                    return Err(());
                }
            };
            match bind_tcp(addr) {
                Ok(l) => tcp.push(l),
                Err(e) => {
                    log!(
                        Warning,
                        "Warning: Could not create server TCP listening socket {host}:{port}: bind: {}",
                        describe(&e)
                    );
                    if optional || (ip == "::" && e.kind() == std::io::ErrorKind::AddrNotAvailable)
                    {
                        continue;
                    }
                    log!(Warning, "Failed listening on port {port} (tcp), aborting.");
                    return Err(());
                }
            }
        }
    }
    let unix = match unixsocket.as_deref() {
        Some(path) if !path.is_empty() => {
            let _ = std::fs::remove_file(path);
            match UnixListener::bind(path) {
                Ok(l) => {
                    if unixsocketperm != 0 {
                        use std::os::unix::fs::PermissionsExt;
                        let _ = std::fs::set_permissions(
                            path,
                            std::fs::Permissions::from_mode(unixsocketperm),
                        );
                    }
                    Some(l)
                }
                Err(e) => {
                    log!(Warning, "Failed opening Unix socket: {}", describe(&e));
                    return Err(());
                }
            }
        }
        _ => None,
    };
    {
        use std::os::fd::AsRawFd;
        let mut fds = LISTENER_FDS.lock();
        fds.extend(tcp.iter().map(|l| l.as_raw_fd()));
        fds.extend(unix.iter().map(|l| l.as_raw_fd()));
    }
    Ok((tcp, unix))
}

/// The listening sockets' descriptors, for `close_listeners`.
static LISTENER_FDS: parking_lot::Mutex<Vec<i32>> = parking_lot::Mutex::new(Vec::new());

/// Closes the listening sockets before an immediate exit (SHUTDOWN NOSAVE during a busy
/// script), as Redis's prepareForShutdown does first: a client that connects while the process
/// is going away is refused instead of accepted and then dropped.
pub fn close_listeners() {
    for fd in LISTENER_FDS.lock().drain(..) {
        // SAFETY: the descriptors are our listeners'; the process exits right after.
        unsafe { libc::close(fd) };
    }
}

fn describe(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => "Address already in use".into(),
        _ => e.to_string(),
    }
}

fn bind_tcp(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => {
            let s = tokio::net::TcpSocket::new_v6()?;
            set_ipv6_only(&s)?;
            s
        }
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(511)
}

pub fn spawn_accept_loops(shared: &Arc<Shared>, tcp: Vec<TcpListener>, unix: Option<UnixListener>) {
    for listener in tcp {
        let shared = Arc::clone(shared);
        tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let laddr = stream
                    .local_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                use std::os::fd::AsRawFd;
                let info = Peer {
                    addr: peer.to_string(),
                    laddr,
                    fd: stream.as_raw_fd() as i64,
                    is_loopback_or_unix: peer.ip().is_loopback(),
                };
                tokio::spawn(conn::serve(Arc::clone(&shared), stream, info));
            }
        });
    }
    if let Some(listener) = unix {
        let shared = Arc::clone(shared);
        tokio::spawn(async move {
            let path = listener
                .local_addr()
                .ok()
                .and_then(|a| a.as_pathname().map(|p| p.display().to_string()))
                .unwrap_or_default();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                use std::os::fd::AsRawFd;
                let info = Peer {
                    addr: format!("{path}:0"),
                    laddr: format!("{path}:0"),
                    fd: stream.as_raw_fd() as i64,
                    is_loopback_or_unix: true,
                };
                tokio::spawn(conn::serve(Arc::clone(&shared), stream, info));
            }
        });
    }
}

/// IPv6 sockets serve IPv6 only, so `bind * ::*` can bind both families on one port (as Redis).
fn set_ipv6_only(socket: &tokio::net::TcpSocket) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket fd and a c_int option value of the size we pass.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_V6ONLY,
            &on as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

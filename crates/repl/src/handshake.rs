//! The replica's side of the handshake with its master, as Redis 7.0 runs it
//! (`syncWithMaster`): PING, AUTH, REPLCONF listening-port, REPLCONF ip-address,
//! REPLCONF capa eof capa psync2, PSYNC. Each step is a command to send and the reply it waits
//! for; the driver sends, reads one reply line, and feeds it back.

/// What the replica sends next, or how the handshake ended.
#[derive(Clone, Debug, PartialEq)]
pub enum HandshakeStep {
    /// Send this command (arguments), then feed the reply line to `on_reply`.
    Send(Vec<Vec<u8>>),
    /// The master answered PSYNC.
    Done(PsyncReply),
    /// The master refused: log the message and retry later.
    Failed(String),
}

/// The master's answer to PSYNC.
#[derive(Clone, Debug, PartialEq)]
pub enum PsyncReply {
    /// `+FULLRESYNC <replid> <offset>`: an RDB follows.
    FullResync { replid: String, offset: u64 },
    /// `+CONTINUE [<replid>]`: the stream continues; the ID is given when it changed.
    Continue { new_replid: Option<String> },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Ping,
    Auth,
    Port,
    Ip,
    Capa,
    Psync,
    Finished,
}

/// The handshake's state.
pub struct Handshake {
    stage: Stage,
    auth: Option<(Option<Vec<u8>>, Vec<u8>)>,
    port: u16,
    ip: Option<String>,
    psync_replid: String,
    psync_offset: i64,
    /// `PSYNC ... FAILOVER`: a master handing over to this replica-to-be's target (FAILOVER).
    failover: bool,
}

impl Handshake {
    /// `auth`: (masteruser, masterauth); `psync_replid`/`psync_offset`: the cached master's ID
    /// and next offset, or `"?"`/`-1` for a full sync.
    pub fn new(
        auth: Option<(Option<Vec<u8>>, Vec<u8>)>,
        port: u16,
        ip: Option<String>,
        psync_replid: String,
        psync_offset: i64,
    ) -> Handshake {
        Handshake {
            stage: Stage::Ping,
            auth,
            port,
            ip,
            psync_replid,
            psync_offset,
            failover: false,
        }
    }

    /// Ends the PSYNC with `FAILOVER`, asking the target to become master first (Redis 7.0's
    /// FAILOVER command: the target promotes itself if the ID is its own).
    pub fn with_failover(mut self) -> Handshake {
        self.failover = true;
        self
    }

    /// The first command: PING.
    pub fn start(&mut self) -> HandshakeStep {
        self.stage = Stage::Ping;
        HandshakeStep::Send(vec![b"PING".to_vec()])
    }

    /// Feeds the reply line (without CRLF) to the last command sent.
    pub fn on_reply(&mut self, line: &[u8]) -> HandshakeStep {
        let text = String::from_utf8_lossy(line).into_owned();
        let is_error = line.first() == Some(&b'-');
        match self.stage {
            Stage::Ping => {
                // -NOAUTH and -NOPERM are fine here: AUTH comes next (as Redis accepts them).
                if is_error
                    && !text.starts_with("-NOAUTH")
                    && !text.starts_with("-NOPERM")
                    && !text.starts_with("-ERR operation not permitted")
                {
                    return self.fail(format!("Error reply to PING from master: '{text}'"));
                }
                self.after_ping()
            }
            Stage::Auth => {
                if is_error {
                    return self.fail(format!("Unable to AUTH to MASTER: {text}"));
                }
                self.send_port()
            }
            // Errors to REPLCONF are not fatal: old masters do not know every option.
            Stage::Port => self.send_ip(),
            Stage::Ip => self.send_capa(),
            Stage::Capa => self.send_psync(),
            Stage::Psync => self.psync_reply(&text),
            Stage::Finished => self.fail("unexpected reply after the handshake".into()),
        }
    }

    fn fail(&mut self, msg: String) -> HandshakeStep {
        self.stage = Stage::Finished;
        HandshakeStep::Failed(msg)
    }

    fn after_ping(&mut self) -> HandshakeStep {
        match &self.auth {
            Some((user, pass)) => {
                self.stage = Stage::Auth;
                let mut cmd = vec![b"AUTH".to_vec()];
                if let Some(u) = user {
                    cmd.push(u.clone());
                }
                cmd.push(pass.clone());
                HandshakeStep::Send(cmd)
            }
            None => self.send_port(),
        }
    }

    fn send_port(&mut self) -> HandshakeStep {
        self.stage = Stage::Port;
        HandshakeStep::Send(vec![
            b"REPLCONF".to_vec(),
            b"listening-port".to_vec(),
            self.port.to_string().into_bytes(),
        ])
    }

    fn send_ip(&mut self) -> HandshakeStep {
        match &self.ip {
            Some(ip) => {
                self.stage = Stage::Ip;
                HandshakeStep::Send(vec![
                    b"REPLCONF".to_vec(),
                    b"ip-address".to_vec(),
                    ip.clone().into_bytes(),
                ])
            }
            None => self.send_capa(),
        }
    }

    fn send_capa(&mut self) -> HandshakeStep {
        self.stage = Stage::Capa;
        HandshakeStep::Send(vec![
            b"REPLCONF".to_vec(),
            b"capa".to_vec(),
            b"eof".to_vec(),
            b"capa".to_vec(),
            b"psync2".to_vec(),
        ])
    }

    fn send_psync(&mut self) -> HandshakeStep {
        self.stage = Stage::Psync;
        let mut cmd = vec![
            b"PSYNC".to_vec(),
            self.psync_replid.clone().into_bytes(),
            self.psync_offset.to_string().into_bytes(),
        ];
        if self.failover {
            cmd.push(b"FAILOVER".to_vec());
        }
        HandshakeStep::Send(cmd)
    }

    fn psync_reply(&mut self, text: &str) -> HandshakeStep {
        self.stage = Stage::Finished;
        if let Some(rest) = text.strip_prefix("+FULLRESYNC") {
            let mut parts = rest.split_whitespace();
            let (Some(replid), Some(offset)) = (parts.next(), parts.next()) else {
                return HandshakeStep::Failed(format!(
                    "Master replied with wrong +FULLRESYNC syntax: {text}"
                ));
            };
            let Ok(offset) = offset.parse::<u64>() else {
                return HandshakeStep::Failed(format!(
                    "Master replied with wrong +FULLRESYNC syntax: {text}"
                ));
            };
            if replid.len() != 40 {
                return HandshakeStep::Failed(format!(
                    "Master replied with wrong +FULLRESYNC syntax: {text}"
                ));
            }
            return HandshakeStep::Done(PsyncReply::FullResync {
                replid: replid.to_string(),
                offset,
            });
        }
        if let Some(rest) = text.strip_prefix("+CONTINUE") {
            let new_replid = rest.split_whitespace().next().filter(|id| id.len() == 40);
            return HandshakeStep::Done(PsyncReply::Continue {
                new_replid: new_replid.map(str::to_string),
            });
        }
        HandshakeStep::Failed(format!("Unexpected reply to PSYNC from master: {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(step: HandshakeStep) -> String {
        match step {
            HandshakeStep::Send(args) => args
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            other => panic!("expected a command, got {other:?}"),
        }
    }

    #[test]
    fn full_handshake_in_redis_order() {
        let mut h = Handshake::new(
            Some((None, b"secret".to_vec())),
            6380,
            Some("10.0.0.9".into()),
            "?".into(),
            -1,
        );
        assert_eq!(sent(h.start()), "PING");
        assert_eq!(
            sent(h.on_reply(b"-NOAUTH Authentication required.")),
            "AUTH secret"
        );
        assert_eq!(sent(h.on_reply(b"+OK")), "REPLCONF listening-port 6380");
        assert_eq!(sent(h.on_reply(b"+OK")), "REPLCONF ip-address 10.0.0.9");
        assert_eq!(sent(h.on_reply(b"+OK")), "REPLCONF capa eof capa psync2");
        assert_eq!(sent(h.on_reply(b"+OK")), "PSYNC ? -1");
        let id = "f".repeat(40);
        assert_eq!(
            h.on_reply(format!("+FULLRESYNC {id} 1234").as_bytes()),
            HandshakeStep::Done(PsyncReply::FullResync {
                replid: id,
                offset: 1234
            })
        );
    }

    #[test]
    fn continue_and_failures() {
        let mut h = Handshake::new(None, 7000, None, "a".repeat(40), 101);
        h.start();
        assert_eq!(sent(h.on_reply(b"+PONG")), "REPLCONF listening-port 7000");
        assert_eq!(sent(h.on_reply(b"+OK")), "REPLCONF capa eof capa psync2");
        assert_eq!(
            sent(h.on_reply(b"-ERR unknown")),
            format!("PSYNC {} 101", "a".repeat(40))
        );
        assert_eq!(
            h.on_reply(b"+CONTINUE"),
            HandshakeStep::Done(PsyncReply::Continue { new_replid: None })
        );
        let mut h = Handshake::new(Some((None, b"x".to_vec())), 1, None, "?".into(), -1);
        h.start();
        h.on_reply(b"+PONG");
        assert!(matches!(
            h.on_reply(b"-WRONGPASS nope"),
            HandshakeStep::Failed(_)
        ));
        let mut h = Handshake::new(None, 1, None, "?".into(), -1);
        h.start();
        assert!(matches!(
            h.on_reply(b"-LOADING busy"),
            HandshakeStep::Failed(_)
        ));
    }
}

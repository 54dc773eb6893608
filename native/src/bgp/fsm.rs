//! The BGP-4 finite state machine (RFC 4271 §8) as a pure function over plain data.
//!
//! `Fsm::handle(input) -> Vec<Action>`: no sockets, no clocks, no randomness from the OS.
//! Timer expiries arrive as inputs; timers are started and stopped through actions; the
//! jitter of the retry timers comes from a small PRNG seeded by the driver, so a run is
//! reproducible in tests and 200 peers still do not retry in lock-step.
//!
//! One `Fsm` drives one TCP connection's life at a time. Connection collisions (§6.8) are
//! decided by the session driver, which owns both connections and tells the loser
//! `Input::CollisionLost`.

use std::time::Duration;

/// RFC 4271 §8.2.2 session states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    Idle,
    Connect,
    Active,
    OpenSent,
    OpenConfirm,
    Established,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Idle => "Idle",
            State::Connect => "Connect",
            State::Active => "Active",
            State::OpenSent => "OpenSent",
            State::OpenConfirm => "OpenConfirm",
            State::Established => "Established",
        }
    }
}

/// The timers the FSM asks its driver to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Between outgoing connection attempts (Connect/Active).
    ConnectRetry,
    /// Time to wait in Idle before the automatic restart after an error (backoff).
    IdleHold,
    /// Receive-side liveness: any message from the peer restarts it.
    Hold,
    /// Send-side liveness.
    Keepalive,
}

/// A NOTIFICATION as the FSM deals with it (code, subcode, data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notify {
    pub code: u8,
    pub subcode: u8,
    pub data: Vec<u8>,
}

impl Notify {
    pub fn new(code: u8, subcode: u8) -> Self {
        Notify {
            code,
            subcode,
            data: Vec::new(),
        }
    }
}

/// NOTIFICATION codes and subcodes used by the FSM (RFC 4271 §4.5, RFC 4486, RFC 6608).
pub mod codes {
    pub const OPEN_ERROR: u8 = 2;
    pub const OPEN_BAD_PEER_AS: u8 = 2;
    pub const OPEN_BAD_BGP_ID: u8 = 3;
    pub const OPEN_UNACCEPTABLE_HOLD: u8 = 6;
    pub const HOLD_TIMER_EXPIRED: u8 = 4;
    pub const FSM_ERROR: u8 = 5;
    /// RFC 6608 subcodes of the FSM error.
    pub const FSM_IN_OPENSENT: u8 = 1;
    pub const FSM_IN_OPENCONFIRM: u8 = 2;
    pub const FSM_IN_ESTABLISHED: u8 = 3;
    pub const CEASE: u8 = 6;
    /// RFC 4486 Cease subcodes.
    pub const CEASE_ADMIN_SHUTDOWN: u8 = 2;
    pub const CEASE_PEER_DECONFIGURED: u8 = 3;
    pub const CEASE_CONNECTION_REJECTED: u8 = 5;
    pub const CEASE_OTHER_CONFIG_CHANGE: u8 = 6;
    pub const CEASE_COLLISION: u8 = 7;
    /// RFC 9384.
    pub const CEASE_BFD_DOWN: u8 = 10;
}

/// Why the session is stopped on purpose (each maps to a Cease subcode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    AdminShutdown,
    PeerDeconfigured,
    ConfigChange,
}

impl StopReason {
    pub fn cease_subcode(self) -> u8 {
        match self {
            StopReason::AdminShutdown => codes::CEASE_ADMIN_SHUTDOWN,
            StopReason::PeerDeconfigured => codes::CEASE_PEER_DECONFIGURED,
            StopReason::ConfigChange => codes::CEASE_OTHER_CONFIG_CHANGE,
        }
    }
}

/// The fields of a received OPEN the FSM must check (the codec has already checked the
/// version and the message shape). `asn` is the effective one: the 4-octet capability's
/// value when present, else "My AS".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerOpen {
    pub asn: u32,
    pub hold_time: u16,
    pub router_id: u32,
}

/// What the FSM reacts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    ManualStart,
    ManualStop(StopReason),
    /// A connection from the peer arrived while waiting out the restart backoff: RFC 4271
    /// event 5 (AutomaticStart with passive TCP establishment), Idle → Active.
    AutomaticStartPassive,
    TimerExpired(Timer),
    /// A TCP connection to the peer is up (our outgoing one, or an accepted incoming one).
    TcpConnected,
    TcpConnectFailed,
    /// The peer closed the connection, or reading/writing failed.
    TcpClosed,
    OpenReceived(PeerOpen),
    KeepaliveReceived,
    UpdateReceived,
    RouteRefreshReceived,
    NotificationReceived {
        code: u8,
        subcode: u8,
    },
    /// The codec rejected a message: send this NOTIFICATION and drop the session.
    MessageError(Notify),
    /// Collision detection (§6.8) chose the other connection: close this one with 6/7.
    CollisionLost,
    /// We sent an UPDATE: it does the keepalive's job, so the KeepaliveTimer restarts
    /// (RFC 4271 §8.2.2, Established). A local event, never an error in any state.
    UpdateSent,
}

/// Hold/keepalive values agreed when the OPEN was accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    pub hold_time: u16,
    /// 0 when no keepalives are sent (hold time 0).
    pub keepalive: u16,
    pub peer_router_id: u32,
}

/// What the FSM asks the driver to do, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open an outgoing TCP connection (never emitted for passive peers).
    Connect,
    /// Close the current connection (after flushing what was queued).
    CloseConnection,
    SendOpen,
    SendKeepalive,
    SendNotification(Notify),
    StartTimer(Timer, Duration),
    StopTimer(Timer),
    /// The session reached Established: send the Adj-RIB-Out and End-of-RIB.
    Established(Negotiated),
    /// The session left Established: forget what was advertised and received.
    SessionDown,
    /// The peer asked for a ROUTE-REFRESH: send the table again.
    ResendTable,
    /// An UPDATE arrived on the established session (the driver decodes and counts it).
    ProcessUpdate,
    StateChanged {
        from: State,
        to: State,
    },
}

/// Per-peer settings the FSM needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsmConfig {
    pub local_asn: u32,
    pub peer_asn: u32,
    pub router_id: u32,
    /// Our proposed hold time: 0 or >= 3.
    pub hold_time: u16,
    /// Configured keepalive interval; `None` = hold/3.
    pub keepalive: Option<u16>,
    pub connect_retry: Duration,
    pub connect_retry_max: Duration,
    pub passive: bool,
    /// Seed of the jitter PRNG (e.g. derived from the peer address).
    pub jitter_seed: u64,
}

/// RFC 4271 §8: the "large value" the hold timer gets while waiting for the peer's OPEN.
pub const LARGE_HOLD: Duration = Duration::from_secs(240);

#[derive(Clone, Debug)]
pub struct Fsm {
    config: FsmConfig,
    state: State,
    /// Consecutive failures since the last Established (drives the backoff).
    failures: u32,
    /// Set by ManualStart, cleared by ManualStop: whether errors lead to an automatic restart.
    started: bool,
    negotiated: Option<Negotiated>,
    rng: u64,
}

impl Fsm {
    pub fn new(config: FsmConfig) -> Self {
        let rng = config.jitter_seed | 1;
        Fsm {
            config,
            state: State::Idle,
            failures: 0,
            started: false,
            negotiated: None,
            rng,
        }
    }

    /// A second FSM for an incoming connection that collides with ours (RFC 4271 §6.8):
    /// started, waiting in Active, never connecting out by itself.
    pub fn new_accepting(config: FsmConfig) -> Self {
        let mut f = Fsm::new(config);
        f.started = true;
        f.state = State::Active;
        f
    }

    /// Whether the peer is wanted (errors lead to an automatic restart).
    pub fn is_started(&self) -> bool {
        self.started
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn config(&self) -> &FsmConfig {
        &self.config
    }

    pub fn negotiated(&self) -> Option<Negotiated> {
        self.negotiated
    }

    /// Feeds one input; returns the actions to perform, in order.
    pub fn handle(&mut self, input: Input) -> Vec<Action> {
        let from = self.state;
        let mut out = Vec::new();
        self.step(input, &mut out);
        let to = self.state;
        if from != to {
            if from == State::Established {
                out.push(Action::SessionDown);
            }
            out.push(Action::StateChanged { from, to });
        }
        out
    }

    /// The next retry delay: connectRetry * 2^failures, capped, minus up to 25 % jitter
    /// (RFC 4271 §10 suggests jitter in [0.75, 1.0]).
    fn next_delay(&mut self) -> Duration {
        let base = self.config.connect_retry.max(Duration::from_millis(100));
        let shift = self.failures.min(20);
        let raw = base
            .saturating_mul(1u32 << shift)
            .min(self.config.connect_retry_max.max(base));
        self.failures = self.failures.saturating_add(1);
        // xorshift64: deterministic per seed, different across peers.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let factor = 0.75 + (self.rng % 1000) as f64 / 4000.0;
        raw.mul_f64(factor)
    }

    fn step(&mut self, input: Input, out: &mut Vec<Action>) {
        use Input::*;
        match (self.state, input) {
            (State::Established, UpdateSent) => {
                if let Some(n) = self.negotiated.filter(|n| n.keepalive > 0) {
                    out.push(Action::StartTimer(Timer::Keepalive, secs(n.keepalive)));
                }
            }
            (_, UpdateSent) => {}

            // ---------------------------------------------------------------- Idle
            (State::Idle, ManualStart) => {
                self.started = true;
                self.failures = 0;
                self.start_connecting(out);
            }
            (State::Idle, TimerExpired(Timer::IdleHold)) if self.started => {
                self.start_connecting(out)
            }
            (State::Idle, AutomaticStartPassive) if self.started => {
                out.push(Action::StopTimer(Timer::IdleHold));
                if !self.config.passive {
                    // If this connection fails, call out ourselves after the usual delay.
                    let d = self.next_delay();
                    out.push(Action::StartTimer(Timer::ConnectRetry, d));
                }
                self.state = State::Active;
            }
            (State::Idle, ManualStop(_)) => {
                self.started = false;
                out.push(Action::StopTimer(Timer::IdleHold));
            }
            // A late connection or message in Idle is refused without a NOTIFICATION.
            (State::Idle, TcpConnected) => out.push(Action::CloseConnection),
            (State::Idle, _) => {}

            // ------------------------------------------------- Connect / Active
            (State::Connect | State::Active, TcpConnected) => {
                out.push(Action::StopTimer(Timer::ConnectRetry));
                out.push(Action::SendOpen);
                out.push(Action::StartTimer(Timer::Hold, LARGE_HOLD));
                self.state = State::OpenSent;
            }
            (State::Connect, TcpConnectFailed) => {
                let d = self.next_delay();
                out.push(Action::StartTimer(Timer::ConnectRetry, d));
                self.state = State::Active;
            }
            (State::Connect, TimerExpired(Timer::ConnectRetry)) => {
                // The attempt took too long: drop it and try again.
                out.push(Action::CloseConnection);
                out.push(Action::Connect);
                let d = self.next_delay();
                out.push(Action::StartTimer(Timer::ConnectRetry, d));
            }
            (State::Active, TimerExpired(Timer::ConnectRetry)) if !self.config.passive => {
                out.push(Action::Connect);
                let d = self.next_delay();
                out.push(Action::StartTimer(Timer::ConnectRetry, d));
                self.state = State::Connect;
            }
            (State::Connect | State::Active, ManualStop(_)) => {
                self.started = false;
                out.push(Action::StopTimer(Timer::ConnectRetry));
                out.push(Action::CloseConnection);
                self.state = State::Idle;
            }
            (State::Connect | State::Active, TcpClosed | TcpConnectFailed) => {}
            (State::Connect | State::Active, _) => {}

            // ---------------------------------------------------- any connected state
            (_, ManualStop(reason)) => {
                self.started = false;
                out.push(Action::SendNotification(Notify::new(
                    codes::CEASE,
                    reason.cease_subcode(),
                )));
                self.drop_session(out, false);
            }
            (_, MessageError(n)) => {
                out.push(Action::SendNotification(n));
                self.drop_session(out, true);
            }
            (_, CollisionLost) => {
                out.push(Action::SendNotification(Notify::new(
                    codes::CEASE,
                    codes::CEASE_COLLISION,
                )));
                // Not a failure of the peer: the other connection carries on, no restart here.
                self.started = false;
                self.drop_session(out, false);
            }
            (_, TimerExpired(Timer::Hold)) => {
                out.push(Action::SendNotification(Notify::new(
                    codes::HOLD_TIMER_EXPIRED,
                    0,
                )));
                self.drop_session(out, true);
            }
            (_, TcpClosed | TcpConnectFailed) => self.drop_session(out, true),
            (_, NotificationReceived { .. }) => self.drop_session(out, true),
            (State::OpenConfirm | State::Established, TimerExpired(Timer::Keepalive)) => {
                out.push(Action::SendKeepalive);
                if let Some(n) = self.negotiated.filter(|n| n.keepalive > 0) {
                    out.push(Action::StartTimer(Timer::Keepalive, secs(n.keepalive)));
                }
            }
            (_, TimerExpired(_)) => {}

            // ------------------------------------------------------------ OpenSent
            (State::OpenSent, OpenReceived(open)) => match self.check_open(&open) {
                Err(n) => {
                    out.push(Action::SendNotification(n));
                    self.drop_session(out, true);
                }
                Ok(neg) => {
                    self.negotiated = Some(neg);
                    out.push(Action::SendKeepalive);
                    self.restart_hold(out);
                    if neg.keepalive > 0 {
                        out.push(Action::StartTimer(Timer::Keepalive, secs(neg.keepalive)));
                    }
                    self.state = State::OpenConfirm;
                }
            },
            (State::OpenSent, _) => self.fsm_error(codes::FSM_IN_OPENSENT, out),

            // --------------------------------------------------------- OpenConfirm
            (State::OpenConfirm, KeepaliveReceived) => {
                self.restart_hold(out);
                self.failures = 0;
                self.state = State::Established;
                let neg = self
                    .negotiated
                    .expect("negotiated is set on entering OpenConfirm");
                out.push(Action::Established(neg));
            }
            (State::OpenConfirm, _) => self.fsm_error(codes::FSM_IN_OPENCONFIRM, out),

            // --------------------------------------------------------- Established
            (State::Established, KeepaliveReceived) => self.restart_hold(out),
            (State::Established, UpdateReceived) => {
                self.restart_hold(out);
                out.push(Action::ProcessUpdate);
            }
            (State::Established, RouteRefreshReceived) => {
                self.restart_hold(out);
                out.push(Action::ResendTable);
            }
            (State::Established, _) => self.fsm_error(codes::FSM_IN_ESTABLISHED, out),
        }
    }

    fn start_connecting(&mut self, out: &mut Vec<Action>) {
        out.push(Action::StopTimer(Timer::IdleHold));
        let d = self.next_delay();
        if self.config.passive {
            self.state = State::Active;
        } else {
            out.push(Action::Connect);
            out.push(Action::StartTimer(Timer::ConnectRetry, d));
            self.state = State::Connect;
        }
    }

    fn restart_hold(&self, out: &mut Vec<Action>) {
        match self.negotiated {
            Some(n) if n.hold_time > 0 => {
                out.push(Action::StartTimer(Timer::Hold, secs(n.hold_time)))
            }
            _ => out.push(Action::StopTimer(Timer::Hold)),
        }
    }

    fn fsm_error(&mut self, subcode: u8, out: &mut Vec<Action>) {
        out.push(Action::SendNotification(Notify::new(
            codes::FSM_ERROR,
            subcode,
        )));
        self.drop_session(out, true);
    }

    /// Close the connection, stop the session timers, go to Idle; when `restart` and the
    /// peer is still wanted, arm the backoff timer for the automatic restart.
    fn drop_session(&mut self, out: &mut Vec<Action>, restart: bool) {
        out.push(Action::CloseConnection);
        for t in [Timer::ConnectRetry, Timer::Hold, Timer::Keepalive] {
            out.push(Action::StopTimer(t));
        }
        self.negotiated = None;
        self.state = State::Idle;
        if restart && self.started {
            let d = self.next_delay();
            out.push(Action::StartTimer(Timer::IdleHold, d));
        }
    }

    /// OPEN checks that need the configuration (RFC 4271 §6.2, RFC 6286) and the hold
    /// time negotiation (§4.2, §10).
    fn check_open(&self, open: &PeerOpen) -> Result<Negotiated, Notify> {
        if open.asn != self.config.peer_asn {
            return Err(Notify::new(codes::OPEN_ERROR, codes::OPEN_BAD_PEER_AS));
        }
        let ibgp = self.config.local_asn == self.config.peer_asn;
        if open.router_id == 0 || (ibgp && open.router_id == self.config.router_id) {
            return Err(Notify::new(codes::OPEN_ERROR, codes::OPEN_BAD_BGP_ID));
        }
        if open.hold_time == 1 || open.hold_time == 2 {
            return Err(Notify::new(
                codes::OPEN_ERROR,
                codes::OPEN_UNACCEPTABLE_HOLD,
            ));
        }
        Ok(negotiate(
            self.config.hold_time,
            self.config.keepalive,
            open,
        ))
    }
}

/// Hold time = the smaller proposal (0 = no hold timer, no keepalives); keepalive = the
/// configured interval but never more than a third of the negotiated hold time.
pub fn negotiate(our_hold: u16, our_keepalive: Option<u16>, open: &PeerOpen) -> Negotiated {
    let hold_time = our_hold.min(open.hold_time);
    let keepalive = if hold_time == 0 {
        0
    } else {
        let third = (hold_time / 3).max(1);
        our_keepalive
            .filter(|&k| k > 0)
            .map_or(third, |k| k.min(third))
    };
    Negotiated {
        hold_time,
        keepalive,
        peer_router_id: open.router_id,
    }
}

fn secs(s: u16) -> Duration {
    Duration::from_secs(u64::from(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Input::*;

    const ID_OURS: u32 = 0x0a00_0001;
    const ID_PEER: u32 = 0x0a00_0002;

    fn config(passive: bool) -> FsmConfig {
        FsmConfig {
            local_asn: 65001,
            peer_asn: 65002,
            router_id: ID_OURS,
            hold_time: 90,
            keepalive: None,
            connect_retry: Duration::from_secs(1),
            connect_retry_max: Duration::from_secs(8),
            passive,
            jitter_seed: 42,
        }
    }

    fn open(asn: u32, hold_time: u16, router_id: u32) -> Input {
        OpenReceived(PeerOpen {
            asn,
            hold_time,
            router_id,
        })
    }

    /// Drives a fresh FSM to `state` with the canonical inputs.
    fn fsm_in(state: State, cfg: FsmConfig) -> Fsm {
        let mut f = Fsm::new(cfg);
        let path: &[Input] = match state {
            State::Idle => &[],
            State::Connect => &[ManualStart],
            State::Active => &[ManualStart, TcpConnectFailed],
            State::OpenSent => &[ManualStart, TcpConnected],
            State::OpenConfirm => &[ManualStart, TcpConnected, open(65002, 90, ID_PEER)],
            State::Established => &[
                ManualStart,
                TcpConnected,
                open(65002, 90, ID_PEER),
                KeepaliveReceived,
            ],
        };
        for i in path {
            f.handle(i.clone());
        }
        assert_eq!(f.state(), state);
        f
    }

    fn notify_of(actions: &[Action]) -> Option<(u8, u8)> {
        actions.iter().find_map(|a| match a {
            SendNotification(n) => Some((n.code, n.subcode)),
            _ => None,
        })
    }

    #[test]
    fn transitions_table() {
        // (from, input, to, NOTIFICATION sent)
        type Case = (State, Input, State, Option<(u8, u8)>);
        let cases: Vec<Case> = vec![
            (State::Idle, ManualStart, State::Connect, None),
            (State::Idle, AutomaticStartPassive, State::Idle, None), // not started: refused
            (State::Idle, KeepaliveReceived, State::Idle, None),
            (State::Connect, TcpConnected, State::OpenSent, None),
            (State::Connect, TcpConnectFailed, State::Active, None),
            (
                State::Connect,
                TimerExpired(Timer::ConnectRetry),
                State::Connect,
                None,
            ),
            (
                State::Connect,
                ManualStop(StopReason::AdminShutdown),
                State::Idle,
                None,
            ),
            (
                State::Active,
                TimerExpired(Timer::ConnectRetry),
                State::Connect,
                None,
            ),
            (State::Active, TcpConnected, State::OpenSent, None),
            (
                State::OpenSent,
                open(65002, 90, ID_PEER),
                State::OpenConfirm,
                None,
            ),
            (
                State::OpenSent,
                open(65003, 90, ID_PEER),
                State::Idle,
                Some((2, 2)),
            ),
            (
                State::OpenSent,
                open(65002, 90, 0),
                State::Idle,
                Some((2, 3)),
            ),
            (
                State::OpenSent,
                open(65002, 1, ID_PEER),
                State::Idle,
                Some((2, 6)),
            ),
            (
                State::OpenSent,
                open(65002, 2, ID_PEER),
                State::Idle,
                Some((2, 6)),
            ),
            (
                State::OpenSent,
                open(65002, 0, ID_PEER),
                State::OpenConfirm,
                None,
            ),
            (
                State::OpenSent,
                KeepaliveReceived,
                State::Idle,
                Some((5, 1)),
            ),
            (State::OpenSent, UpdateReceived, State::Idle, Some((5, 1))),
            (
                State::OpenSent,
                TimerExpired(Timer::Hold),
                State::Idle,
                Some((4, 0)),
            ),
            (State::OpenSent, TcpClosed, State::Idle, None),
            (
                State::OpenSent,
                NotificationReceived {
                    code: 2,
                    subcode: 2,
                },
                State::Idle,
                None,
            ),
            (
                State::OpenSent,
                ManualStop(StopReason::AdminShutdown),
                State::Idle,
                Some((6, 2)),
            ),
            (
                State::OpenConfirm,
                KeepaliveReceived,
                State::Established,
                None,
            ),
            (
                State::OpenConfirm,
                UpdateReceived,
                State::Idle,
                Some((5, 2)),
            ),
            (
                State::OpenConfirm,
                open(65002, 90, ID_PEER),
                State::Idle,
                Some((5, 2)),
            ),
            (
                State::OpenConfirm,
                TimerExpired(Timer::Hold),
                State::Idle,
                Some((4, 0)),
            ),
            (
                State::OpenConfirm,
                TimerExpired(Timer::Keepalive),
                State::OpenConfirm,
                None,
            ),
            (State::OpenConfirm, CollisionLost, State::Idle, Some((6, 7))),
            (
                State::Established,
                KeepaliveReceived,
                State::Established,
                None,
            ),
            (State::Established, UpdateReceived, State::Established, None),
            (
                State::Established,
                RouteRefreshReceived,
                State::Established,
                None,
            ),
            (
                State::Established,
                open(65002, 90, ID_PEER),
                State::Idle,
                Some((5, 3)),
            ),
            (
                State::Established,
                TimerExpired(Timer::Hold),
                State::Idle,
                Some((4, 0)),
            ),
            (
                State::Established,
                MessageError(Notify::new(3, 1)),
                State::Idle,
                Some((3, 1)),
            ),
            (
                State::Established,
                ManualStop(StopReason::AdminShutdown),
                State::Idle,
                Some((6, 2)),
            ),
            (
                State::Established,
                ManualStop(StopReason::PeerDeconfigured),
                State::Idle,
                Some((6, 3)),
            ),
            (
                State::Established,
                ManualStop(StopReason::ConfigChange),
                State::Idle,
                Some((6, 6)),
            ),
            (
                State::Established,
                NotificationReceived {
                    code: 6,
                    subcode: 2,
                },
                State::Idle,
                None,
            ),
            (State::Established, TcpClosed, State::Idle, None),
        ];
        for (from, input, to, notify) in cases {
            let mut f = fsm_in(from, config(false));
            let desc = format!("{from:?} + {input:?}");
            let actions = f.handle(input);
            assert_eq!(f.state(), to, "{desc}: {actions:?}");
            assert_eq!(notify_of(&actions), notify, "{desc}: {actions:?}");
            if from != to {
                assert!(actions.contains(&StateChanged { from, to }), "{desc}");
            }
            if to == State::Idle && from != State::Idle {
                assert!(actions.contains(&CloseConnection), "{desc} must close");
            }
        }
    }

    #[test]
    fn an_update_sent_restarts_the_keepalive_timer_in_established_only() {
        // RFC 4271 §8.2.2: sending an UPDATE restarts the KeepaliveTimer (hold 90 → 30 s).
        let mut f = fsm_in(State::Established, config(false));
        let a = f.handle(UpdateSent);
        assert_eq!(
            a,
            vec![StartTimer(Timer::Keepalive, Duration::from_secs(30))]
        );
        assert_eq!(f.state(), State::Established);
        // Hold time 0: no keepalives at all, so nothing to restart.
        let mut f = fsm_in(State::OpenSent, config(false));
        f.handle(open(65002, 0, ID_PEER));
        f.handle(KeepaliveReceived);
        assert_eq!(f.state(), State::Established);
        assert_eq!(f.handle(UpdateSent), vec![]);
        // Any other state: a no-op, never an FSM error.
        for state in [
            State::Idle,
            State::Connect,
            State::Active,
            State::OpenSent,
            State::OpenConfirm,
        ] {
            let mut f = fsm_in(state, config(false));
            assert_eq!(f.handle(UpdateSent), vec![], "{state:?}");
            assert_eq!(f.state(), state);
        }
    }

    #[test]
    fn ibgp_rejects_our_own_router_id() {
        let mut cfg = config(false);
        cfg.peer_asn = cfg.local_asn;
        let mut f = fsm_in(State::OpenSent, cfg);
        let a = f.handle(open(65001, 90, ID_OURS));
        assert_eq!(notify_of(&a), Some((2, 3)));
        // eBGP with the same id is allowed (RFC 6286 only requires uniqueness within an AS).
        let mut f = fsm_in(State::OpenSent, config(false));
        let a = f.handle(open(65002, 90, ID_OURS));
        assert_eq!(notify_of(&a), None);
    }

    #[test]
    fn incoming_connection_during_backoff_starts_passively() {
        let mut f = fsm_in(State::OpenSent, config(false));
        f.handle(TcpClosed);
        assert_eq!(f.state(), State::Idle);
        let a = f.handle(AutomaticStartPassive);
        assert_eq!(f.state(), State::Active);
        assert!(!a.contains(&Connect));
        assert!(a.contains(&StopTimer(Timer::IdleHold)));
        assert!(a
            .iter()
            .any(|x| matches!(x, StartTimer(Timer::ConnectRetry, _))));
        f.handle(TcpConnected);
        assert_eq!(f.state(), State::OpenSent);
    }

    #[test]
    fn passive_peer_never_connects() {
        let mut f = Fsm::new(config(true));
        let a = f.handle(ManualStart);
        assert_eq!(f.state(), State::Active);
        assert!(!a.contains(&Connect));
        let a = f.handle(TimerExpired(Timer::ConnectRetry));
        assert!(!a.contains(&Connect));
        assert_eq!(f.state(), State::Active);
        f.handle(TcpConnected);
        assert_eq!(f.state(), State::OpenSent);
        // After an error the passive peer waits in Active again, still without connecting.
        let a = f.handle(TcpClosed);
        assert!(a
            .iter()
            .any(|x| matches!(x, StartTimer(Timer::IdleHold, _))));
        let a = f.handle(TimerExpired(Timer::IdleHold));
        assert_eq!(f.state(), State::Active);
        assert!(!a.contains(&Connect));
    }

    #[test]
    fn open_sent_uses_large_hold_timer_then_negotiated() {
        let mut f = fsm_in(State::Connect, config(false));
        let a = f.handle(TcpConnected);
        assert_eq!(
            a[..3],
            [
                StopTimer(Timer::ConnectRetry),
                SendOpen,
                StartTimer(Timer::Hold, LARGE_HOLD)
            ]
        );
        let a = f.handle(open(65002, 30, ID_PEER));
        assert!(a.contains(&SendKeepalive));
        assert!(a.contains(&StartTimer(Timer::Hold, Duration::from_secs(30))));
        assert!(a.contains(&StartTimer(Timer::Keepalive, Duration::from_secs(10))));
        let a = f.handle(KeepaliveReceived);
        assert!(a.contains(&Established(Negotiated {
            hold_time: 30,
            keepalive: 10,
            peer_router_id: ID_PEER
        })));
        // Any message restarts the real hold timer.
        let a = f.handle(UpdateReceived);
        assert_eq!(
            a,
            vec![
                StartTimer(Timer::Hold, Duration::from_secs(30)),
                ProcessUpdate
            ]
        );
    }

    #[test]
    fn hold_zero_means_no_timers() {
        let mut f = fsm_in(State::OpenSent, config(false));
        let a = f.handle(open(65002, 0, ID_PEER));
        assert!(a.contains(&StopTimer(Timer::Hold)));
        assert!(!a.iter().any(|x| matches!(
            x,
            StartTimer(Timer::Keepalive, _) | StartTimer(Timer::Hold, _)
        )));
    }

    #[test]
    fn negotiation_table() {
        // (our hold, our keepalive, peer hold) -> (hold, keepalive)
        let cases = [
            (90, None, 90, 90, 30),
            (90, None, 30, 30, 10),
            (9, None, 180, 9, 3),
            (90, Some(10), 90, 90, 10),
            (90, Some(60), 90, 90, 30), // never more than hold/3
            (90, Some(60), 6, 6, 2),
            (0, None, 90, 0, 0),
            (90, None, 0, 0, 0),
            (3, None, 3, 3, 1),
            (4, None, 90, 4, 1),
        ];
        for (ours, ka, peer, hold, keepalive) in cases {
            let n = negotiate(
                ours,
                ka,
                &PeerOpen {
                    asn: 1,
                    hold_time: peer,
                    router_id: 1,
                },
            );
            assert_eq!(
                (n.hold_time, n.keepalive),
                (hold, keepalive),
                "{ours} {ka:?} {peer}"
            );
        }
    }

    fn delay_of(a: &[Action], timer: Timer) -> Duration {
        a.iter()
            .find_map(|x| match x {
                StartTimer(t, d) if *t == timer => Some(*d),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {timer:?} in {a:?}"))
    }

    #[test]
    fn backoff_doubles_is_capped_jittered_and_resets_after_established() {
        let mut f = Fsm::new(config(false));
        let first = delay_of(&f.handle(ManualStart), Timer::ConnectRetry);
        let mut delays = vec![first];
        for _ in 0..6 {
            f.handle(TcpConnectFailed);
            delays.push(delay_of(
                &f.handle(TimerExpired(Timer::ConnectRetry)),
                Timer::ConnectRetry,
            ));
        }
        // Nominal: 1, 2(after fail), 4, 8, 8, ... (each attempt uses two delays: fail + retry).
        for (i, d) in delays.iter().enumerate() {
            let nominal = Duration::from_secs(1u64 << (2 * i).min(3)).min(Duration::from_secs(8));
            assert!(
                *d <= nominal && *d >= nominal.mul_f64(0.75),
                "delay {i}: {d:?} vs {nominal:?}"
            );
        }
        // Established resets the backoff: the next failure waits about connectRetry again.
        f.handle(TcpConnectFailed);
        f.handle(TimerExpired(Timer::ConnectRetry));
        f.handle(TcpConnected);
        f.handle(open(65002, 90, ID_PEER));
        f.handle(KeepaliveReceived);
        assert_eq!(f.state(), State::Established);
        let a = f.handle(TimerExpired(Timer::Hold));
        assert!(a.contains(&SessionDown));
        assert!(delay_of(&a, Timer::IdleHold) <= Duration::from_secs(1));
    }

    #[test]
    fn jitter_differs_between_peers() {
        let delay = |seed| {
            let mut cfg = config(false);
            cfg.jitter_seed = seed;
            delay_of(&Fsm::new(cfg).handle(ManualStart), Timer::ConnectRetry)
        };
        let all: std::collections::HashSet<_> = (1..50u64).map(|s| delay(s * 7919)).collect();
        assert!(all.len() > 10, "{all:?}");
    }

    #[test]
    fn stop_prevents_restart_and_start_again_works() {
        let mut f = fsm_in(State::Established, config(false));
        let a = f.handle(ManualStop(StopReason::AdminShutdown));
        assert!(!a
            .iter()
            .any(|x| matches!(x, StartTimer(Timer::IdleHold, _))));
        assert_eq!(f.handle(TimerExpired(Timer::IdleHold)), vec![]);
        f.handle(ManualStart);
        assert_eq!(f.state(), State::Connect);
    }
}

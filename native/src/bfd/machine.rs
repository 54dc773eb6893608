//! One BFD session as a pure state machine (RFC 5880 §6.8): inputs are received Control
//! packets (already decoded and demultiplexed) and the passage of time; outputs are
//! packets to send and state changes. Asynchronous mode only; no Echo function, no
//! authentication, never Demand mode locally (a remote's Demand mode is honoured).

use std::time::{Duration, Instant};

use super::packet::{diag, BfdState, ControlPacket};

/// §6.8.3: while the session is not Up, Desired Min TX is at least one second.
pub const SLOW_TX_US: u32 = 1_000_000;

/// What the user configures for one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// bfd.DesiredMinTxInterval once Up, µs.
    pub desired_min_tx_us: u32,
    /// bfd.RequiredMinRxInterval, µs (0 = we do not want packets; not offered by config).
    pub required_min_rx_us: u32,
    /// bfd.DetectMult.
    pub detect_mult: u8,
    /// bfd.Role passive: say nothing until the peer speaks (§6.1).
    pub passive: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    Send(ControlPacket),
    StateChanged {
        from: BfdState,
        to: BfdState,
        diag: u8,
    },
}

/// The §6.8.1 state variables plus the two timers.
#[derive(Clone, Debug)]
pub struct Machine {
    cfg: SessionConfig,
    state: BfdState,
    remote_state: BfdState,
    local_discr: u32,
    remote_discr: u32,
    local_diag: u8,
    remote_min_rx_us: u32,
    remote_desired_min_tx_us: u32,
    remote_detect_mult: u8,
    remote_demand: bool,
    /// The Desired Min TX we advertise now (≥ 1 s unless Up).
    desired_min_tx_us: u32,
    /// The Desired Min TX our transmit timer uses: an increase waits for the end of the
    /// Poll Sequence announcing it (§6.8.3).
    tx_basis_us: u32,
    poll_active: bool,
    detect_deadline: Option<Instant>,
    next_tx: Option<Instant>,
    rng: u64,
}

impl Machine {
    /// A session in Down. `local_discr` must be non-zero and unique on this system;
    /// `seed` feeds the transmit jitter.
    pub fn new(cfg: SessionConfig, local_discr: u32, seed: u64, now: Instant) -> Machine {
        let slow = cfg.desired_min_tx_us.max(SLOW_TX_US);
        Machine {
            cfg,
            state: BfdState::Down,
            remote_state: BfdState::Down,
            local_discr,
            remote_discr: 0,
            local_diag: diag::NONE,
            remote_min_rx_us: 1,
            remote_desired_min_tx_us: 0,
            remote_detect_mult: 0,
            remote_demand: false,
            desired_min_tx_us: slow,
            tx_basis_us: slow,
            poll_active: false,
            detect_deadline: None,
            next_tx: if cfg.passive { None } else { Some(now) },
            // xorshift must not start at zero.
            rng: seed | 1,
        }
    }

    pub fn state(&self) -> BfdState {
        self.state
    }

    pub fn remote_state(&self) -> BfdState {
        self.remote_state
    }

    pub fn local_diag(&self) -> u8 {
        self.local_diag
    }

    pub fn local_discriminator(&self) -> u32 {
        self.local_discr
    }

    pub fn remote_discriminator(&self) -> u32 {
        self.remote_discr
    }

    pub fn poll_active(&self) -> bool {
        self.poll_active
    }

    /// §6.8.4: the remote's Detect Mult times the interval it agreed to send at; `None`
    /// before anything was heard.
    pub fn detection_time(&self) -> Option<Duration> {
        if self.remote_detect_mult == 0 {
            return None;
        }
        let agreed = self
            .cfg
            .required_min_rx_us
            .max(self.remote_desired_min_tx_us);
        Some(Duration::from_micros(
            u64::from(self.remote_detect_mult) * u64::from(agreed),
        ))
    }

    /// §6.8.7: the greater of our Desired Min TX and the remote's Required Min RX, before
    /// jitter; `None` when periodic transmission must not happen.
    pub fn transmit_interval(&self) -> Option<Duration> {
        if !self.may_send_periodic() {
            return None;
        }
        Some(Duration::from_micros(u64::from(
            self.tx_basis_us.max(self.remote_min_rx_us),
        )))
    }

    /// When `on_timer` next has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        [self.detect_deadline, self.next_tx]
            .into_iter()
            .flatten()
            .min()
    }

    fn may_send_periodic(&self) -> bool {
        if self.state == BfdState::AdminDown {
            return false;
        }
        if self.cfg.passive && self.remote_discr == 0 {
            return false;
        }
        if self.remote_min_rx_us == 0 {
            return false;
        }
        // §6.6: the remote asked for Demand mode and both sides are Up — unless we are
        // polling, which Demand mode uses to check liveness.
        let demand =
            self.remote_demand && self.state == BfdState::Up && self.remote_state == BfdState::Up;
        !demand || self.poll_active
    }

    fn packet(&self, final_: bool) -> ControlPacket {
        ControlPacket {
            diag: self.local_diag,
            state: self.state,
            // §6.8.7: P and F are never both set.
            poll: self.poll_active && !final_,
            final_,
            control_plane_independent: false,
            demand: false,
            detect_mult: self.cfg.detect_mult,
            my_discriminator: self.local_discr,
            your_discriminator: self.remote_discr,
            desired_min_tx_us: self.desired_min_tx_us,
            required_min_rx_us: self.cfg.required_min_rx_us,
            required_min_echo_rx_us: 0,
        }
    }

    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    /// §6.8.7 jitter: 75–100 % of the interval, 75–90 % when Detect Mult is 1.
    fn jittered(&mut self, interval: Duration) -> Duration {
        let span = if self.cfg.detect_mult == 1 { 151 } else { 251 };
        let per_mille = 750 + self.next_random() % span;
        interval * per_mille as u32 / 1000
    }

    fn schedule_tx(&mut self, now: Instant) {
        self.next_tx = self.transmit_interval().map(|i| now + self.jittered(i));
    }

    /// Desired Min TX follows the state (§6.8.3); a change while Up starts a Poll Sequence.
    fn set_desired_min_tx(&mut self, us: u32) {
        if us == self.desired_min_tx_us {
            return;
        }
        self.desired_min_tx_us = us;
        if us <= self.tx_basis_us || self.state != BfdState::Up {
            self.tx_basis_us = us;
        }
        if self.state == BfdState::Up {
            self.poll_active = true;
        }
    }

    fn change_state(&mut self, to: BfdState, diag: u8, now: Instant, out: &mut Vec<Output>) {
        let from = self.state;
        self.state = to;
        self.local_diag = diag;
        let desired = if to == BfdState::Up {
            self.cfg.desired_min_tx_us
        } else {
            self.cfg.desired_min_tx_us.max(SLOW_TX_US)
        };
        if to != BfdState::Up {
            self.poll_active = false;
        }
        self.set_desired_min_tx(desired);
        out.push(Output::StateChanged { from, to, diag });
        // Tell the peer at once rather than at the next periodic packet.
        if self.may_send_periodic() {
            self.next_tx = Some(now);
        }
    }

    /// §6.8.6 from "If the A bit is clear" on: the packet passed the codec's checks and was
    /// matched to this session.
    pub fn on_packet(&mut self, p: &ControlPacket, now: Instant) -> Vec<Output> {
        let mut out = Vec::new();
        let was_silent = !self.may_send_periodic();
        self.remote_discr = p.my_discriminator;
        self.remote_state = p.state;
        self.remote_demand = p.demand;
        self.remote_min_rx_us = p.required_min_rx_us;
        self.remote_desired_min_tx_us = p.desired_min_tx_us;
        self.remote_detect_mult = p.detect_mult;
        if p.final_ && self.poll_active {
            self.poll_active = false;
            self.tx_basis_us = self.desired_min_tx_us;
        }
        if self.state == BfdState::AdminDown {
            return out;
        }
        // Received for the purposes of Detection Time expiration.
        self.detect_deadline = self.detection_time().map(|d| now + d);
        if p.state == BfdState::AdminDown {
            if self.state != BfdState::Down {
                self.change_state(BfdState::Down, diag::NEIGHBOR_SIGNALED_DOWN, now, &mut out);
            }
        } else {
            match (self.state, p.state) {
                (BfdState::Down, BfdState::Down) => {
                    self.change_state(BfdState::Init, diag::NONE, now, &mut out)
                }
                (BfdState::Down, BfdState::Init)
                | (BfdState::Init, BfdState::Init | BfdState::Up) => {
                    self.change_state(BfdState::Up, diag::NONE, now, &mut out)
                }
                (BfdState::Up, BfdState::Down) => {
                    self.change_state(BfdState::Down, diag::NEIGHBOR_SIGNALED_DOWN, now, &mut out)
                }
                _ => {}
            }
        }
        if p.poll {
            out.push(Output::Send(self.packet(true)));
        }
        // Start talking (passive role), or re-time the transmit timer if the remote now
        // allows a faster rate than the one pending.
        let interval = self.transmit_interval();
        match (interval, self.next_tx) {
            (None, _) => self.next_tx = None,
            (Some(_), None) => self.next_tx = Some(now),
            (Some(i), Some(t)) if was_silent || t > now + i => self.next_tx = Some(now),
            _ => {}
        }
        out
    }

    /// Detection Time expiry and periodic transmission due at `now`.
    pub fn on_timer(&mut self, now: Instant) -> Vec<Output> {
        let mut out = Vec::new();
        if self.detect_deadline.is_some_and(|d| d <= now) {
            self.detect_deadline = None;
            // §6.8.1: with nothing heard for a Detection Time the remote is forgotten.
            self.remote_discr = 0;
            self.remote_state = BfdState::Down;
            self.remote_demand = false;
            if matches!(self.state, BfdState::Init | BfdState::Up) {
                self.change_state(BfdState::Down, diag::DETECTION_TIME_EXPIRED, now, &mut out);
            }
            if !self.may_send_periodic() {
                self.next_tx = None;
            }
        }
        if self.next_tx.is_some_and(|t| t <= now) {
            if self.may_send_periodic() {
                out.push(Output::Send(self.packet(false)));
            }
            self.schedule_tx(now);
        }
        out
    }

    /// §6.8.16: administratively down; returns the packet telling the peer so (its client
    /// protocols should then not treat the session's end as a failure, RFC 5882 §3.2).
    pub fn admin_down(&mut self, now: Instant) -> Vec<Output> {
        let mut out = Vec::new();
        if self.state != BfdState::AdminDown {
            self.change_state(BfdState::AdminDown, diag::ADMIN_DOWN, now, &mut out);
        }
        self.detect_deadline = None;
        self.next_tx = None;
        out.push(Output::Send(self.packet(false)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: SessionConfig = SessionConfig {
        desired_min_tx_us: 300_000,
        required_min_rx_us: 300_000,
        detect_mult: 3,
        passive: false,
    };

    fn remote(state: BfdState) -> ControlPacket {
        ControlPacket {
            diag: 0,
            state,
            poll: false,
            final_: false,
            control_plane_independent: false,
            demand: false,
            detect_mult: 3,
            my_discriminator: 77,
            your_discriminator: if state == BfdState::Down { 0 } else { 1 },
            desired_min_tx_us: 1_000_000,
            required_min_rx_us: 300_000,
            required_min_echo_rx_us: 0,
        }
    }

    fn in_state(s: BfdState, now: Instant) -> Machine {
        let mut m = Machine::new(FAST, 1, 42, now);
        let path: &[BfdState] = match s {
            BfdState::Down => &[],
            BfdState::Init => &[BfdState::Down],
            BfdState::Up => &[BfdState::Init],
            BfdState::AdminDown => &[],
        };
        for &r in path {
            m.on_packet(&remote(r), now);
        }
        if s == BfdState::AdminDown {
            m.admin_down(now);
        }
        assert_eq!(m.state(), s);
        m
    }

    fn sent(out: &[Output]) -> Vec<ControlPacket> {
        out.iter()
            .filter_map(|o| match o {
                Output::Send(p) => Some(*p),
                _ => None,
            })
            .collect()
    }

    /// RFC 5880 §6.2 diagram and the §6.8.6 state table.
    #[test]
    fn reception_transitions() {
        use BfdState::*;
        let cases = [
            (Down, Down, Init, diag::NONE),
            (Down, Init, Up, diag::NONE),
            (Down, Up, Down, diag::NONE),
            (Down, AdminDown, Down, diag::NONE),
            (Init, Down, Init, diag::NONE),
            (Init, Init, Up, diag::NONE),
            (Init, Up, Up, diag::NONE),
            (Init, AdminDown, Down, diag::NEIGHBOR_SIGNALED_DOWN),
            (Up, Down, Down, diag::NEIGHBOR_SIGNALED_DOWN),
            (Up, Init, Up, diag::NONE),
            (Up, Up, Up, diag::NONE),
            (Up, AdminDown, Down, diag::NEIGHBOR_SIGNALED_DOWN),
            (AdminDown, Down, AdminDown, diag::ADMIN_DOWN),
            (AdminDown, Init, AdminDown, diag::ADMIN_DOWN),
            (AdminDown, Up, AdminDown, diag::ADMIN_DOWN),
        ];
        for (from, rx, to, want_diag) in cases {
            let now = Instant::now();
            let mut m = in_state(from, now);
            let out = m.on_packet(&remote(rx), now);
            assert_eq!(m.state(), to, "{from:?} + rx {rx:?}");
            assert_eq!(m.local_diag(), want_diag, "{from:?} + rx {rx:?}: diag");
            let changed = out
                .iter()
                .any(|o| matches!(o, Output::StateChanged { to: t, .. } if *t == to));
            assert_eq!(changed, from != to, "{from:?} + rx {rx:?}: event");
        }
    }

    #[test]
    fn detection_time_expiry() {
        use BfdState::*;
        // (state, what the remote last said, state after a Detection Time of silence)
        let cases = [(Init, Down, Down), (Up, Up, Down), (Down, Up, Down)];
        for (from, last_rx, after) in cases {
            let t0 = Instant::now();
            let mut m = in_state(from, t0);
            m.on_packet(&remote(last_rx), t0);
            assert_eq!(m.state(), from);
            // Remote mult 3 × max(our 300 ms RX, its 1 s TX) = 3 s.
            assert_eq!(m.detection_time(), Some(Duration::from_secs(3)));
            m.on_timer(t0 + Duration::from_millis(2999));
            assert_eq!(m.state(), from);
            let out = m.on_timer(t0 + Duration::from_secs(3));
            assert_eq!(m.state(), after);
            assert_eq!(m.remote_discriminator(), 0, "{from:?}: remote forgotten");
            let event = Output::StateChanged {
                from,
                to: Down,
                diag: diag::DETECTION_TIME_EXPIRED,
            };
            assert_eq!(out.contains(&event), from != Down, "{from:?}");
        }
    }

    /// §6.8.4 / §6.8.7 negotiation: detection = remote mult × max(our RX, its TX);
    /// transmit = max(our TX, its RX).
    #[test]
    fn timer_negotiation() {
        let cases = [
            // (our tx, our rx, remote tx, remote rx, remote mult, want tx, want detect)
            (300_000, 300_000, 300_000, 300_000, 3, 300_000, 900_000),
            (100_000, 500_000, 200_000, 50_000, 3, 100_000, 1_500_000),
            (100_000, 100_000, 250_000, 400_000, 5, 400_000, 1_250_000),
            (50_000, 50_000, 50_000, 50_000, 1, 50_000, 50_000),
        ];
        for (tx, rx, rtx, rrx, rmult, want_tx, want_detect) in cases {
            let cfg = SessionConfig {
                desired_min_tx_us: tx,
                required_min_rx_us: rx,
                detect_mult: 3,
                passive: false,
            };
            let now = Instant::now();
            let mut m = Machine::new(cfg, 1, 7, now);
            let mut p = remote(BfdState::Init);
            p.your_discriminator = 1;
            p.desired_min_tx_us = rtx;
            p.required_min_rx_us = rrx;
            p.detect_mult = rmult;
            m.on_packet(&p, now);
            assert_eq!(m.state(), BfdState::Up);
            assert_eq!(
                m.transmit_interval(),
                Some(Duration::from_micros(want_tx)),
                "{cfg:?}"
            );
            assert_eq!(
                m.detection_time(),
                Some(Duration::from_micros(want_detect)),
                "{cfg:?}"
            );
        }
    }

    #[test]
    fn slow_rate_until_up_then_poll_sequence() {
        let t0 = Instant::now();
        let mut m = Machine::new(FAST, 1, 9, t0);
        let first = sent(&m.on_timer(t0));
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].desired_min_tx_us, SLOW_TX_US, "1 s while Down");
        assert_eq!(first[0].your_discriminator, 0);
        assert!(!first[0].poll);
        // Down → Init → Up.
        m.on_packet(&remote(BfdState::Down), t0);
        assert_eq!(m.state(), BfdState::Init);
        let out = m.on_packet(&remote(BfdState::Up), t0);
        assert_eq!(m.state(), BfdState::Up);
        assert!(sent(&out).is_empty());
        assert!(m.poll_active(), "going to 300 ms starts a Poll Sequence");
        // The decrease applies at once.
        assert_eq!(m.transmit_interval(), Some(Duration::from_millis(300)));
        let p = sent(&m.on_timer(t0));
        assert_eq!(p.len(), 1);
        assert!(p[0].poll && !p[0].final_);
        assert_eq!(p[0].desired_min_tx_us, 300_000);
        assert_eq!(p[0].your_discriminator, 77);
        assert_eq!(p[0].state, BfdState::Up);
        let mut fin = remote(BfdState::Up);
        fin.final_ = true;
        m.on_packet(&fin, t0);
        assert!(!m.poll_active());
        let t1 = m.next_deadline().unwrap();
        let p = sent(&m.on_timer(t1));
        assert!(!p[0].poll, "poll ends with the Final");
        // Down again: back to 1 s, no poll.
        m.on_packet(&remote(BfdState::Down), t1);
        assert_eq!(m.state(), BfdState::Down);
        assert!(!m.poll_active());
        assert_eq!(
            m.transmit_interval(),
            Some(Duration::from_micros(u64::from(SLOW_TX_US)))
        );
    }

    #[test]
    fn an_increase_waits_for_the_final() {
        let cfg = SessionConfig {
            desired_min_tx_us: 2_000_000,
            ..FAST
        };
        let t0 = Instant::now();
        let mut m = Machine::new(cfg, 1, 9, t0);
        assert_eq!(m.transmit_interval(), Some(Duration::from_secs(2)));
        // Not Up: max(config, 1 s) = 2 s from the start; going Up changes nothing.
        m.on_packet(&remote(BfdState::Init), t0);
        assert_eq!(m.state(), BfdState::Up);
        assert!(!m.poll_active());
    }

    #[test]
    fn poll_gets_an_immediate_final() {
        let now = Instant::now();
        let mut m = in_state(BfdState::Up, now);
        let mut p = remote(BfdState::Up);
        p.poll = true;
        let out = sent(&m.on_packet(&p, now));
        assert_eq!(out.len(), 1);
        assert!(out[0].final_ && !out[0].poll);
    }

    #[test]
    fn passive_waits_for_the_peer() {
        let cfg = SessionConfig {
            passive: true,
            ..FAST
        };
        let t0 = Instant::now();
        let mut m = Machine::new(cfg, 1, 3, t0);
        assert_eq!(m.next_deadline(), None);
        assert!(sent(&m.on_timer(t0 + Duration::from_secs(10))).is_empty());
        m.on_packet(&remote(BfdState::Down), t0);
        assert_eq!(m.next_deadline(), Some(t0));
        assert_eq!(sent(&m.on_timer(t0)).len(), 1);
        // After a Detection Time of silence the passive side goes quiet again.
        m.on_timer(t0 + Duration::from_secs(3));
        assert_eq!(m.remote_discriminator(), 0);
        let mut t = t0 + Duration::from_secs(3);
        for _ in 0..5 {
            t += Duration::from_secs(1);
            assert!(sent(&m.on_timer(t)).is_empty());
        }
    }

    #[test]
    fn remote_min_rx_zero_stops_periodic_packets() {
        let now = Instant::now();
        let mut m = in_state(BfdState::Up, now);
        let mut p = remote(BfdState::Up);
        p.required_min_rx_us = 0;
        m.on_packet(&p, now);
        assert_eq!(m.transmit_interval(), None);
        assert!(sent(&m.on_timer(now + Duration::from_millis(500))).is_empty());
    }

    #[test]
    fn remote_demand_mode_stops_periodic_packets_when_both_up() {
        let now = Instant::now();
        let mut m = in_state(BfdState::Up, now);
        let mut fin = remote(BfdState::Up);
        fin.final_ = true;
        fin.demand = true;
        m.on_packet(&fin, now);
        assert_eq!(m.transmit_interval(), None);
    }

    #[test]
    fn jitter_stays_within_75_to_100_percent_and_90_for_mult_1() {
        for (mult, max) in [(3u8, 1000u128), (1, 900)] {
            let cfg = SessionConfig {
                detect_mult: mult,
                desired_min_tx_us: 1_000_000,
                ..FAST
            };
            let t0 = Instant::now();
            let mut m = Machine::new(cfg, 1, 12345, t0);
            let mut t = t0;
            let mut seen = (u128::MAX, 0u128);
            for _ in 0..2000 {
                m.on_timer(t);
                let next = m.next_deadline().unwrap();
                let gap = (next - t).as_millis();
                seen = (seen.0.min(gap), seen.1.max(gap));
                t = next;
            }
            assert!(seen.0 >= 750 && seen.1 <= max, "mult {mult}: {seen:?}");
            assert!(
                seen.0 < 760 && seen.1 > max - 10,
                "mult {mult} spread: {seen:?}"
            );
        }
    }

    #[test]
    fn admin_down_is_sent_and_sticks() {
        let now = Instant::now();
        let mut m = in_state(BfdState::Up, now);
        let out = m.admin_down(now);
        let p = sent(&out);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].state, BfdState::AdminDown);
        assert_eq!(p[0].diag, diag::ADMIN_DOWN);
        assert_eq!(m.next_deadline(), None);
    }

    /// Two machines wired back to back come Up, and one going silent takes the other
    /// Down after its Detection Time.
    #[test]
    fn two_machines_come_up_and_detect_silence() {
        let t0 = Instant::now();
        let mut a = Machine::new(FAST, 11, 1, t0);
        let mut b = Machine::new(
            SessionConfig {
                passive: true,
                ..FAST
            },
            22,
            2,
            t0,
        );
        let b_alive = true;
        let mut a_down_at = None;
        for _ in 0..10_000 {
            let next = [a.next_deadline(), b.next_deadline().filter(|_| b_alive)]
                .into_iter()
                .flatten()
                .min()
                .unwrap();
            let t = next;
            let mut to_b = sent(&a.on_timer(t));
            let mut to_a = if b_alive {
                sent(&b.on_timer(t))
            } else {
                vec![]
            };
            // Deliver until quiet (Final replies may bounce once).
            while !(to_a.is_empty() && to_b.is_empty()) {
                let mut next_b = vec![];
                let mut next_a = vec![];
                for p in to_b.drain(..) {
                    if b_alive {
                        next_a.extend(sent(&b.on_packet(&p, t)));
                    }
                }
                for p in to_a.drain(..) {
                    for o in a.on_packet(&p, t) {
                        match o {
                            Output::Send(p) => next_b.push(p),
                            Output::StateChanged {
                                to: BfdState::Down, ..
                            } => a_down_at = Some(t),
                            _ => {}
                        }
                    }
                }
                to_a = next_a;
                to_b = next_b;
            }
            for o in a.on_timer(t) {
                if let Output::StateChanged {
                    to: BfdState::Down, ..
                } = o
                {
                    a_down_at = Some(t);
                }
            }
            if b_alive
                && a.state() == BfdState::Up
                && b.state() == BfdState::Up
                && !a.poll_active()
                && !b.poll_active()
                && t > t0 + Duration::from_secs(5)
            {
                // b freezes: a hears nothing more.
                let frozen = t;
                while a_down_at.is_none() {
                    let n = a.next_deadline().unwrap();
                    for o in a.on_timer(n) {
                        if let Output::StateChanged {
                            to: BfdState::Down, ..
                        } = o
                        {
                            a_down_at = Some(n);
                        }
                    }
                }
                let took = a_down_at.unwrap() - frozen;
                assert!(took <= Duration::from_millis(900), "{took:?}");
                assert!(took >= Duration::from_millis(500), "{took:?}");
                assert_eq!(a.local_diag(), diag::DETECTION_TIME_EXPIRED);
                return;
            }
        }
        panic!("never came Up: a {:?} b {:?}", a.state(), b.state());
    }
}

//! Running BFD sessions: one tokio task per session driving its `Machine`, and the
//! process-wide receivers on port 3784 that check and demultiplex incoming packets
//! (RFC 5880 §6.3 / RFC 5881 §3: by Your Discriminator, else by the sender's address).
//! A family's receiver exists while a session of that family does (it lingers up to a second
//! after the last one, so a speaker closed and recreated reuses it).
//! Must be used inside a tokio runtime.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::machine::{Machine, Output, SessionConfig};
use super::packet::{BfdState, ControlPacket, Discard};
use super::socket::{self, TTL};
use super::status::BfdStatusData;

/// One state change of a session, as its client sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: BfdState,
    pub to: BfdState,
    /// The local diagnostic after the change.
    pub diag: u8,
    /// What the remote said last (AdminDown: it ended the session on purpose).
    pub remote_state: BfdState,
}

impl Transition {
    /// RFC 5882 §3.2: a path failure for the client — leaving Up, except on our own
    /// AdminDown or because the remote signalled AdminDown.
    pub fn is_failure(&self) -> bool {
        self.from == BfdState::Up
            && self.to == BfdState::Down
            && self.remote_state != BfdState::AdminDown
    }
}

/// Called on every state change.
pub type StateListener = Arc<dyn Fn(Transition) + Send + Sync>;

struct Entry {
    peer: IpAddr,
    packets: mpsc::UnboundedSender<ControlPacket>,
    status: Arc<Mutex<BfdStatusData>>,
}

#[derive(Default)]
struct Registry {
    by_discr: HashMap<u32, Entry>,
    by_peer: HashMap<IpAddr, u32>,
    /// Whether each family's receiver task runs (v4, v6). The task clears its flag and
    /// closes its socket under the registry lock, so a new bind never races a closing one.
    receiver_v4: bool,
    receiver_v6: bool,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn registry() -> MutexGuard<'static, Option<Registry>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

fn lock_status(s: &Mutex<BfdStatusData>) -> MutexGuard<'_, BfdStatusData> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running session. Dropping it (or `stop`) sends AdminDown to the peer and ends it.
pub struct BfdSession {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl BfdSession {
    /// Sends AdminDown and waits for the task to end.
    pub async fn stop(mut self) {
        drop(self.stop.take());
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for BfdSession {
    fn drop(&mut self) {
        // Dropping `stop` wakes the task, which says AdminDown and unregisters.
        drop(self.stop.take());
    }
}

/// Starts a single-hop session to `peer`; `status` is where it reports.
pub fn start(
    peer: IpAddr,
    local: Option<IpAddr>,
    cfg: SessionConfig,
    status: Arc<Mutex<BfdStatusData>>,
    listener: StateListener,
) -> io::Result<BfdSession> {
    let seed = random_u64();
    let sender = socket::bind_sender(peer, local, seed)?;
    let (packets_tx, packets_rx) = mpsc::unbounded_channel();
    let discr = {
        let mut guard = registry();
        let reg = guard.get_or_insert_with(Registry::default);
        let receiver = if peer.is_ipv4() {
            &mut reg.receiver_v4
        } else {
            &mut reg.receiver_v6
        };
        if !*receiver {
            let sock = socket::bind_receiver(peer.is_ipv6()).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("binding UDP port {}: {e}", socket::CONTROL_PORT),
                )
            })?;
            *receiver = true;
            tokio::spawn(receive_loop(sock, peer.is_ipv6()));
        }
        let mut discr = (seed >> 32) as u32;
        while discr == 0 || reg.by_discr.contains_key(&discr) {
            discr = discr.wrapping_add(1);
        }
        reg.by_discr.insert(
            discr,
            Entry {
                peer,
                packets: packets_tx,
                status: status.clone(),
            },
        );
        // A session being replaced (peer config changed) may still be saying AdminDown:
        // packets without Your Discriminator go to the newest session from now on.
        reg.by_peer.insert(peer, discr);
        discr
    };
    {
        let mut st = lock_status(&status);
        st.local_discr = discr;
        st.state = BfdState::Down;
    }
    let machine = Machine::new(cfg, discr, seed, Instant::now());
    let (stop_tx, stop_rx) = oneshot::channel();
    let task = tokio::spawn(run(
        machine, peer, sender, packets_rx, stop_rx, status, listener,
    ));
    Ok(BfdSession {
        stop: Some(stop_tx),
        task: Some(task),
    })
}

fn unregister(discr: u32, peer: IpAddr) {
    let mut guard = registry();
    let Some(reg) = guard.as_mut() else { return };
    reg.by_discr.remove(&discr);
    if reg.by_peer.get(&peer) == Some(&discr) {
        reg.by_peer.remove(&peer);
    }
}

async fn run(
    mut m: Machine,
    peer: IpAddr,
    sock: UdpSocket,
    mut packets: mpsc::UnboundedReceiver<ControlPacket>,
    mut stop: oneshot::Receiver<()>,
    status: Arc<Mutex<BfdStatusData>>,
    listener: StateListener,
) {
    let discr = m.local_discriminator();
    loop {
        let deadline = m.next_deadline().map(tokio::time::Instant::from_std);
        let has_deadline = deadline.is_some();
        let (outputs, received, stopping) = tokio::select! {
            biased;
            _ = &mut stop => (m.admin_down(Instant::now()), false, true),
            p = packets.recv() => match p {
                Some(p) => (m.on_packet(&p, Instant::now()), true, false),
                None => (m.admin_down(Instant::now()), false, true),
            },
            _ = async { tokio::time::sleep_until(deadline.expect("guarded")).await }, if has_deadline => {
                (m.on_timer(Instant::now()), false, false)
            }
        };
        let mut changes = Vec::new();
        let mut to_send = Vec::new();
        for o in outputs {
            match o {
                Output::Send(p) => to_send.push(p),
                Output::StateChanged { from, to, diag } => changes.push((from, to, diag)),
            }
        }
        let mut send_error = None;
        let mut sent = 0u64;
        for p in &to_send {
            // A failed send (peer unreachable, ICMP refused) is not fatal: the Detection
            // Time on both sides decides.
            match sock.send(&p.encode()).await {
                Ok(_) => sent += 1,
                Err(e) => send_error = Some(format!("sending to {peer}: {e}")),
            }
        }
        {
            let mut st = lock_status(&status);
            if received {
                st.packets_in += 1;
            }
            st.packets_out += sent;
            if send_error.is_some() {
                st.last_error = send_error;
            }
            st.state = m.state();
            st.remote_state = m.remote_state();
            st.local_diag = m.local_diag();
            st.remote_discr = m.remote_discriminator();
            st.detection_time = m.detection_time();
            st.transmit_interval = m.transmit_interval();
            for &(from, to, _) in &changes {
                if from == BfdState::Up && to != BfdState::Up {
                    st.down_events += 1;
                }
            }
        }
        for (from, to, diag) in changes {
            listener(Transition {
                from,
                to,
                diag,
                remote_state: m.remote_state(),
            });
        }
        if stopping {
            break;
        }
    }
    unregister(discr, peer);
}

/// Where a discarded packet is counted: the session it names, or the sender's session.
fn count_discard(reg: &Registry, from: IpAddr, why: Discard) {
    let entry = reg.by_peer.get(&from).and_then(|d| reg.by_discr.get(d));
    if let Some(e) = entry {
        let mut st = lock_status(&e.status);
        st.discarded += 1;
        st.last_error = Some(format!("discarded a packet from {from}: {}", why.as_str()));
    }
}

/// Checks one datagram and hands it to its session.
fn dispatch(reg: &Registry, bytes: &[u8], from: IpAddr, ttl: Option<u8>) {
    if ttl != Some(TTL) {
        return count_discard(reg, from, Discard::BadTtl);
    }
    let p = match ControlPacket::decode(bytes) {
        Ok(p) => p,
        Err(why) => return count_discard(reg, from, why),
    };
    let discr = if p.your_discriminator != 0 {
        if !reg.by_discr.contains_key(&p.your_discriminator) {
            return count_discard(reg, from, Discard::UnknownDiscriminator);
        }
        p.your_discriminator
    } else {
        match reg.by_peer.get(&from) {
            Some(d) => *d,
            None => return,
        }
    };
    match reg.by_discr.get(&discr) {
        // Single hop: the session named must also be the one with this neighbour.
        Some(e) if e.peer == from => {
            let _ = e.packets.send(p);
        }
        _ => count_discard(reg, from, Discard::NoSession),
    }
}

enum Wake {
    Datagram(io::Result<socket::Received>),
    Tick,
}

/// Receives for one address family until no session of that family is left.
async fn receive_loop(sock: UdpSocket, v6: bool) {
    let mut buf = [0u8; 512];
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        let wake = tokio::select! {
            r = socket::recv(&sock, &mut buf) => Wake::Datagram(r),
            _ = tick.tick() => Wake::Tick,
        };
        match wake {
            Wake::Datagram(Ok(r)) => {
                let guard = registry();
                if let Some(reg) = guard.as_ref() {
                    dispatch(reg, &buf[..r.len], r.from, r.ttl);
                }
            }
            Wake::Datagram(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            // ICMP errors reported on the socket and the like: keep receiving.
            Wake::Datagram(Err(_)) => {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await
            }
            Wake::Tick => {
                let mut guard = registry();
                let Some(reg) = guard.as_mut() else { continue };
                if reg.by_discr.values().any(|e| e.peer.is_ipv6() == v6) {
                    continue;
                }
                if v6 {
                    reg.receiver_v6 = false;
                } else {
                    reg.receiver_v4 = false;
                }
                // Closed before the lock is released: the next `start` binds afresh.
                drop(sock);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn fast() -> SessionConfig {
        SessionConfig {
            desired_min_tx_us: 50_000,
            required_min_rx_us: 50_000,
            detect_mult: 3,
            passive: false,
        }
    }

    async fn until(what: &str, f: impl Fn() -> bool) {
        for _ in 0..500 {
            if f() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out waiting for {what}");
    }

    fn snapshot(s: &Arc<Mutex<BfdStatusData>>) -> BfdStatusData {
        lock_status(s).clone()
    }

    /// Two sessions over loopback (127.0.0.1 ↔ 127.0.0.2) through the real sockets: they
    /// come Up, bad packets are counted and dropped, AdminDown takes the other side Down.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_sessions_over_loopback() {
        let a_ip: IpAddr = "127.0.0.1".parse().unwrap();
        let b_ip: IpAddr = "127.0.0.2".parse().unwrap();
        let a_status = Arc::new(Mutex::new(BfdStatusData::default()));
        let b_status = Arc::new(Mutex::new(BfdStatusData::default()));
        let a_changes = Arc::new(Mutex::new(Vec::new()));
        let seen = a_changes.clone();
        let a = start(
            b_ip,
            Some(a_ip),
            fast(),
            a_status.clone(),
            Arc::new(move |t: Transition| seen.lock().unwrap().push(t)),
        )
        .expect("session a");
        let b = start(
            a_ip,
            Some(b_ip),
            SessionConfig {
                passive: true,
                ..fast()
            },
            b_status.clone(),
            Arc::new(|_| {}),
        )
        .expect("session b");
        until("both Up", || {
            snapshot(&a_status).state == BfdState::Up && snapshot(&b_status).state == BfdState::Up
        })
        .await;
        let a_now = snapshot(&a_status);
        assert_eq!(a_now.remote_discr, snapshot(&b_status).local_discr);
        assert_eq!(a_now.detection_time, Some(Duration::from_millis(150)));
        assert!(a_now.packets_in > 0 && a_now.packets_out > 0);

        // From b's address: a truncated packet, then a valid-looking one with TTL 64.
        let raw = std::net::UdpSocket::bind((b_ip, 0)).unwrap();
        raw.send_to(&[0x20, 0x40, 3], (a_ip, socket::CONTROL_PORT))
            .unwrap();
        until("truncated packet counted", || {
            snapshot(&a_status).discarded == 1
        })
        .await;
        raw.set_ttl(64).unwrap();
        let p = ControlPacket {
            diag: 0,
            state: BfdState::Down,
            poll: false,
            final_: false,
            control_plane_independent: false,
            demand: false,
            detect_mult: 3,
            my_discriminator: 9,
            your_discriminator: 0,
            desired_min_tx_us: 1_000_000,
            required_min_rx_us: 1_000_000,
            required_min_echo_rx_us: 0,
        };
        raw.send_to(&p.encode(), (a_ip, socket::CONTROL_PORT))
            .unwrap();
        until("TTL 64 packet counted", || {
            snapshot(&a_status).discarded == 2
        })
        .await;
        assert!(snapshot(&a_status)
            .last_error
            .unwrap()
            .contains("TTL/hop limit not 255"));
        assert_eq!(
            snapshot(&a_status).state,
            BfdState::Up,
            "bad packets change nothing"
        );

        b.stop().await;
        until("a Down", || snapshot(&a_status).state == BfdState::Down).await;
        let changes = a_changes.lock().unwrap().clone();
        let last = *changes.last().unwrap();
        assert_eq!(
            last,
            Transition {
                from: BfdState::Up,
                to: BfdState::Down,
                diag: super::super::packet::diag::NEIGHBOR_SIGNALED_DOWN,
                remote_state: BfdState::AdminDown,
            }
        );
        assert!(
            !last.is_failure(),
            "the remote's AdminDown is not a path failure"
        );
        assert_eq!(snapshot(&a_status).down_events, 1);
        a.stop().await;
        assert!(registry().as_ref().unwrap().by_discr.is_empty());
        until("port 3784 released", || {
            std::net::UdpSocket::bind((a_ip, socket::CONTROL_PORT)).is_ok()
        })
        .await;
    }
}

#[cfg(test)]
mod transition_tests {
    use super::*;
    use BfdState::*;

    #[test]
    fn which_transitions_are_failures_for_the_client() {
        let cases = [
            (Up, Down, Down, true),
            (Up, Down, Init, true),
            (Up, Down, Up, true),
            (Up, Down, AdminDown, false),
            (Up, AdminDown, Up, false),
            (Init, Down, Down, false),
            (Down, Init, Down, false),
            (Init, Up, Up, false),
        ];
        for (from, to, remote_state, want) in cases {
            let t = Transition {
                from,
                to,
                diag: 0,
                remote_state,
            };
            assert_eq!(t.is_failure(), want, "{t:?}");
        }
    }
}

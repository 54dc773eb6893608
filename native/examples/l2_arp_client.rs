//! Benchmark client for the L2 announcer, run inside a client network namespace.
//!
//! `l2_arp_client garp IFACE EXPECT TIMEOUT_MS`
//!     counts gratuitous ARP frames (sender IP = target IP) until EXPECT arrived or the
//!     timeout passed; prints {"frames","firstUs","lastUs"} (CLOCK_MONOTONIC µs).
//! `l2_arp_client flood IFACE RATE DURATION_MS OWNED_BASE OWNED_COUNT`
//!     sends ARP requests at RATE/s for random targets (90 % among the OWNED_COUNT addresses
//!     from OWNED_BASE, 10 % outside), matches replies to requests and prints latency
//!     percentiles and how many requests for owned addresses went unanswered.
//!
//! Each request carries a distinct sender IP (100.64.0.0 + sequence number), so the reply's
//! target IP says which request it answers.

// The announcer's own codecs and socket layer, compiled in directly: linking the addon crate
// would pull in napi symbols that only exist inside Node.
#![allow(dead_code)]
#[path = "../src/l2/arp.rs"]
mod arp;
#[path = "../src/l2/bpf.rs"]
mod bpf;
#[path = "../src/l2/ethernet.rs"]
mod ethernet;
#[path = "../src/l2/ndp.rs"]
mod ndp;
#[path = "../src/l2/sys.rs"]
mod sys;

use std::net::Ipv4Addr;
use std::process::ExitCode;

use bpf::Insn;
use ethernet::BROADCAST;
use sys::{monotonic_us, PacketSocket};

const ALL_ARP: [Insn; 1] = [Insn {
    code: 0x06,
    jt: 0,
    jf: 0,
    k: 0x0004_0000,
}];
const SEQ_BASE: u32 = u32::from_be_bytes([100, 64, 0, 0]);
const BATCH_EVERY_US: u64 = 1000;

fn open(iface: &str) -> Result<(PacketSocket, [u8; 6]), String> {
    let info = sys::link_info(iface)
        .map_err(|e| e.to_string())?
        .ok_or(format!("no interface {iface}"))?;
    let sock = PacketSocket::open(info.ifindex, 0x0806, &ALL_ARP).map_err(|e| e.to_string())?;
    sock.set_receive_buffer(64 << 20)
        .map_err(|e| e.to_string())?;
    Ok((sock, info.mac))
}

fn wait_readable(sock: &PacketSocket, timeout_us: u64) {
    let mut p = [libc::pollfd {
        fd: sock.raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    }];
    let _ = sys::poll(&mut p, timeout_us.div_ceil(1000) as i32);
}

fn garp(iface: &str, expect: usize, timeout_ms: u64) -> Result<String, String> {
    let (sock, mac) = open(iface)?;
    eprintln!("ready");
    let deadline = monotonic_us() + timeout_ms * 1000;
    let (mut frames, mut first, mut last) = (0usize, 0u64, 0u64);
    let mut buf = [0u8; 2048];
    while frames < expect && monotonic_us() < deadline {
        match sock.recv(&mut buf).map_err(|e| e.to_string())? {
            Some((n, _)) => {
                let f = &buf[..n];
                if n >= 42 && f[6..12] != mac && f[28..32] == f[38..42] {
                    let now = monotonic_us();
                    if frames == 0 {
                        first = now;
                    }
                    last = now;
                    frames += 1;
                }
            }
            None => wait_readable(&sock, 10_000),
        }
    }
    Ok(format!(
        r#"{{"frames":{frames},"firstUs":{first},"lastUs":{last}}}"#
    ))
}

/// xorshift64*: deterministic, good enough to pick targets.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn flood(
    iface: &str,
    rate: u64,
    duration_ms: u64,
    base: Ipv4Addr,
    owned: u32,
) -> Result<String, String> {
    let (sock, mac) = open(iface)?;
    let total = (rate * duration_ms / 1000) as usize;
    let per_batch = (rate * BATCH_EVERY_US / 1_000_000).max(1) as usize;
    let base = u32::from(base);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Per request: target, whether owned, send time, reply latency.
    let mut targets = Vec::with_capacity(total);
    for _ in 0..total {
        let r = rng.next();
        let is_owned = !r.is_multiple_of(10);
        let t = if is_owned {
            base + (r >> 8) as u32 % owned
        } else {
            base + owned + 256 + (r >> 8) as u32 % 4096
        };
        targets.push((Ipv4Addr::from(t), is_owned));
    }
    let mut sent_at = vec![0u64; total];
    let mut latency: Vec<Option<u64>> = vec![None; total];
    let (mut duplicates, mut stray) = (0u64, 0u64);
    let mut buf = [0u8; 2048];
    let start = monotonic_us();
    let mut next = 0usize;
    let mut frames: Vec<Vec<u8>> = Vec::with_capacity(per_batch);
    let end_at = start + duration_ms * 1000 + 500_000;
    let (cpu0, _) = cpu_us();
    loop {
        let now = monotonic_us();
        // Send every batch that is due (catching up if we fell behind).
        while next < total && now >= start + (next / per_batch) as u64 * BATCH_EVERY_US {
            frames.clear();
            let upto = (next + per_batch).min(total);
            for (seq, (target, _)) in targets.iter().enumerate().take(upto).skip(next) {
                let mut f = Vec::with_capacity(60);
                arp::request(
                    &mut f,
                    BROADCAST,
                    mac,
                    Ipv4Addr::from(SEQ_BASE + seq as u32),
                    *target,
                );
                frames.push(f);
            }
            let t = monotonic_us();
            if let (_, Some(e)) = sock.send_all(&frames) {
                return Err(e.to_string());
            }
            for s in sent_at.iter_mut().take(upto).skip(next) {
                *s = t;
            }
            next = upto;
        }
        // Read replies.
        while let Some((n, _)) = sock.recv(&mut buf).map_err(|e| e.to_string())? {
            let f = &buf[..n];
            if n < 42 || f[20..22] != [0, 2] || f[0..6] != mac {
                continue;
            }
            let tpa = u32::from_be_bytes([f[38], f[39], f[40], f[41]]);
            let seq = tpa.wrapping_sub(SEQ_BASE) as usize;
            if seq >= next {
                continue;
            }
            let spa = Ipv4Addr::new(f[28], f[29], f[30], f[31]);
            if spa != targets[seq].0 || !targets[seq].1 {
                stray += 1;
            } else if latency[seq].is_some() {
                duplicates += 1;
            } else {
                latency[seq] = Some(monotonic_us() - sent_at[seq]);
            }
        }
        let now = monotonic_us();
        if next >= total && now >= end_at {
            break;
        }
        let wake = if next < total {
            start + (next / per_batch) as u64 * BATCH_EVERY_US
        } else {
            end_at
        };
        if wake > now {
            wait_readable(&sock, wake - now);
        }
    }
    let (cpu1, _) = cpu_us();
    let elapsed_s = (monotonic_us() - start) as f64 / 1e6;
    let sent_owned = targets.iter().filter(|t| t.1).count();
    let mut lat: Vec<u64> = latency.iter().flatten().copied().collect();
    lat.sort_unstable();
    let unanswered = targets
        .iter()
        .zip(&latency)
        .filter(|(t, l)| t.1 && l.is_none())
        .count();
    let send_secs = duration_ms as f64 / 1000.0;
    Ok(format!(
        concat!(
            r#"{{"sent":{},"sentOwned":{},"replies":{},"unansweredOwned":{},"repliesForNotOwned":{},"#,
            r#""duplicates":{},"rate":{:.0},"p50Us":{},"p99Us":{},"maxUs":{},"clientCpuPct":{:.1}}}"#
        ),
        total,
        sent_owned,
        lat.len(),
        unanswered,
        stray,
        duplicates,
        total as f64 / send_secs,
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0),
        (cpu1 - cpu0) as f64 / 1e4 / elapsed_s,
    ))
}

/// CPU time this process used (user + system), µs.
fn cpu_us() -> (u64, ()) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields
            .get(12)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    (ticks * 10_000, ())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_default();
    let num = |i: usize| arg(i).parse::<u64>().unwrap_or(0);
    let result = match arg(1).as_str() {
        "garp" => garp(&arg(2), num(3) as usize, num(4)),
        "flood" => match arg(5).parse() {
            Ok(base) => flood(&arg(2), num(3), num(4), base, num(6) as u32),
            Err(_) => Err(format!("bad OWNED_BASE {}", arg(5))),
        },
        _ => Err("usage: l2_arp_client garp IFACE EXPECT TIMEOUT_MS | flood IFACE RATE DURATION_MS BASE COUNT".into()),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("l2_arp_client: {e}");
            ExitCode::FAILURE
        }
    }
}

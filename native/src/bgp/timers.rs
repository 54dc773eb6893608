//! The FSM's timers as deadlines: the session driver sleeps until the earliest one and
//! feeds its expiry back into the FSM. No tokio here, so it is testable with plain Instants.

use std::time::{Duration, Instant};

use super::fsm::Timer;

const ALL: [Timer; 4] = [
    Timer::ConnectRetry,
    Timer::IdleHold,
    Timer::Hold,
    Timer::Keepalive,
];

fn slot(t: Timer) -> usize {
    match t {
        Timer::ConnectRetry => 0,
        Timer::IdleHold => 1,
        Timer::Hold => 2,
        Timer::Keepalive => 3,
    }
}

#[derive(Clone, Debug, Default)]
pub struct Timers {
    deadlines: [Option<Instant>; 4],
}

impl Timers {
    pub fn start(&mut self, t: Timer, after: Duration, now: Instant) {
        self.deadlines[slot(t)] = Some(now + after);
    }

    pub fn stop(&mut self, t: Timer) {
        self.deadlines[slot(t)] = None;
    }

    pub fn stop_all(&mut self) {
        self.deadlines = [None; 4];
    }

    pub fn is_running(&self, t: Timer) -> bool {
        self.deadlines[slot(t)].is_some()
    }

    /// The earliest running deadline.
    pub fn next(&self) -> Option<Instant> {
        self.deadlines.iter().flatten().min().copied()
    }

    /// Removes and returns the timers due at `now`, earliest first.
    pub fn take_expired(&mut self, now: Instant) -> Vec<Timer> {
        let mut due: Vec<(Instant, Timer)> = ALL
            .iter()
            .filter_map(|&t| {
                self.deadlines[slot(t)]
                    .filter(|d| *d <= now)
                    .map(|d| (d, t))
            })
            .collect();
        due.sort_by_key(|(d, _)| *d);
        for (_, t) in &due {
            self.stop(*t);
        }
        due.into_iter().map(|(_, t)| t).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_restart_replaces() {
        let t0 = Instant::now();
        let mut t = Timers::default();
        assert_eq!(t.next(), None);
        t.start(Timer::Hold, Duration::from_secs(9), t0);
        t.start(Timer::Keepalive, Duration::from_secs(3), t0);
        assert_eq!(t.next(), Some(t0 + Duration::from_secs(3)));
        assert!(t.take_expired(t0 + Duration::from_secs(2)).is_empty());
        assert_eq!(
            t.take_expired(t0 + Duration::from_secs(3)),
            vec![Timer::Keepalive]
        );
        assert!(!t.is_running(Timer::Keepalive));
        // Restarting the hold timer moves its deadline (a message arrived).
        t.start(
            Timer::Hold,
            Duration::from_secs(9),
            t0 + Duration::from_secs(5),
        );
        assert!(t.take_expired(t0 + Duration::from_secs(10)).is_empty());
        t.start(Timer::ConnectRetry, Duration::from_secs(1), t0);
        assert_eq!(
            t.take_expired(t0 + Duration::from_secs(20)),
            vec![Timer::ConnectRetry, Timer::Hold]
        );
        t.start(Timer::IdleHold, Duration::from_secs(1), t0);
        t.stop_all();
        assert_eq!(t.next(), None);
    }
}

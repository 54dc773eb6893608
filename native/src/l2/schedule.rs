//! When gratuitous ARP / unsolicited NA rounds go out, and the validated announcer options.

use std::time::Duration;

pub const DEFAULT_GARP_INTERVAL_MS: u32 = 1100;
pub const DEFAULT_GARP_COUNT: u32 = 5;

/// The announcement schedule: `count` rounds `interval` apart, the first one immediately, then
/// (optionally) one round every `refresh` for switches and hosts that age their entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub interval: Duration,
    pub count: u32,
    pub refresh: Option<Duration>,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            interval: Duration::from_millis(DEFAULT_GARP_INTERVAL_MS.into()),
            count: DEFAULT_GARP_COUNT,
            refresh: None,
        }
    }
}

impl Schedule {
    /// Validates user options; the error names the offending field.
    pub fn from_options(
        interval_ms: Option<u32>,
        count: Option<u32>,
        refresh_ms: Option<u32>,
    ) -> Result<Schedule, String> {
        let interval_ms = interval_ms.unwrap_or(DEFAULT_GARP_INTERVAL_MS);
        if !(10..=3_600_000).contains(&interval_ms) {
            return Err(format!(
                "garpIntervalMs must be between 10 and 3600000, got {interval_ms}"
            ));
        }
        let count = count.unwrap_or(DEFAULT_GARP_COUNT);
        if count > 1000 {
            return Err(format!("garpCount must be between 0 and 1000, got {count}"));
        }
        let refresh_ms = refresh_ms.unwrap_or(0);
        if refresh_ms != 0 && !(100..=86_400_000).contains(&refresh_ms) {
            return Err(format!(
                "refreshIntervalMs must be 0 (off) or between 100 and 86400000, got {refresh_ms}"
            ));
        }
        Ok(Schedule {
            interval: Duration::from_millis(interval_ms.into()),
            count,
            refresh: (refresh_ms > 0).then(|| Duration::from_millis(refresh_ms.into())),
        })
    }

    /// Whether a round goes out the moment an address is announced.
    pub fn immediate(&self) -> bool {
        self.count > 0
    }

    /// The wait before the next round once `rounds_sent` rounds have gone out; `None` = done.
    pub fn delay_after(&self, rounds_sent: u32) -> Option<Duration> {
        if rounds_sent < self.count {
            Some(self.interval)
        } else {
            self.refresh
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    /// Offsets (ms from announce) of the first `n` rounds.
    fn timeline(s: &Schedule, n: usize) -> Vec<u64> {
        let mut out = Vec::new();
        let (mut t, mut sent) = (Duration::ZERO, 0);
        if s.immediate() {
            out.push(0);
            sent = 1;
        }
        while out.len() < n {
            let Some(d) = s.delay_after(sent) else { break };
            t += d;
            out.push(t.as_millis() as u64);
            sent += 1;
        }
        out
    }

    #[test]
    fn timelines() {
        let cases = [
            (
                "defaults: 5 rounds 1.1 s apart",
                Schedule::default(),
                vec![0, 1100, 2200, 3300, 4400],
            ),
            (
                "with refresh",
                Schedule {
                    interval: ms(100),
                    count: 2,
                    refresh: Some(ms(1000)),
                },
                vec![0, 100, 1100, 2100],
            ),
            (
                "single round",
                Schedule {
                    interval: ms(100),
                    count: 1,
                    refresh: None,
                },
                vec![0],
            ),
            (
                "refresh only",
                Schedule {
                    interval: ms(100),
                    count: 0,
                    refresh: Some(ms(500)),
                },
                vec![500, 1000],
            ),
            (
                "nothing",
                Schedule {
                    interval: ms(100),
                    count: 0,
                    refresh: None,
                },
                vec![],
            ),
        ];
        for (name, s, want) in cases {
            assert_eq!(
                timeline(&s, want.len() + 1)[..want.len()],
                want[..],
                "{name}"
            );
            if s.refresh.is_none() {
                assert_eq!(
                    timeline(&s, want.len() + 1).len(),
                    want.len(),
                    "{name}: ends"
                );
            }
        }
    }

    #[test]
    fn options() {
        assert_eq!(
            Schedule::from_options(None, None, None),
            Ok(Schedule::default())
        );
        assert_eq!(
            Schedule::from_options(Some(200), Some(3), Some(60_000)),
            Ok(Schedule {
                interval: ms(200),
                count: 3,
                refresh: Some(ms(60_000))
            })
        );
        let bad = [
            (Some(5), None, None, "garpIntervalMs"),
            (None, Some(1001), None, "garpCount"),
            (None, None, Some(50), "refreshIntervalMs"),
        ];
        for (i, c, r, field) in bad {
            let err = Schedule::from_options(i, c, r).unwrap_err();
            assert!(err.starts_with(field), "{err}");
        }
    }
}

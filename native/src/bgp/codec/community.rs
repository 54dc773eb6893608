//! String forms of communities (RFC 1997) and large communities (RFC 8092), as operators and
//! MetalLB's BGPAdvertisement write them.

use super::attributes::*;

/// Well-known community names we accept, with their values.
pub const WELL_KNOWN_COMMUNITIES: &[(&str, u32)] = &[
    ("no-export", COMMUNITY_NO_EXPORT),
    ("no-advertise", COMMUNITY_NO_ADVERTISE),
    ("no-export-subconfed", COMMUNITY_NO_EXPORT_SUBCONFED),
    ("local-as", COMMUNITY_NO_EXPORT_SUBCONFED),
    ("no-peer", COMMUNITY_NOPEER),
    ("blackhole", COMMUNITY_BLACKHOLE),
    ("graceful-shutdown", COMMUNITY_GRACEFUL_SHUTDOWN),
];

/// Parses "65000:100" (each half 0..65535) or a well-known name (case-insensitive).
pub fn parse_community(s: &str) -> Result<u32, String> {
    let t = s.trim();
    if let Some(&(_, v)) = WELL_KNOWN_COMMUNITIES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(t))
    {
        return Ok(v);
    }
    let bad = || {
        let names: Vec<&str> = WELL_KNOWN_COMMUNITIES.iter().map(|(n, _)| *n).collect();
        format!(
            "'{s}' is not a valid community (expected A:B with each half 0..65535, or one of {})",
            names.join(", ")
        )
    };
    let (a, b) = t.split_once(':').ok_or_else(bad)?;
    let half = |x: &str| -> Result<u32, String> {
        if x.is_empty() || !x.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        x.parse::<u16>()
            .map(u32::from)
            .map_err(|_| format!("'{s}' is not a valid community (each half 0..65535)"))
    };
    Ok((half(a)? << 16) | half(b)?)
}

/// "A:B" form of a community value.
pub fn format_community(c: u32) -> String {
    format!("{}:{}", c >> 16, c & 0xffff)
}

/// Parses "1:2:3" or "large:1:2:3" (each part 0..4294967295).
pub fn parse_large_community(s: &str) -> Result<LargeCommunity, String> {
    let t = s.trim();
    let body = t
        .strip_prefix("large:")
        .or_else(|| t.strip_prefix("LARGE:"))
        .unwrap_or(t);
    let parts: Vec<&str> = body.split(':').collect();
    let bad = || {
        format!(
            "'{s}' is not a valid large community (expected A:B:C with each part 0..4294967295)"
        )
    };
    if parts.len() != 3 {
        return Err(bad());
    }
    let mut v = [0u32; 3];
    for (slot, part) in v.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        *slot = part.parse().map_err(|_| bad())?;
    }
    Ok(LargeCommunity {
        global: v[0],
        local1: v[1],
        local2: v[2],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn communities() {
        let ok = [
            ("65000:100", 0xFDE8_0064),
            ("0:0", 0),
            ("65535:65535", 0xFFFF_FFFF),
            (" 1:2 ", 0x0001_0002),
            ("no-export", 0xFFFF_FF01),
            ("NO-EXPORT", 0xFFFF_FF01),
            ("no-advertise", 0xFFFF_FF02),
            ("no-export-subconfed", 0xFFFF_FF03),
            ("local-as", 0xFFFF_FF03),
            ("no-peer", 0xFFFF_FF04),
            ("blackhole", 0xFFFF_029A),
            ("graceful-shutdown", 0xFFFF_0000),
        ];
        for (s, want) in ok {
            assert_eq!(parse_community(s), Ok(want), "{s}");
        }
        let bad = [
            ("70000:1", "each half 0..65535"),
            ("1:70000", "each half 0..65535"),
            ("1", "expected A:B"),
            ("1:2:3", "expected A:B"),
            ("-1:2", "expected A:B"),
            ("+1:2", "expected A:B"),
            (":", "expected A:B"),
            ("no-exports", "no-export, no-advertise"),
        ];
        for (s, want) in bad {
            let e = parse_community(s).expect_err(s);
            assert!(
                e.contains(want) && e.contains(&format!("'{s}'")),
                "{s}: {e}"
            );
        }
        assert_eq!(format_community(0xFDE8_0064), "65000:100");
    }

    #[test]
    fn large_communities() {
        let want = LargeCommunity {
            global: 4_200_000_000,
            local1: 1,
            local2: 4_294_967_295,
        };
        assert_eq!(parse_large_community("4200000000:1:4294967295"), Ok(want));
        assert_eq!(
            parse_large_community("large:4200000000:1:4294967295"),
            Ok(want)
        );
        for s in [
            "1:2",
            "1:2:3:4",
            "1:2:4294967296",
            "a:b:c",
            "large:1:2",
            "1::3",
            "-1:2:3",
        ] {
            let e = parse_large_community(s).expect_err(s);
            assert!(e.contains("is not a valid large community"), "{s}: {e}");
        }
    }
}

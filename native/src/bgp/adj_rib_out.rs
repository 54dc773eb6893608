//! Adj-RIB-Out: the desired route set seen from each peer, and the difference between
//! what a peer was sent and what it should have now.
//!
//! A peer's view is a sorted, compact table prefix → attribute-set id (8 bytes per IPv4
//! route, 24 per IPv6 route). Peers to which the same groups apply share one view through
//! an `Arc`, and a session remembers what it sent as the `Arc` of the view it last sent:
//! 200 sessions with the same million routes hold one table, not 200.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Index into the speaker's interned attribute sets. Equal ids = equal attributes, so a
/// changed id for a prefix means "re-announce with the new attributes".
pub type AttrId = u32;

/// Attribute ids are packed into 24 bits of a table entry.
pub const MAX_ATTR_ID: AttrId = (1 << 24) - 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct V4Prefix {
    pub addr: u32,
    pub len: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct V6Prefix {
    pub addr: u128,
    pub len: u8,
}

impl V4Prefix {
    /// `None` when the length is over 32 or host bits are set.
    pub fn new(addr: u32, len: u8) -> Option<Self> {
        let mask = if len == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(len.min(32)))
        };
        (len <= 32 && addr & !mask == 0).then_some(V4Prefix { addr, len })
    }
}

impl V6Prefix {
    pub fn new(addr: u128, len: u8) -> Option<Self> {
        let mask = if len == 0 {
            0
        } else {
            u128::MAX << (128 - u32::from(len.min(128)))
        };
        (len <= 128 && addr & !mask == 0).then_some(V6Prefix { addr, len })
    }
}

/// One group of `setRoutes`: one attribute set, the peers it goes to, its prefixes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteGroup {
    pub attr: AttrId,
    /// `None` or empty = every peer.
    pub peers: Option<Vec<String>>,
    pub v4: Vec<V4Prefix>,
    pub v6: Vec<V6Prefix>,
}

impl RouteGroup {
    fn applies_to(&self, peer: &str) -> bool {
        match &self.peers {
            None => true,
            Some(p) if p.is_empty() => true,
            Some(p) => p.iter().any(|n| n == peer),
        }
    }
}

/// IPv4 entry: address (32) | length (8) | attribute id (24). Sorting by the whole key
/// sorts by prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct V4Entry(u64);

impl V4Entry {
    fn new(p: V4Prefix, attr: AttrId) -> Self {
        V4Entry(u64::from(p.addr) << 32 | u64::from(p.len) << 24 | u64::from(attr & MAX_ATTR_ID))
    }
    fn prefix_key(self) -> u64 {
        self.0 >> 24
    }
    fn prefix(self) -> V4Prefix {
        V4Prefix {
            addr: (self.0 >> 32) as u32,
            len: (self.0 >> 24) as u8,
        }
    }
    fn attr(self) -> AttrId {
        (self.0 & u64::from(MAX_ATTR_ID)) as AttrId
    }
}

/// IPv6 entry with 8-byte alignment (a u128 would pad the entry to 32 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct V6Entry {
    hi: u64,
    lo: u64,
    /// length (8) | attribute id (24)
    meta: u32,
}

impl V6Entry {
    fn new(p: V6Prefix, attr: AttrId) -> Self {
        V6Entry {
            hi: (p.addr >> 64) as u64,
            lo: p.addr as u64,
            meta: u32::from(p.len) << 24 | (attr & MAX_ATTR_ID),
        }
    }
    fn prefix_key(&self) -> (u64, u64, u8) {
        (self.hi, self.lo, (self.meta >> 24) as u8)
    }
    fn prefix(&self) -> V6Prefix {
        V6Prefix {
            addr: u128::from(self.hi) << 64 | u128::from(self.lo),
            len: (self.meta >> 24) as u8,
        }
    }
    fn attr(&self) -> AttrId {
        self.meta & MAX_ATTR_ID
    }
}

/// What one peer should have: sorted by prefix, one entry per prefix.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PeerView {
    v4: Vec<V4Entry>,
    v6: Vec<V6Entry>,
}

impl PeerView {
    /// Union of the groups in order; a prefix in several groups takes the attributes of the
    /// last group that lists it.
    pub fn build(groups: &[&RouteGroup]) -> Self {
        let mut v4: Vec<V4Entry> = Vec::with_capacity(groups.iter().map(|g| g.v4.len()).sum());
        let mut v6: Vec<V6Entry> = Vec::with_capacity(groups.iter().map(|g| g.v6.len()).sum());
        for g in groups {
            v4.extend(g.v4.iter().map(|&p| V4Entry::new(p, g.attr)));
            v6.extend(g.v6.iter().map(|&p| V6Entry::new(p, g.attr)));
        }
        // Stable sort by prefix only keeps group order among duplicates; keep the last.
        v4.sort_by_key(|e| e.prefix_key());
        v6.sort_by_key(|e| e.prefix_key());
        dedup_keep_last(&mut v4, |e| e.prefix_key());
        dedup_keep_last(&mut v6, |e| e.prefix_key());
        v4.shrink_to_fit();
        v6.shrink_to_fit();
        PeerView { v4, v6 }
    }

    pub fn empty() -> Arc<PeerView> {
        Arc::new(PeerView::default())
    }

    pub fn len_v4(&self) -> usize {
        self.v4.len()
    }

    pub fn len_v6(&self) -> usize {
        self.v6.len()
    }

    /// The attribute sets used by the view (ascending, distinct), per family.
    pub fn attr_ids(&self, families: Families) -> Vec<AttrId> {
        let mut ids: Vec<AttrId> = Vec::new();
        if families.v4 {
            ids.extend(self.v4.iter().map(|e| e.attr()));
        }
        if families.v6 {
            ids.extend(self.v6.iter().map(|e| e.attr()));
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// From index `*pos`, appends up to `max` IPv4 prefixes that carry `attr` to `out` and
    /// advances `*pos` past what was scanned (for sending a shared view without copying it).
    pub fn collect_v4(&self, attr: AttrId, pos: &mut usize, max: usize, out: &mut Vec<V4Prefix>) {
        while *pos < self.v4.len() && out.len() < max {
            let e = self.v4[*pos];
            if e.attr() == attr {
                out.push(e.prefix());
            }
            *pos += 1;
        }
    }

    /// Same as `collect_v4` for IPv6.
    pub fn collect_v6(&self, attr: AttrId, pos: &mut usize, max: usize, out: &mut Vec<V6Prefix>) {
        while *pos < self.v6.len() && out.len() < max {
            let e = &self.v6[*pos];
            if e.attr() == attr {
                out.push(e.prefix());
            }
            *pos += 1;
        }
    }

    /// Bytes held by the tables (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.v4.capacity() * std::mem::size_of::<V4Entry>()
            + self.v6.capacity() * std::mem::size_of::<V6Entry>()
    }
}

fn dedup_keep_last<T: Copy, K: PartialEq>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
    if v.len() < 2 {
        return;
    }
    let mut w = 0;
    for r in 0..v.len() {
        if r + 1 < v.len() && key(&v[r]) == key(&v[r + 1]) {
            continue;
        }
        v[w] = v[r];
        w += 1;
    }
    v.truncate(w);
}

/// The whole desired route set of the speaker.
#[derive(Clone, Debug, Default)]
pub struct DesiredRoutes {
    pub groups: Vec<RouteGroup>,
}

impl DesiredRoutes {
    /// One view per peer name; peers with the same applicable groups share one `Arc`.
    pub fn views_for<'a>(
        &self,
        peers: impl IntoIterator<Item = &'a str>,
    ) -> HashMap<String, Arc<PeerView>> {
        let mut by_groups: HashMap<Vec<usize>, Arc<PeerView>> = HashMap::new();
        let mut out = HashMap::new();
        for peer in peers {
            let which: Vec<usize> = (0..self.groups.len())
                .filter(|&i| self.groups[i].applies_to(peer))
                .collect();
            let view = by_groups
                .entry(which)
                .or_insert_with_key(|which| {
                    let gs: Vec<&RouteGroup> = which.iter().map(|&i| &self.groups[i]).collect();
                    Arc::new(PeerView::build(&gs))
                })
                .clone();
            out.insert(peer.to_string(), view);
        }
        out
    }
}

/// Address families negotiated on a session; routes of other families are never sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Families {
    pub v4: bool,
    pub v6: bool,
}

/// What to send to move a peer from one view to another.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub withdraw_v4: Vec<V4Prefix>,
    pub withdraw_v6: Vec<V6Prefix>,
    /// Per attribute set (ascending id): the prefixes to (re)announce with it.
    pub announce: BTreeMap<AttrId, (Vec<V4Prefix>, Vec<V6Prefix>)>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.withdraw_v4.is_empty() && self.withdraw_v6.is_empty() && self.announce.is_empty()
    }

    pub fn announced_count(&self) -> usize {
        self.announce.values().map(|(a, b)| a.len() + b.len()).sum()
    }
}

/// Merge-walks the two sorted views: gone → withdraw, new or with other attributes →
/// announce (an announcement replaces the old route, RFC 4271 §3.1).
pub fn diff(old: &PeerView, new: &PeerView, families: Families) -> Diff {
    let mut d = Diff::default();
    if families.v4 {
        merge(
            &old.v4,
            &new.v4,
            |e| e.prefix_key(),
            |e| e.attr(),
            |e| d.withdraw_v4.push(e.prefix()),
            |e| d.announce.entry(e.attr()).or_default().0.push(e.prefix()),
        );
    }
    if families.v6 {
        let (mut w, mut a) = (Vec::new(), Vec::new());
        merge(
            &old.v6,
            &new.v6,
            |e| e.prefix_key(),
            |e| e.attr(),
            |e| w.push(e.prefix()),
            |e| a.push(*e),
        );
        d.withdraw_v6 = w;
        for e in a {
            d.announce.entry(e.attr()).or_default().1.push(e.prefix());
        }
    }
    d
}

fn merge<T, K: Ord>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> K,
    attr: impl Fn(&T) -> AttrId,
    mut withdraw: impl FnMut(&T),
    mut announce: impl FnMut(&T),
) {
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if j == new.len() {
            withdraw(&old[i]);
            i += 1;
        } else if i == old.len() {
            announce(&new[j]);
            j += 1;
        } else {
            match key(&old[i]).cmp(&key(&new[j])) {
                std::cmp::Ordering::Less => {
                    withdraw(&old[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    announce(&new[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    if attr(&old[i]) != attr(&new[j]) {
                        announce(&new[j]);
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p4(s: &str) -> V4Prefix {
        let (a, l) = s.split_once('/').unwrap();
        V4Prefix::new(
            u32::from(a.parse::<std::net::Ipv4Addr>().unwrap()),
            l.parse().unwrap(),
        )
        .unwrap()
    }
    fn p6(s: &str) -> V6Prefix {
        let (a, l) = s.split_once('/').unwrap();
        V6Prefix::new(
            u128::from(a.parse::<std::net::Ipv6Addr>().unwrap()),
            l.parse().unwrap(),
        )
        .unwrap()
    }
    fn group(attr: AttrId, peers: &[&str], v4: &[&str], v6: &[&str]) -> RouteGroup {
        RouteGroup {
            attr,
            peers: if peers.is_empty() {
                None
            } else {
                Some(peers.iter().map(|s| s.to_string()).collect())
            },
            v4: v4.iter().map(|s| p4(s)).collect(),
            v6: v6.iter().map(|s| p6(s)).collect(),
        }
    }
    const BOTH: Families = Families { v4: true, v6: true };

    #[test]
    fn prefix_validation() {
        assert!(V4Prefix::new(0x0a00_0000, 8).is_some());
        assert!(V4Prefix::new(0x0a00_0001, 8).is_none(), "host bits");
        assert!(V4Prefix::new(0, 0).is_some());
        assert!(V4Prefix::new(1, 33).is_none());
        assert!(V4Prefix::new(u32::MAX, 32).is_some());
        assert!(V6Prefix::new(1, 128).is_some());
        assert!(V6Prefix::new(1, 127).is_none());
        assert!(V6Prefix::new(0, 129).is_none());
    }

    #[test]
    fn diff_table() {
        // (old groups, new groups, withdrawn v4, announced (attr, v4))
        type Case = (
            Vec<RouteGroup>,
            Vec<RouteGroup>,
            Vec<&'static str>,
            Vec<(AttrId, Vec<&'static str>)>,
        );
        let cases: Vec<Case> = vec![
            (
                vec![],
                vec![group(1, &[], &["10.0.0.1/32", "10.0.0.2/32"], &[])],
                vec![],
                vec![(1, vec!["10.0.0.1/32", "10.0.0.2/32"])],
            ),
            (
                vec![group(1, &[], &["10.0.0.1/32", "10.0.0.2/32"], &[])],
                vec![],
                vec!["10.0.0.1/32", "10.0.0.2/32"],
                vec![],
            ),
            (
                vec![group(1, &[], &["10.0.0.1/32"], &[])],
                vec![group(1, &[], &["10.0.0.1/32"], &[])],
                vec![],
                vec![],
            ),
            // attribute change re-announces without a withdraw
            (
                vec![group(1, &[], &["10.0.0.1/32"], &[])],
                vec![group(2, &[], &["10.0.0.1/32"], &[])],
                vec![],
                vec![(2, vec!["10.0.0.1/32"])],
            ),
            // mixed: keep, drop, add, change
            (
                vec![group(
                    1,
                    &[],
                    &["10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32"],
                    &[],
                )],
                vec![
                    group(1, &[], &["10.0.0.1/32", "10.0.0.4/32"], &[]),
                    group(2, &[], &["10.0.0.3/32"], &[]),
                ],
                vec!["10.0.0.2/32"],
                vec![(1, vec!["10.0.0.4/32"]), (2, vec!["10.0.0.3/32"])],
            ),
            // same address, different lengths are different prefixes
            (
                vec![group(1, &[], &["10.0.0.0/24"], &[])],
                vec![group(1, &[], &["10.0.0.0/25"], &[])],
                vec!["10.0.0.0/24"],
                vec![(1, vec!["10.0.0.0/25"])],
            ),
            // a prefix in two groups: the later group wins
            (
                vec![],
                vec![
                    group(1, &[], &["10.0.0.1/32"], &[]),
                    group(2, &[], &["10.0.0.1/32"], &[]),
                ],
                vec![],
                vec![(2, vec!["10.0.0.1/32"])],
            ),
        ];
        for (i, (old, new, withdrawn, announced)) in cases.into_iter().enumerate() {
            let o = PeerView::build(&old.iter().collect::<Vec<_>>());
            let n = PeerView::build(&new.iter().collect::<Vec<_>>());
            let d = diff(&o, &n, BOTH);
            let w: Vec<V4Prefix> = withdrawn.iter().map(|s| p4(s)).collect();
            assert_eq!(d.withdraw_v4, w, "case {i}");
            let a: Vec<(AttrId, Vec<V4Prefix>)> = d
                .announce
                .iter()
                .map(|(k, (v4, _))| (*k, v4.clone()))
                .collect();
            let expect: Vec<(AttrId, Vec<V4Prefix>)> = announced
                .iter()
                .map(|(k, v)| (*k, v.iter().map(|s| p4(s)).collect()))
                .collect();
            assert_eq!(a, expect, "case {i}");
            // Applying the diff to the old view yields the new one.
            assert!(diff(&n, &n, BOTH).is_empty());
        }
    }

    #[test]
    fn ipv6_and_family_filter() {
        let old = PeerView::build(&[&group(
            1,
            &[],
            &["10.0.0.1/32"],
            &["2001:db8::1/128", "2001:db8::/64"],
        )]);
        let new = PeerView::build(&[&group(1, &[], &[], &["2001:db8::/64", "2001:db8:1::/48"])]);
        let d = diff(&old, &new, BOTH);
        assert_eq!(d.withdraw_v6, vec![p6("2001:db8::1/128")]);
        assert_eq!(d.withdraw_v4, vec![p4("10.0.0.1/32")]);
        assert_eq!(d.announce[&1].1, vec![p6("2001:db8:1::/48")]);
        let d = diff(
            &old,
            &new,
            Families {
                v4: true,
                v6: false,
            },
        );
        assert!(d.withdraw_v6.is_empty() && d.announce.is_empty());
        assert_eq!(d.withdraw_v4.len(), 1);
    }

    #[test]
    fn peers_share_views_and_filters_apply() {
        let routes = DesiredRoutes {
            groups: vec![
                group(1, &[], &["10.0.0.1/32"], &[]),
                group(2, &["b"], &["10.0.0.2/32"], &[]),
            ],
        };
        let views = routes.views_for(["a", "b", "c"]);
        assert!(Arc::ptr_eq(&views["a"], &views["c"]));
        assert!(!Arc::ptr_eq(&views["a"], &views["b"]));
        assert_eq!(views["a"].len_v4(), 1);
        assert_eq!(views["b"].len_v4(), 2);
    }

    #[test]
    fn collecting_by_attribute_walks_the_view_in_chunks() {
        let view = PeerView::build(&[
            &group(1, &[], &["10.0.0.1/32", "10.0.0.3/32"], &["2001:db8::/64"]),
            &group(2, &[], &["10.0.0.2/32"], &[]),
        ]);
        assert_eq!(view.attr_ids(BOTH), vec![1, 2]);
        assert_eq!(
            view.attr_ids(Families {
                v4: false,
                v6: true
            }),
            vec![1]
        );
        let (mut pos, mut out) = (0, vec![]);
        view.collect_v4(1, &mut pos, 1, &mut out);
        assert_eq!((out.clone(), pos), (vec![p4("10.0.0.1/32")], 1));
        view.collect_v4(1, &mut pos, 10, &mut out);
        assert_eq!((out, pos), (vec![p4("10.0.0.1/32"), p4("10.0.0.3/32")], 3));
        let (mut pos, mut out) = (0, vec![]);
        view.collect_v6(1, &mut pos, 10, &mut out);
        assert_eq!(out, vec![p6("2001:db8::/64")]);
    }

    #[test]
    fn million_prefixes_are_compact_and_diff_fast() {
        let v4: Vec<V4Prefix> = (0..1_000_000u32)
            .map(|i| V4Prefix {
                addr: 0x0a00_0000 + i,
                len: 32,
            })
            .collect();
        let g = RouteGroup {
            attr: 7,
            peers: None,
            v4,
            v6: vec![],
        };
        let view = PeerView::build(&[&g]);
        assert_eq!(view.len_v4(), 1_000_000);
        assert_eq!(view.heap_bytes(), 8_000_000);
        let d = diff(&PeerView::default(), &view, BOTH);
        assert_eq!(d.announced_count(), 1_000_000);
        assert_eq!(
            d.announce[&7].0[0],
            V4Prefix {
                addr: 0x0a00_0000,
                len: 32
            }
        );
    }
}

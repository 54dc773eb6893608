//! A JSON view of decoded messages, for tests and debugging tools (`bgpDecodeMessages`).
//! Hand-written to avoid a serde dependency for one function; keys are camelCase.

use std::fmt::Write;

use super::*;

/// Minimal JSON object builder: `{"a":1,"b":"x"}`.
struct Obj(String);

impl Obj {
    fn new() -> Obj {
        Obj(String::from("{"))
    }

    fn key(&mut self, k: &str) -> &mut String {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        let _ = write!(self.0, "\"{k}\":");
        &mut self.0
    }

    fn raw(mut self, k: &str, v: impl std::fmt::Display) -> Obj {
        let _ = write!(self.key(k), "{v}");
        self
    }

    fn str(mut self, k: &str, v: &str) -> Obj {
        let s = quote(v);
        self.key(k).push_str(&s);
        self
    }

    fn opt_raw(self, k: &str, v: Option<impl std::fmt::Display>) -> Obj {
        match v {
            Some(v) => self.raw(k, v),
            None => self,
        }
    }

    fn opt_str(self, k: &str, v: Option<String>) -> Obj {
        match v {
            Some(v) => self.str(k, &v),
            None => self,
        }
    }

    fn done(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn str_array<I: IntoIterator<Item = String>>(items: I) -> String {
    let v: Vec<String> = items.into_iter().map(|s| quote(&s)).collect();
    format!("[{}]", v.join(","))
}

fn raw_array<I: IntoIterator<Item = String>>(items: I) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(","))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn family_obj(f: Family) -> String {
    Obj::new()
        .raw("afi", f.afi)
        .raw("safi", f.safi)
        .str("name", &f.to_string())
        .done()
}

fn capability_json(c: &Capability) -> String {
    let o = Obj::new().raw("code", c.code());
    match c {
        Capability::Multiprotocol(f) => o
            .str("name", "multiprotocol")
            .raw("afi", f.afi)
            .raw("safi", f.safi),
        Capability::RouteRefresh => o.str("name", "route-refresh"),
        Capability::EnhancedRouteRefresh => o.str("name", "enhanced-route-refresh"),
        Capability::FourOctetAs(asn) => o.str("name", "four-octet-as").raw("asn", asn),
        Capability::GracefulRestart {
            flags,
            restart_time,
            families,
        } => o
            .str("name", "graceful-restart")
            .raw("flags", flags)
            .raw("restartTime", restart_time)
            .raw(
                "families",
                raw_array(families.iter().map(|f| {
                    Obj::new()
                        .raw("afi", f.family.afi)
                        .raw("safi", f.family.safi)
                        .raw("flags", f.flags)
                        .done()
                })),
            ),
        Capability::Unknown { value, .. } => o.str("name", "unknown").str("value", &hex(value)),
    }
    .done()
}

fn open_json(m: &Open) -> String {
    let gr = m.graceful_restart().map(|g| {
        Obj::new()
            .raw("restarting", g.restarting)
            .raw("restartTime", g.restart_time)
            .raw(
                "families",
                raw_array(g.families.iter().map(|f| family_obj(f.family))),
            )
            .done()
    });
    Obj::new()
        .raw("version", m.version)
        .raw("myAs", m.my_as)
        .raw("asn", m.peer_asn())
        .raw("fourOctetAs", m.four_octet_as().is_some())
        .raw("holdTime", m.hold_time)
        .str("bgpId", &m.bgp_id.to_string())
        .raw(
            "families",
            raw_array(m.families().into_iter().map(family_obj)),
        )
        .raw("routeRefresh", m.supports_route_refresh())
        .opt_raw("gracefulRestart", gr)
        .raw(
            "capabilities",
            raw_array(m.capabilities.iter().map(capability_json)),
        )
        .done()
}

fn segment_kind(k: SegmentKind) -> &'static str {
    match k {
        SegmentKind::Set => "set",
        SegmentKind::Sequence => "sequence",
        SegmentKind::ConfedSequence => "confed-sequence",
        SegmentKind::ConfedSet => "confed-set",
    }
}

fn attributes_json(a: &PathAttributes) -> String {
    let path = a.as_path.as_ref();
    Obj::new()
        .opt_str("origin", a.origin.map(|o| o.name().to_string()))
        .opt_str("asPath", path.map(|p| p.to_string()))
        .opt_raw(
            "asPathSegments",
            path.map(|p| {
                raw_array(p.segments.iter().map(|s| {
                    Obj::new()
                        .str("type", segment_kind(s.kind))
                        .raw("asns", raw_array(s.asns.iter().map(u32::to_string)))
                        .done()
                }))
            }),
        )
        .opt_str("nextHop", a.next_hop.map(|n| n.to_string()))
        .opt_raw("med", a.med)
        .opt_raw("localPref", a.local_pref)
        .raw("atomicAggregate", a.atomic_aggregate)
        .opt_raw(
            "aggregator",
            a.aggregator.map(|g| {
                Obj::new()
                    .raw("asn", g.asn)
                    .str("address", &g.address.to_string())
                    .done()
            }),
        )
        .raw(
            "communities",
            str_array(a.communities.iter().map(|&c| format_community(c))),
        )
        .raw(
            "largeCommunities",
            str_array(a.large_communities.iter().map(|c| c.to_string())),
        )
        .opt_str("originatorId", a.originator_id.map(|n| n.to_string()))
        .raw(
            "clusterList",
            str_array(a.cluster_list.iter().map(|c| c.to_string())),
        )
        .raw(
            "unknown",
            raw_array(a.unknown.iter().map(|u| {
                Obj::new()
                    .raw("flags", u.flags)
                    .raw("code", u.code)
                    .str("value", &hex(&u.value))
                    .done()
            })),
        )
        .done()
}

fn update_json(u: &Update) -> String {
    let reach = u.mp_reach.as_ref().map(|r| {
        let o = Obj::new()
            .raw("afi", r.family.afi)
            .raw("safi", r.family.safi);
        let o = match &r.next_hop {
            MpNextHop::V4(a) => o.str("nextHop", &a.to_string()),
            MpNextHop::V6 { global, link_local } => o
                .str("nextHop", &global.to_string())
                .opt_str("linkLocalNextHop", link_local.map(|l| l.to_string())),
            MpNextHop::Other(b) => o.str("nextHop", &hex(b)),
        };
        o.raw("nlri", str_array(r.prefixes.iter().map(|p| p.to_string())))
            .done()
    });
    let unreach = u.mp_unreach.as_ref().map(|r| {
        Obj::new()
            .raw("afi", r.family.afi)
            .raw("safi", r.family.safi)
            .raw(
                "withdrawn",
                str_array(r.prefixes.iter().map(|p| p.to_string())),
            )
            .done()
    });
    Obj::new()
        .raw(
            "withdrawn",
            str_array(u.withdrawn.iter().map(|p| p.to_string())),
        )
        .raw("attributes", attributes_json(&u.attributes))
        .raw("nlri", str_array(u.nlri.iter().map(|p| p.to_string())))
        .opt_raw("mpReach", reach)
        .opt_raw("mpUnreach", unreach)
        .raw(
            "announced",
            str_array(u.announced().iter().map(|p| p.to_string())),
        )
        .raw(
            "withdrawnPrefixes",
            str_array(u.withdrawn_prefixes().iter().map(|p| p.to_string())),
        )
        .raw("treatAsWithdraw", u.treat_as_withdraw)
        .raw(
            "discardedAttributes",
            raw_array(u.discarded_attributes.iter().map(u8::to_string)),
        )
        .raw("errors", str_array(u.errors.iter().cloned()))
        .opt_str("endOfRib", u.end_of_rib().map(|f| f.to_string()))
        .done()
}

/// JSON text describing one message.
pub fn message_json(m: &Message) -> String {
    match m {
        Message::Open(o) => open_json(o),
        Message::Update(u) => update_json(u),
        Message::Notification(n) => Obj::new()
            .raw("code", n.code)
            .raw("subcode", n.subcode)
            .str("data", &hex(&n.data))
            .str("description", &n.to_string())
            .done(),
        Message::Keepalive => "{}".to_string(),
        Message::RouteRefresh(r) => Obj::new()
            .raw("afi", r.family.afi)
            .raw("safi", r.family.safi)
            .raw("subtype", r.subtype)
            .done(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_of_each_kind() {
        let n = Message::Notification(Notification::new(4, 0, vec![1, 0xab]));
        assert_eq!(
            message_json(&n),
            r#"{"code":4,"subcode":0,"data":"01ab","description":"4/0 Hold Timer Expired"}"#
        );
        assert_eq!(message_json(&Message::Keepalive), "{}");
        let mut u = Update::default();
        u.nlri.push("10.0.0.0/8".parse().unwrap());
        u.attributes.origin = Some(Origin::Igp);
        u.attributes.as_path = Some(AsPath::sequence(vec![65001]));
        u.attributes.communities = vec![COMMUNITY_NO_EXPORT];
        u.errors.push("a \"quoted\"\nreason".into());
        let j = message_json(&Message::Update(Box::new(u)));
        assert!(j.contains(r#""asPath":"65001""#), "{j}");
        assert!(j.contains(r#""communities":["65535:65281"]"#), "{j}");
        assert!(j.contains(r#""nlri":["10.0.0.0/8"]"#), "{j}");
        assert!(
            j.contains(r#""errors":["a \"quoted\"\u000areason"]"#),
            "{j}"
        );
        let o = Message::Open(Open::local(&LocalOpen {
            asn: 65001,
            hold_time: 90,
            bgp_id: "10.0.0.1".parse().unwrap(),
            families: vec![Family::IPV4_UNICAST],
            graceful_restart: None,
        }));
        let j = message_json(&o);
        assert!(j.starts_with(r#"{"version":4,"myAs":65001,"asn":65001,"fourOctetAs":true,"holdTime":90,"bgpId":"10.0.0.1""#), "{j}");
    }
}

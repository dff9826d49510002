//! Where a webhook may be sent: the guard against server-side request forgery.
//!
//! A webhook URL is written by an operator, but its host name resolves at delivery time,
//! and a name that pointed at a public server yesterday can point at the metadata
//! service today. So the check runs twice: on IP literals when the policy loads, and on
//! every address a host name resolves to, inside the HTTP client's resolver, right before
//! connecting. Loopback, private, shared, link-local, unique-local, unspecified,
//! multicast and broadcast addresses, and the cloud metadata endpoints, are refused
//! unless the entry sets `allow_private_network: true`. The HTTP client is built with no
//! proxy, because a proxy would resolve the name itself, out of the guard's sight.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why an address is refused, or `None` when it is a public one.
pub fn refused_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refused_v4(v4),
            None => refused_v6(v6),
        },
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, _, _] = ip.octets();

    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("a cloud metadata address")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT) address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast, broadcast or reserved address")
    } else {
        None
    }
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];

    if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) {
        Some("a cloud metadata address")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if first & 0xfe00 == 0xfc00 {
        Some("a unique-local (private) address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else {
        None
    }
}

/// A resolver that drops every refused address a name resolves to, and fails the
/// connection when none is left.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();

        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();

            let allowed: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|a| refused_reason(a.ip()).is_none())
                .collect();
            if allowed.is_empty() {
                let reason = resolved
                    .first()
                    .and_then(|a| refused_reason(a.ip()))
                    .unwrap_or("no address");
                let message = format!("{host} resolves to {reason}; refused");
                return Err(message.into());
            }

            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn refused(text: &str) -> bool {
        refused_reason(text.parse().unwrap()).is_some()
    }

    #[test]
    fn internal_addresses_are_refused() {
        for text in [
            "127.0.0.1",
            "127.9.9.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.10.10",
            "100.64.0.1",
            "100.100.100.200",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(refused(text), "{text} should be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for text in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            assert!(!refused(text), "{text} should pass");
        }
    }

    #[test]
    fn metadata_is_named_as_such() {
        let reason = refused_reason("169.254.169.254".parse().unwrap());

        assert_eq!(reason, Some("a cloud metadata address"));
    }

    #[tokio::test]
    async fn resolver_refuses_a_name_for_loopback() {
        let name: Name = "localhost".parse().unwrap();

        let error = GuardedResolver.resolve(name).await.err().unwrap();

        assert!(error.to_string().contains("loopback"), "{error}");
    }
}

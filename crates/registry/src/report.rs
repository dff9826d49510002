//! The registry's own runtime figures, reported to `aion.metrics.runtime` like every other
//! service's. The publisher needs the metrics topic's schema id, and the registry is the
//! place that holds it: the reporter asks this very instance, over loopback, once the
//! listener is bound. Behind basic authentication it logs in as a user made for the
//! process, whose password never leaves it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use aion_catalog::Catalog;
use aion_kafka::{KafkaConfig, Secret};
use aion_registry_client::RegistryClientConfig;
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::config::RegistryConfig;

/// The component the registry reports as.
pub const COMPONENT: &str = "schema-registry";

/// The user the reporter logs in as when the API needs basic authentication.
const REPORTER_USER: &str = "aion-registry-reporter";

/// Starts reporting `metrics` when the configuration's `metrics` section enables it. When
/// the API needs basic authentication (`users` is not empty), the reporter's own user is
/// added to `users`. A reporter that cannot be set up is logged, never fatal: serving
/// schemas matters more.
pub(crate) fn start(
    catalog: &Catalog,
    config: &RegistryConfig,
    kafka: &KafkaConfig,
    address: SocketAddr,
    metrics: aion_metrics::Registry,
    users: &mut Vec<(String, Secret)>,
) -> Option<aion_metrics::Reporter> {
    let options = match config.metrics.reporter_options(COMPONENT) {
        Ok(Some(options)) => options,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "metrics reporting off");
            return None;
        }
    };

    let mut client = match RegistryClientConfig::new(format!("http://{}", loopback(address))) {
        Ok(client) => client,
        Err(e) => {
            tracing::warn!(error = %e, "metrics reporting off");
            return None;
        }
    };
    if !users.is_empty() {
        let password: String = rand::rng()
            .sample_iter(Alphanumeric)
            .take(40)
            .map(char::from)
            .collect();
        users.push((REPORTER_USER.to_owned(), Secret::new(password.clone())));
        client.basic_auth = Some((REPORTER_USER.to_owned(), password));
    }

    aion_metrics::Reporter::start_publishing(metrics, catalog, kafka, client, options)
}

/// Where this process reaches its own listener: a wildcard address is reached on the
/// loopback address of its family.
fn loopback(address: SocketAddr) -> SocketAddr {
    let ip = match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, address.port())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_listeners_are_reached_on_loopback() {
        let any: SocketAddr = "0.0.0.0:8081".parse().unwrap();
        let any6: SocketAddr = "[::]:8081".parse().unwrap();
        let bound: SocketAddr = "10.1.2.3:8081".parse().unwrap();

        assert_eq!(loopback(any).to_string(), "127.0.0.1:8081");
        assert_eq!(loopback(any6).to_string(), "[::1]:8081");
        assert_eq!(loopback(bound), bound);
    }
}

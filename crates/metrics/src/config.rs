//! The optional `metrics` section of a service's configuration: whether the service
//! reports its figures to `aion.metrics.runtime`, how often, and under which instance id.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::error::{MetricsError, Result};
use crate::event::METRICS_TOPIC;
use crate::reporter::{ReporterOptions, default_instance_id};

/// The `metrics` section, every key optional:
///
/// ```yaml
/// metrics:
///   enabled: true          # report to aion.metrics.runtime
///   interval: 15s          # how often
///   instance_id: pod-7f9c  # default: <hostname>-<pid>-<random>
/// ```
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Publish reports; `/metrics` is served either way.
    pub enabled: bool,
    /// Time between two reports.
    #[serde(deserialize_with = "duration")]
    pub interval: Duration,
    /// The instance id reported; stable for the process's life.
    pub instance_id: Option<String>,
    /// The topic reported to.
    pub topic: String,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            enabled: true,
            interval: Duration::from_secs(15),
            instance_id: None,
            topic: METRICS_TOPIC.to_owned(),
        }
    }
}

impl MetricsConfig {
    /// The reporter's options for `component`, checked; `None` when reporting is off.
    pub fn reporter_options(&self, component: &str) -> Result<Option<ReporterOptions>> {
        if !self.enabled {
            return Ok(None);
        }

        if self.interval < Duration::from_secs(1) {
            return Err(MetricsError::Configure {
                key: "metrics.interval",
                reason: "must be at least 1s".to_owned(),
            });
        }
        let instance_id = match &self.instance_id {
            Some(id) if id.is_empty() || id.chars().count() > 128 => {
                return Err(MetricsError::Configure {
                    key: "metrics.instance_id",
                    reason: "must be 1 to 128 characters".to_owned(),
                });
            }
            Some(id) => id.clone(),
            None => default_instance_id(),
        };

        Ok(Some(ReporterOptions {
            component: component.to_owned(),
            instance_id,
            interval: self.interval,
            topic: self.topic.clone(),
        }))
    }
}

fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    humantime::parse_duration(&text).map_err(serde::de::Error::custom)
}

//! The crate's one error type: what went wrong defining metrics, reporting them, or running
//! the aggregator.

/// Everything that can fail in this crate.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// A metric was defined with a name Prometheus does not accept.
    #[error("invalid metric name {name:?}: {reason}")]
    DefineMetric { name: String, reason: String },

    /// A label name of a metric is not a Prometheus label name, or is reserved.
    #[error("metric {metric}: invalid label name {label:?}: {reason}")]
    DefineLabel {
        metric: String,
        label: String,
        reason: String,
    },

    /// A metric of the same name was defined before with another kind or other labels.
    #[error("metric {name} is already defined differently: {reason}")]
    RedefineMetric { name: String, reason: String },

    /// The reporter's settings cannot work.
    #[error("invalid metrics setting {key}: {reason}")]
    Configure { key: &'static str, reason: String },

    /// The aggregator could not create its Kafka consumer.
    #[error("cannot create the consumer of {topic}: {reason}")]
    CreateConsumer { topic: String, reason: String },

    /// The aggregator could not find where to start reading.
    #[error("cannot position the consumer on {topic}: {reason}")]
    PositionConsumer { topic: String, reason: String },

    /// The aggregator's consumer failed for good.
    #[error("cannot consume {topic}: {reason}")]
    Consume { topic: String, reason: String },

    /// The HTTP server stopped with an error.
    #[error("cannot serve metrics: {reason}")]
    Serve { reason: String },
}

/// A shorthand for results of this crate.
pub type Result<T, E = MetricsError> = std::result::Result<T, E>;

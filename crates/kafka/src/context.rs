//! The client context shared by every client this crate builds: it forwards
//! librdkafka's log lines and global errors to `tracing` (target
//! `librdkafka`, tagged with the client id), and remembers the last global
//! error so a caller can explain a failure librdkafka reports only
//! asynchronously, such as a refused login.

use std::sync::{Arc, Mutex};

use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

/// The context of Aion's Kafka clients. Cheap to clone; clones share the
/// remembered error.
#[derive(Clone, Debug)]
pub struct KafkaContext {
    client_id: Arc<str>,
    last_error: Arc<Mutex<Option<(RDKafkaErrorCode, String)>>>,
}

impl KafkaContext {
    pub(crate) fn new(client_id: &str) -> Self {
        KafkaContext {
            client_id: Arc::from(client_id),
            last_error: Arc::default(),
        }
    }

    /// The client id the context tags its log lines with.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The most recent global error librdkafka reported for this client
    /// (for example `Authentication` with the broker's explanation), if any.
    pub fn last_error(&self) -> Option<(RDKafkaErrorCode, String)> {
        self.last_error
            .lock()
            .map(|guard| guard.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Routes one librdkafka log line by its syslog level.
    pub(crate) fn log_line(&self, level: i32, facility: &str, message: &str) {
        let client_id = &*self.client_id;
        match level {
            ..=3 => tracing::error!(target: "librdkafka", client_id, facility, "{message}"),
            4 => tracing::warn!(target: "librdkafka", client_id, facility, "{message}"),
            5 | 6 => tracing::info!(target: "librdkafka", client_id, facility, "{message}"),
            _ => tracing::debug!(target: "librdkafka", client_id, facility, "{message}"),
        }
    }

    /// Records and logs a global error. A refused login or a fatal error
    /// needs someone to act, so it is an error; the rest (a broker briefly
    /// unreachable) is retried by librdkafka and only a warning.
    pub(crate) fn record_error(&self, code: Option<RDKafkaErrorCode>, reason: &str) {
        let client_id = &*self.client_id;
        match code {
            Some(code @ (RDKafkaErrorCode::Authentication | RDKafkaErrorCode::Fatal)) => {
                tracing::error!(target: "librdkafka", client_id, code = ?code, "{reason}");
            }
            _ => tracing::warn!(target: "librdkafka", client_id, code = ?code, "{reason}"),
        }

        if let Some(code) = code {
            let mut slot = self
                .last_error
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *slot = Some((code, reason.to_owned()));
        }
    }
}

impl ClientContext for KafkaContext {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.log_line(level as i32, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.record_error(error.rdkafka_error_code(), reason);
    }
}

impl ConsumerContext for KafkaContext {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_last_error_across_clones() {
        let context = KafkaContext::new("test");
        let clone = context.clone();

        clone.record_error(Some(RDKafkaErrorCode::AllBrokersDown), "all brokers down");
        clone.record_error(
            Some(RDKafkaErrorCode::Authentication),
            "SASL authentication error",
        );

        assert_eq!(
            context.last_error(),
            Some((
                RDKafkaErrorCode::Authentication,
                "SASL authentication error".to_owned()
            ))
        );
    }
}

//! Bounded waiting: for a condition on the broker to hold, and for the next
//! record of a consumer. Kafka applies metadata changes asynchronously, so
//! tests poll for what they need instead of sleeping a fixed time.

use std::future::Future;
use std::time::{Duration, Instant};

use aion_kafka::Consumer;
use rdkafka::Message;
use rdkafka::error::KafkaError;
use rdkafka::message::OwnedMessage;

use crate::{Result, TestkitError};

/// Polls `check` until it returns `true`, failing after `within`.
pub async fn wait_until<F, Fut>(what: &str, within: Duration, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool>>,
{
    let deadline = Instant::now() + within;

    loop {
        if check().await? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(TestkitError::WaitVisible {
                what: what.to_owned(),
                waited: within,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reads a value until `done` accepts it or `within` passes, and returns
/// the last value read for the caller to assert on, so that a failure shows
/// what the broker said rather than only that it disagreed. For reads that
/// follow a change: the broker serves them from metadata that trails the
/// controller by a moment.
pub async fn settled<T, E, F, Fut>(
    within: Duration,
    mut read: F,
    done: impl Fn(&T) -> bool,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
    E: Into<TestkitError>,
{
    let deadline = Instant::now() + within;

    loop {
        let value = read().await.map_err(Into::into)?;
        if done(&value) || Instant::now() >= deadline {
            return Ok(value);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The consumer's next record or error, or `None` when nothing arrived
/// within `within`.
pub async fn next_message(
    consumer: &Consumer,
    within: Duration,
) -> Option<std::result::Result<OwnedMessage, KafkaError>> {
    match tokio::time::timeout(within, consumer.recv()).await {
        Ok(Ok(message)) => Some(Ok(message.detach())),
        Ok(Err(error)) => Some(Err(error)),
        Err(_elapsed) => None,
    }
}

/// A record's key and payload as text, for assertions.
pub fn key_and_payload(message: &OwnedMessage) -> (Option<String>, Option<String>) {
    let text = |bytes: Option<&[u8]>| bytes.map(|b| String::from_utf8_lossy(b).into_owned());
    (text(message.key()), text(message.payload()))
}

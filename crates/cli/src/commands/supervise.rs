//! Running several services in one process: one stop signal shared by all, and a
//! supervisor that stops every service when any one of them ends, so a process never
//! keeps running with part of its job missing.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

/// A stop signal that any number of services wait on. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Stop {
    sender: watch::Sender<bool>,
}

impl Default for Stop {
    fn default() -> Self {
        Stop {
            sender: watch::Sender::new(false),
        }
    }
}

impl Stop {
    /// Tells every service to stop; later calls do nothing more.
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// Completes once [`Stop::trigger`] has been called, even if that was before.
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut receiver = self.sender.subscribe();
        async move {
            // An error means the sender is gone, which only happens at exit.
            let _ = receiver.wait_for(|stopped| *stopped).await;
        }
    }
}

/// A service to supervise: its name for messages, and the future that runs it until
/// the shared [`Stop`] fires.
pub type Service = (
    String,
    Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>,
);

/// How long the services together may take to drain once asked to stop. They drain side
/// by side, and the longest own bound is the dispatcher's 30 s, so this is reached only
/// by a service that hangs; an orchestrator's grace period should exceed it.
pub const DRAIN_WITHIN: Duration = Duration::from_secs(45);

/// Runs `services` side by side until `signal` completes (an operator's Ctrl-C or
/// SIGTERM) or one of them ends, then stops them all and waits for each to finish
/// its own draining, for [`DRAIN_WITHIN`] at most. Fails, naming every service that
/// failed, when any service failed, ended before it was asked to, or did not stop in
/// time.
pub async fn supervise(
    services: Vec<Service>,
    stop: &Stop,
    signal: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    supervise_within(services, stop, signal, DRAIN_WITHIN).await
}

async fn supervise_within(
    services: Vec<Service>,
    stop: &Stop,
    signal: impl Future<Output = ()>,
    drain_within: Duration,
) -> anyhow::Result<()> {
    let mut running = JoinSet::new();
    let mut names = Vec::new();
    for (name, service) in services {
        names.push(name.clone());
        running.spawn(async move { (name, service.await) });
    }

    let mut failures = Vec::new();
    tokio::select! {
        () = signal => {}
        () = stop.wait() => {}
        Some(ended) = running.join_next() => {
            failures.extend(failure(ended, false));
        }
    }
    stop.trigger();

    let mut stopped = Vec::new();
    let drained = tokio::time::timeout(drain_within, async {
        while let Some(ended) = running.join_next().await {
            if let Ok((name, _)) = &ended {
                stopped.push(name.clone());
            }
            failures.extend(failure(ended, true));
        }
    })
    .await;
    if drained.is_err() {
        // Dropping the set aborts what is left: the process exits rather than hang.
        for name in names.iter().filter(|n| !stopped.contains(n)) {
            tracing::error!(service = %name, within = ?drain_within, "service did not stop");
            failures.push(format!("{name}: did not stop within {drain_within:?}"));
        }
    }

    if failures.is_empty() {
        return Ok(());
    }
    anyhow::bail!("{}", failures.join("; "))
}

/// What went wrong with a service that ended, if anything did.
fn failure(
    ended: Result<(String, anyhow::Result<()>), tokio::task::JoinError>,
    asked_to_stop: bool,
) -> Option<String> {
    match ended {
        Ok((name, Err(e))) => {
            tracing::error!(service = %name, error = %format!("{e:#}"), "service failed");
            Some(format!("{name}: {e:#}"))
        }
        Ok((name, Ok(()))) if !asked_to_stop => {
            tracing::error!(service = %name, "service stopped on its own");
            Some(format!("{name}: stopped before it was asked to"))
        }
        Ok(_) => None,
        Err(e) => Some(format!("a service task ended abnormally: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn until_stopped(stop: &Stop, name: &str) -> Service {
        let wait = stop.wait();
        (
            name.to_owned(),
            Box::pin(async move {
                wait.await;
                Ok(())
            }),
        )
    }

    #[tokio::test]
    async fn one_failing_service_stops_the_others_and_fails_the_whole() {
        let stop = Stop::default();
        let failing: Service = (
            "gateway".to_owned(),
            Box::pin(async { anyhow::bail!("cannot listen on 127.0.0.1:8088") }),
        );
        let services = vec![until_stopped(&stop, "registry"), failing];

        let outcome = supervise(services, &stop, std::future::pending()).await;

        let message = outcome.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("gateway: cannot listen"), "{message}");
        assert!(!message.contains("registry"), "{message}");
    }

    #[tokio::test]
    async fn a_signal_stops_every_service_cleanly() {
        let stop = Stop::default();
        let services = vec![
            until_stopped(&stop, "registry"),
            until_stopped(&stop, "gateway"),
        ];

        let outcome = supervise(services, &stop, async {}).await;

        assert!(outcome.is_ok());
    }

    #[tokio::test]
    async fn a_service_that_does_not_drain_in_time_is_named_and_abandoned() {
        let stop = Stop::default();
        let stuck: Service = ("dispatcher".to_owned(), Box::pin(std::future::pending()));
        let services = vec![until_stopped(&stop, "registry"), stuck];

        let outcome = supervise_within(services, &stop, async {}, Duration::from_millis(200)).await;

        let message = outcome.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("dispatcher: did not stop within"),
            "{message}"
        );
        assert!(!message.contains("registry"), "{message}");
    }

    #[tokio::test]
    async fn a_service_that_ends_unasked_is_a_failure() {
        let stop = Stop::default();
        let quitter: Service = ("dispatcher".to_owned(), Box::pin(async { Ok(()) }));

        let outcome = supervise(vec![quitter], &stop, std::future::pending()).await;

        assert!(outcome.is_err());
    }
}

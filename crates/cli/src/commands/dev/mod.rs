//! `aion-events dev`: a newcomer's one command. Starts a local Kafka, the schema
//! registry, bootstraps the catalog, starts the gateway and the webhook dispatcher with
//! a sample policy pointing at a built-in receiver, then runs one loop end to end:
//! sample events published, a signed command sent through the gateway, and its audit
//! event delivered back out as a signed webhook. It keeps running until Ctrl-C or
//! SIGTERM, then stops everything it started.
//!
//! The services run in-process, as tasks of one runtime, so none can outlive the
//! session; the broker is a child of `scripts/kafka.sh` in a directory of the session's
//! own, stopped (its data and configuration deleted, its logs kept) at the end. Service
//! logs go to `<dir>/logs/services.log`; the screen shows what happens.

mod broker;
mod demo;
mod receiver;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aion_catalog::Catalog;
use aion_gateway::GatewayConfig;
use aion_gateway::config::ApiKey;
use aion_kafka::{KafkaConfig, Secret, Security};
use aion_registry::RegistryConfig;
use aion_registry_client::{RegistryClient, RegistryClientConfig};
use aion_webhooks::WebhookPolicy;
use anyhow::{Context, bail};
use clap::Args;
use sha2::Digest;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::connection::runtime;
use super::service::{bind, shutdown_signal};
use super::supervise::Stop;
use crate::Outcome;
use broker::Broker;
use receiver::Inbox;

/// The line that tells a reader (or a script) that the session is up.
pub const READY_MARKER: &str = "Aion Event Streams dev is up";

/// How long each service may take to report ready.
const READY_WITHIN: Duration = Duration::from_secs(90);

/// How long the command's audit event may take to come back out as a webhook.
const LOOP_WITHIN: Duration = Duration::from_secs(60);

/// How long the services may take to drain at the end.
const STOP_WITHIN: Duration = Duration::from_secs(45);

/// The caller of the gateway policy the session's command is sent as.
const CALLER: &str = "ops-console";

#[derive(Debug, Args)]
pub struct DevArgs {
    /// The local broker's client port.
    #[arg(long, env = "AION_DEV_KAFKA_PORT", default_value_t = 19092)]
    kafka_port: u16,

    /// The local broker's controller port.
    #[arg(long, env = "AION_DEV_CONTROLLER_PORT", default_value_t = 19093)]
    controller_port: u16,

    /// The schema registry's port.
    #[arg(long, env = "AION_DEV_REGISTRY_PORT", default_value_t = 18081)]
    registry_port: u16,

    /// The gateway's port.
    #[arg(long, env = "AION_DEV_GATEWAY_PORT", default_value_t = 18088)]
    gateway_port: u16,

    /// The dispatcher's metrics and probes port.
    #[arg(long, env = "AION_DEV_DISPATCHER_PORT", default_value_t = 18464)]
    dispatcher_port: u16,

    /// The built-in webhook receiver's port.
    #[arg(long, env = "AION_DEV_RECEIVER_PORT", default_value_t = 18090)]
    receiver_port: u16,

    /// Where the session keeps its broker and its logs.
    #[arg(long, env = "AION_DEV_DIR", default_value = ".dev")]
    dir: PathBuf,

    /// The gateway policy to serve.
    #[arg(long, default_value = "policies/gateway.yaml")]
    gateway_policy: PathBuf,

    /// The webhook policy; its URLs are pointed at the built-in receiver.
    #[arg(long, default_value = "policies/webhooks.dev.yaml")]
    webhook_policy: PathBuf,
}

/// Everything a session started, for stopping it.
struct Session {
    stop: Stop,
    tasks: JoinSet<(String, anyhow::Result<()>)>,
    broker: Broker,
    broker_started: bool,
}

pub fn run(catalog_path: &Path, args: DevArgs) -> anyhow::Result<Outcome> {
    let root = std::env::current_dir().context("cannot read the working directory")?;
    let script = broker::script(&root)?;
    let catalog = Catalog::load(catalog_path)?;
    let logs = args.dir.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    init_file_logging(&logs.join("services.log"))?;

    // The admin password is the session's own unless the caller wants to know it.
    let admin_password = std::env::var("AION_KAFKA_ADMIN_PASSWORD")
        .map(Secret::new)
        .unwrap_or_else(|_| Secret::new(random_token()));
    let broker = Broker {
        script,
        port: args.kafka_port,
        controller_port: args.controller_port,
        dir: args.dir.join("dev-kafka"),
        admin_password,
        log: logs.join("kafka.sh.log"),
    };

    runtime()?.block_on(async {
        let mut session = Session {
            stop: Stop::default(),
            tasks: JoinSet::new(),
            broker,
            broker_started: false,
        };
        let signal = shutdown_signal();
        tokio::pin!(signal);

        let brought_up = tokio::select! {
            outcome = bring_up(&mut session, &args, &catalog, &root, &logs) => Some(outcome),
            () = &mut signal => None,
        };

        let mut failures = Vec::new();
        match brought_up {
            Some(Ok(())) => tokio::select! {
                () = &mut signal => {}
                Some(ended) = session.tasks.join_next() => failures.extend(failure(ended)),
            },
            Some(Err(e)) => failures.push(format!("{e:#}")),
            None => {}
        }

        tear_down(&mut session, &logs, &mut failures).await;
        if failures.is_empty() {
            return Ok(Outcome::Clean);
        }
        bail!("{}", failures.join("; "))
    })
}

/// Starts everything and runs the loop once; services keep running in `session`.
async fn bring_up(
    session: &mut Session,
    args: &DevArgs,
    catalog: &Catalog,
    root: &Path,
    logs: &Path,
) -> anyhow::Result<()> {
    let host = [127, 0, 0, 1];
    let registry_listener = bind_port("registry", "--registry-port", args.registry_port).await?;
    let gateway_listener = bind_port("gateway", "--gateway-port", args.gateway_port).await?;
    let dispatcher_listener =
        bind_port("dispatcher", "--dispatcher-port", args.dispatcher_port).await?;
    let receiver_listener = bind_port("receiver", "--receiver-port", args.receiver_port).await?;
    for (port, flag) in [
        (args.kafka_port, "--kafka-port"),
        (args.controller_port, "--controller-port"),
    ] {
        drop(bind_port("kafka", flag, port).await?);
    }
    let registry_url = format!("http://127.0.0.1:{}", args.registry_port);
    let gateway_url = format!("http://127.0.0.1:{}", args.gateway_port);
    let dispatcher_url = format!("http://127.0.0.1:{}", args.dispatcher_port);
    let receiver_url = format!("http://127.0.0.1:{}", args.receiver_port);

    println!(
        "==> kafka      starting a broker on 127.0.0.1:{} in {} (scripts/kafka.sh; the first \
         run fetches Kafka from Maven Central)",
        args.kafka_port,
        session.broker.dir.display()
    );
    session.broker_started = true;
    session.broker.start().await?;
    let admin = KafkaConfig::new(
        format!("127.0.0.1:{}", args.kafka_port),
        Security::SaslScram {
            mechanism: Default::default(),
            username: "admin".to_owned(),
            password: session.broker.admin_password.clone(),
            tls: false,
            ca_file: None,
        },
    )
    .with_client_id("aion-dev");

    let mut registry_config = RegistryConfig::new(admin.clone());
    registry_config.listen = SocketAddr::from((host, args.registry_port));
    spawn(
        session,
        "registry",
        super::registry::start(
            registry_listener,
            Some(catalog.clone()),
            registry_config,
            session.stop.wait(),
        ),
    );
    wait_ready("registry", &registry_url, session).await?;
    println!("==> registry   {registry_url} (schemas in the _schemas topic)");

    let registry_client = RegistryClientConfig::new(&registry_url)?;
    let passwords = demo::session_passwords(catalog)?;
    let changes = demo::bootstrap(
        catalog,
        &admin,
        registry_client.clone(),
        &passwords,
        &logs.join("bootstrap.log"),
    )
    .await?;
    println!(
        "==> bootstrap  dev environment: {changes} change(s) applied (topics, service accounts \
         with passwords made for this session, ACLs, schemas); plan in {}",
        logs.join("bootstrap.log").display()
    );

    let (policy, caller) = gateway_policy(&args.gateway_policy, &receiver_url)?;
    let gateway_kafka = demo::account(&admin, "gateway", &passwords)?;
    let gateway_catalog = catalog.clone();
    let gateway_registry = RegistryClient::new(registry_client.clone())?;
    let gateway_stop = session.stop.wait();
    spawn(session, "gateway", async move {
        super::gateway::start(
            gateway_listener,
            &gateway_catalog,
            policy,
            &gateway_kafka,
            gateway_registry,
            gateway_stop,
        )
        .await
    });

    let webhook_secret = random_token();
    let inbox = Inbox::new(&webhook_secret);
    let webhooks = webhook_policy(catalog, &args.webhook_policy, &webhook_secret, args)?;
    let dispatcher_kafka = demo::account(&admin, "webhook-dispatcher", &passwords)?;
    let dispatcher =
        super::webhooks::for_catalog(catalog, webhooks, dispatcher_kafka, registry_client.clone());
    spawn(
        session,
        "receiver",
        receiver::serve(receiver_listener, inbox.clone(), session.stop.wait()),
    );
    spawn(
        session,
        "dispatcher",
        super::webhooks::start(dispatcher_listener, dispatcher, session.stop.wait()),
    );

    wait_ready("gateway", &gateway_url, session).await?;
    println!(
        "==> gateway    {gateway_url} (POST /webhooks/inbound, POST /v1/topics/{{topic}}/events)"
    );
    wait_ready("dispatcher", &dispatcher_url, session).await?;
    println!(
        "==> dispatcher {dispatcher_url}/metrics, policy {}",
        args.webhook_policy.display()
    );
    println!("==> receiver   {receiver_url}/hooks/<webhook> (verifies X-Aion-Signature)");
    println!("==> logs       {}", logs.display());

    let control_plane = demo::account(&admin, "control-plane", &passwords)?;
    let registry = RegistryClient::new(registry_client)?;
    demo::publish_samples(catalog, root, &control_plane, registry).await?;

    let command_id = demo::send_command(&gateway_url, &caller).await?;
    let audit = tokio::time::timeout(
        LOOP_WITHIN,
        // Only a delivery whose signature checked out closes the loop.
        inbox.wait_for(|r| {
            r.verified && r.event["command_id"].as_str() == Some(command_id.as_str())
        }),
    )
    .await
    .with_context(|| {
        format!("the command's audit event was not delivered within {LOOP_WITHIN:?}")
    })?;
    println!(
        "audit      the command's audit event, from {} via webhook {}: {}",
        audit.topic, audit.webhook, audit.event
    );

    let verified = inbox.snapshot().iter().filter(|r| r.verified).count();
    println!(
        "{READY_MARKER}: kafka 127.0.0.1:{}, registry {registry_url}, gateway {gateway_url}, \
         dispatcher {dispatcher_url}, receiver {receiver_url}; {verified} verified \
         deliveries so far. Ctrl-C stops everything.",
        args.kafka_port
    );
    Ok(())
}

/// Stops the services, then the broker if this session started it.
async fn tear_down(session: &mut Session, logs: &Path, failures: &mut Vec<String>) {
    println!("==> stopping");
    session.stop.trigger();

    let drained = tokio::time::timeout(STOP_WITHIN, async {
        while let Some(ended) = session.tasks.join_next().await {
            if let Ok((_, Err(e))) = ended {
                failures.push(format!("{e:#}"));
            }
        }
    });
    if drained.await.is_err() {
        failures.push(format!(
            "services still running after {STOP_WITHIN:?}; stopped hard"
        ));
        session.tasks.abort_all();
    }

    if session.broker_started
        && let Err(e) = session.broker.stop().await
    {
        failures.push(format!("{e:#}"));
    }
    println!("==> stopped; logs in {}", logs.display());
}

fn spawn(
    session: &mut Session,
    name: &str,
    service: impl std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
) {
    let name = name.to_owned();
    session.tasks.spawn(async move { (name, service.await) });
}

/// Why a service that ended before the session was stopped matters.
fn failure(ended: Result<(String, anyhow::Result<()>), tokio::task::JoinError>) -> Option<String> {
    match ended {
        Ok((name, Err(e))) => Some(format!("{name}: {e:#}")),
        Ok((name, Ok(()))) => Some(format!("{name} stopped on its own")),
        Err(e) => Some(format!("a service ended abnormally: {e}")),
    }
}

/// Binds a port of the session, saying which flag moves it when it is taken.
async fn bind_port(service: &str, flag: &str, port: u16) -> anyhow::Result<TcpListener> {
    bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .with_context(|| format!("the {service} port {port} is taken; choose another with {flag}"))
}

/// Polls `GET /readyz` until it answers 200, failing early if a service has ended.
async fn wait_ready(name: &str, base: &str, session: &mut Session) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let started = Instant::now();

    loop {
        let answer = client
            .get(format!("{base}/readyz"))
            .timeout(Duration::from_secs(3))
            .send()
            .await;
        if answer.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }

        if let Some(ended) = session.tasks.try_join_next() {
            let reason = failure(ended).unwrap_or_default();
            bail!("{name} is not ready: {reason}");
        }
        if started.elapsed() > READY_WITHIN {
            bail!("{name} did not become ready within {READY_WITHIN:?}; see services.log");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The gateway policy with secrets made for the session, an API key for the session's
/// caller, and every action dispatched to the receiver's stand-in control plane.
fn gateway_policy(path: &Path, receiver: &str) -> anyhow::Result<(GatewayConfig, demo::Caller)> {
    let mut policy = GatewayConfig::load_with_env(path, |_| Some(random_token()))?;
    for action in policy.actions.values_mut() {
        action.url = format!("{receiver}/control-plane/{}", action.name);
    }

    let api_key = random_token();
    let caller = policy
        .callers
        .get_mut(CALLER)
        .with_context(|| format!("{} has no caller {CALLER}", path.display()))?;
    caller.api_keys.push(ApiKey {
        id: "dev-session".to_owned(),
        sha256: sha2::Sha256::digest(api_key.as_bytes()).into(),
    });
    let hmac_secret = String::from_utf8(caller.hmac_secret.clone())
        .context("the session's HMAC secret is not text")?;

    let caller = demo::Caller {
        id: CALLER.to_owned(),
        hmac_secret,
        api_key,
    };
    Ok((policy, caller))
}

/// The sample webhook policy with the session's secret, its URLs on the receiver.
fn webhook_policy(
    catalog: &Catalog,
    path: &Path,
    secret: &str,
    args: &DevArgs,
) -> anyhow::Result<WebhookPolicy> {
    let topics: Vec<String> = catalog.topics().iter().map(|t| t.name.clone()).collect();
    let mut policy = WebhookPolicy::load_with_env(path, &topics, |_| Some(secret.to_owned()))?;

    for webhook in &mut policy.webhooks {
        let moved = webhook.url.set_port(Some(args.receiver_port));
        if moved.is_err() || webhook.url.host_str() != Some("127.0.0.1") {
            bail!(
                "{}: webhook {} must point at http://127.0.0.1 (the built-in receiver)",
                path.display(),
                webhook.id
            );
        }
    }
    Ok(policy)
}

/// A random 32-byte token, hex-encoded: session passwords, secrets and keys.
pub fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Sends the services' logs to `path`, keeping the screen for the session's story.
fn init_file_logging(path: &Path) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));

    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
    Ok(())
}

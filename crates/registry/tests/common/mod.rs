//! Shared set-up for the registry's integration tests: a service account
//! with only the ACLs the registry needs, registry instances on port 0
//! over a topic of the test's own, and a small HTTP client.

#![allow(clippy::unwrap_used, dead_code)]

use std::time::Duration;

use aion_registry::{RegistryConfig, Result as RegistryResult};
use aion_testkit::{RegistryAccount, broker};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A schemas topic name and a registry service account with Read, Write, Describe and
/// Create on it, IdempotentWrite on the cluster and Read on its consumer groups: the least
/// the registry runs with.
pub type Store = RegistryAccount;

pub async fn store() -> Store {
    broker().await.registry_account("test").await.unwrap()
}

/// A registry instance serving on 127.0.0.1 at a free port.
#[derive(Debug)]
pub struct Instance {
    pub url: String,
    pub client: Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<RegistryResult<()>>,
}

impl Instance {
    /// Starts an instance over `store` and returns once it answers.
    pub async fn start(store: &Store) -> Instance {
        Self::start_with(store, |_| {}).await
    }

    /// Like [`Instance::start`], adjusting the configuration first.
    pub async fn start_with(store: &Store, adjust: impl FnOnce(&mut RegistryConfig)) -> Instance {
        let mut config = RegistryConfig::new(store.kafka.clone());
        config.store.topic = store.topic.clone();
        config.store.group_prefix = store.group_prefix.clone();
        adjust(&mut config);
        let credentials = config.basic_auth.first().and_then(|u| {
            u.password
                .as_ref()
                .map(|p| (u.username.clone(), p.expose().to_owned()))
        });

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(aion_registry::run(listener, config, async {
            let _ = rx.await;
        }));

        let client = Client::new(&url, credentials);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            if task.is_finished() {
                let outcome = task.await.unwrap();
                panic!("the registry stopped while starting: {outcome:?}");
            }
            if client.try_get("/").await.is_some() {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "registry did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        Instance {
            url,
            client,
            shutdown: Some(tx),
            task,
        }
    }

    /// Stops the instance gracefully and checks it stopped cleanly.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let outcome = tokio::time::timeout(Duration::from_secs(30), &mut self.task)
            .await
            .expect("the registry did not stop")
            .unwrap();
        outcome.unwrap();
    }
}

/// A JSON client for one instance, returning status and body.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    credentials: Option<(String, String)>,
}

impl Client {
    pub fn new(base: &str, credentials: Option<(String, String)>) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            credentials,
        }
    }

    /// The same client with other credentials (or none).
    pub fn with_credentials(&self, credentials: Option<(&str, &str)>) -> Client {
        Client {
            credentials: credentials.map(|(u, p)| (u.to_owned(), p.to_owned())),
            ..self.clone()
        }
    }

    async fn try_get(&self, path: &str) -> Option<u16> {
        let request = self.authorise(self.http.get(format!("{}{path}", self.base)));
        request.send().await.ok().map(|r| r.status().as_u16())
    }

    fn authorise(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.credentials {
            Some((user, password)) => request.basic_auth(user, Some(password)),
            None => request,
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> (u16, Value) {
        let mut request = self
            .authorise(self.http.request(method, format!("{}{path}", self.base)))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json");
        if let Some(body) = body {
            request = request.body(body);
        }

        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(
            reqwest::Method::POST,
            path,
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(
            reqwest::Method::PUT,
            path,
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    /// Registers an Avro schema and returns its id, failing the test on
    /// anything but 200.
    pub async fn register(&self, subject: &str, schema: &str) -> u64 {
        let (status, body) = self
            .post(
                &format!("/subjects/{subject}/versions"),
                &json!({ "schema": schema }),
            )
            .await;
        assert_eq!(status, 200, "registering under {subject}: {body}");
        body["id"].as_u64().unwrap()
    }
}

/// An Avro record named `R` with one field per name, each a string;
/// fields after the first get a default so the schemas evolve backward.
pub fn record(fields: &[&str]) -> String {
    let fields: Vec<Value> = fields
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if i == 0 {
                json!({"name": name, "type": "string"})
            } else {
                json!({"name": name, "type": "string", "default": ""})
            }
        })
        .collect();
    json!({"type": "record", "name": "R", "namespace": "aion.test", "fields": fields}).to_string()
}

/// A committed Avro mirror of the catalog.
pub fn mirror(name: &str) -> String {
    let path = format!(
        "{}/../../bigdata/schemas/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

//! `aion-events dev` end to end: on ports and a directory of its own (beside any broker
//! already running), it starts a broker and every service, the receiver gets verified
//! deliveries, the command's audit event is in the audit topic, and SIGINT stops
//! everything it started: the broker's process is gone and every port is free again.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use aion_kafka::{KafkaConfig, Secret, Security};
use aion_publisher::SchemaDecoder;
use aion_registry_client::{RegistryClient, RegistryClientConfig};
use rdkafka::Message;
use rdkafka::consumer::Consumer;

const MARKER: &str = "Aion Event Streams dev is up";

/// Ports free right now, released for `dev` to take.
fn free_ports(count: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..count)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();

    held.iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Every process whose command line mentions `text`.
fn processes_mentioning(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(text) {
            found.push(format!(
                "{}: {cmdline}",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    found
}

/// Reads `child`'s output lines on a thread, so the test can wait with a deadline.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collects lines until one contains `marker`, failing on timeout or exit.
fn read_until(lines: &mpsc::Receiver<String>, seen: &mut Vec<String>, marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                let done = line.contains(marker);
                seen.push(line);
                if done {
                    return;
                }
            }
            Err(e) => panic!("no {marker:?} ({e}); output so far:\n{}", seen.join("\n")),
        }
    }
}

#[tokio::test]
async fn dev_runs_the_loop_and_leaves_nothing_running() {
    let ports = free_ports(6);
    let (kafka, controller, registry, gateway, dispatcher, receiver) =
        (ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]);
    let dir = tempfile::tempdir().unwrap();
    let admin_password = format!("dev-test-{}", std::process::id());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");

    let child = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .arg("dev")
        .args(["--kafka-port", &kafka.to_string()])
        .args(["--controller-port", &controller.to_string()])
        .args(["--registry-port", &registry.to_string()])
        .args(["--gateway-port", &gateway.to_string()])
        .args(["--dispatcher-port", &dispatcher.to_string()])
        .args(["--receiver-port", &receiver.to_string()])
        .arg("--dir")
        .arg(dir.path())
        .env("AION_KAFKA_ADMIN_PASSWORD", &admin_password)
        .current_dir(&root)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut dev = Interrupting(Some(child));
    let lines = lines_of(dev.child());
    let mut seen = Vec::new();

    read_until(&lines, &mut seen, MARKER);

    let output = seen.join("\n");
    let broker_pid: u32 = seen
        .iter()
        .find_map(|l| l.split("started broker pid ").nth(1))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no broker pid in:\n{output}"))
        .trim()
        .parse()
        .unwrap();
    assert!(process_exists(broker_pid));
    let verified = seen
        .iter()
        .filter(|l| l.ends_with("signature verified: yes"))
        .count();
    assert!(verified >= 2, "{output}");
    assert!(!output.contains("signature verified: NO"), "{output}");
    let command_id = seen
        .iter()
        .find_map(|l| l.split("command_id ").nth(1))
        .unwrap_or_else(|| panic!("no command id in:\n{output}"))
        .to_owned();
    assert!(
        seen.iter().any(|l| l.starts_with("audit ")
            && l.contains(&command_id)
            && l.contains("via webhook kernel-proposals")),
        "{output}"
    );
    assert!(
        !output.contains(&admin_password),
        "the output shows the admin password"
    );

    // The audit event is in the topic, read back through the session's registry.
    let kafka_config = KafkaConfig::new(
        format!("127.0.0.1:{kafka}"),
        Security::SaslScram {
            mechanism: Default::default(),
            username: "admin".to_owned(),
            password: Secret::new(admin_password.clone()),
            tls: false,
            ca_file: None,
        },
    );
    let consumer = kafka_config.consumer("dev-test-audit-reader").unwrap();
    consumer.subscribe(&["aion.audit.activity"]).unwrap();
    let registry_client = RegistryClient::new(
        RegistryClientConfig::new(format!("http://127.0.0.1:{registry}")).unwrap(),
    )
    .unwrap();
    let decoder = SchemaDecoder::new(registry_client);
    let found = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let message = consumer.recv().await.unwrap();
            let event = decoder.decode(message.payload().unwrap()).await.unwrap();
            if event["command_id"] == command_id.as_str() {
                return event;
            }
        }
    })
    .await
    .expect("the audit event is not in aion.audit.activity");
    assert_eq!(found["action"], "approve_kernel_proposal");
    assert_eq!(found["producer"], "gateway");
    drop(consumer);

    let status = dev
        .interrupt()
        .expect("dev did not stop within 2 minutes of SIGINT");
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(5)) {
        seen.push(line);
    }

    let output = seen.join("\n");
    assert!(status.success(), "{status}:\n{output}");
    assert!(output.contains("==> stopped"), "{output}");
    assert!(
        !process_exists(broker_pid),
        "the broker {broker_pid} outlived dev"
    );
    let dir_text = dir.path().to_string_lossy().into_owned();
    assert_eq!(processes_mentioning(&dir_text), Vec::<String>::new());
    for port in ports {
        assert!(port_is_free(port), "port {port} is still taken:\n{output}");
    }
    assert!(!dir.path().join("dev-kafka/data").exists());
    assert!(dir.path().join("logs/services.log").exists());
    for entry in std::fs::read_dir(dir.path().join("logs")).unwrap() {
        let path = entry.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert!(
            !text.contains(&admin_password),
            "{} shows the admin password",
            path.display()
        );
    }
}

/// `aion-events dev` under test: interrupted (then killed, past a bound) when the test
/// ends, even by a failed assertion, so a failure leaves no session running.
struct Interrupting(Option<Child>);

impl Interrupting {
    fn child(&mut self) -> &mut Child {
        self.0.as_mut().unwrap()
    }

    /// Sends SIGINT and waits up to two minutes; the exit status, or `None` if it had to
    /// be killed.
    fn interrupt(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.0.take()?;
        let _ = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status();

        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

impl Drop for Interrupting {
    fn drop(&mut self) {
        self.interrupt();
    }
}

#[test]
fn a_taken_port_fails_at_once_naming_the_flag_and_starts_nothing() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let ports = free_ports(5);
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");

    let output = Command::new(env!("CARGO_BIN_EXE_aion-events"))
        .arg("dev")
        .args(["--gateway-port", &port.to_string()])
        .args(["--kafka-port", &ports[0].to_string()])
        .args(["--controller-port", &ports[1].to_string()])
        .args(["--registry-port", &ports[2].to_string()])
        .args(["--dispatcher-port", &ports[3].to_string()])
        .args(["--receiver-port", &ports[4].to_string()])
        .arg("--dir")
        .arg(dir.path())
        .current_dir(&root)
        .output()
        .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!(
            "the gateway port {port} is taken; choose another with --gateway-port"
        )),
        "{stderr}"
    );
    assert!(
        !stdout.contains("kafka.sh"),
        "a broker was started: {stdout}"
    );
    assert!(!dir.path().join("dev-kafka").exists());
}

//! The local broker of a dev session: `scripts/kafka.sh` run as a child process in a
//! directory of its own, its progress shown line by line, and stopped (data and
//! configuration deleted, logs kept) when the session ends.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use aion_kafka::Secret;
use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

/// How the session's broker is started and stopped.
#[derive(Debug, Clone)]
pub struct Broker {
    /// `scripts/kafka.sh` of the checkout.
    pub script: PathBuf,
    /// The client port.
    pub port: u16,
    /// The controller port.
    pub controller_port: u16,
    /// Where its configuration, data and logs live.
    pub dir: PathBuf,
    /// The admin password the broker is formatted with.
    pub admin_password: Secret,
    /// Where the script's own output is copied.
    pub log: PathBuf,
}

impl Broker {
    /// Starts the broker and waits until it answers an authenticated request, printing
    /// the script's progress (the first run fetches Kafka from Maven Central).
    pub async fn start(&self) -> anyhow::Result<()> {
        // A broker left running in this session directory by a session that was killed
        // is of no use: its admin password is gone with it.
        if self.run("status", false).await.is_ok() {
            println!(
                "    a broker from an earlier session runs in {}; stopping it",
                self.dir.display()
            );
            self.stop().await?;
        }
        self.forget_data()?;

        self.run("start", true).await
    }

    /// Stops the broker and deletes its data and configuration; its logs stay.
    pub async fn stop(&self) -> anyhow::Result<()> {
        self.run("stop", true).await?;

        self.forget_data()
    }

    fn forget_data(&self) -> anyhow::Result<()> {
        // The configuration holds the admin password; the data is this session's only.
        for part in ["data", "config"] {
            let path = self.dir.join(part);
            if path.exists() {
                std::fs::remove_dir_all(&path)
                    .with_context(|| format!("cannot delete {}", path.display()))?;
            }
        }
        Ok(())
    }

    /// Runs `kafka.sh <verb>`, copying its output to the log and, when `show` is set, to
    /// the screen.
    async fn run(&self, verb: &str, show: bool) -> anyhow::Result<()> {
        let mut child = Command::new("bash")
            .arg(&self.script)
            .arg(verb)
            .env("AION_KAFKA_PORT", self.port.to_string())
            .env(
                "AION_KAFKA_CONTROLLER_PORT",
                self.controller_port.to_string(),
            )
            .env("AION_KAFKA_DIR", &self.dir)
            .env("AION_KAFKA_ADMIN_PASSWORD", self.admin_password.expose())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot run {} {verb}", self.script.display()))?;

        let mut log = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .await
            .with_context(|| format!("cannot open {}", self.log.display()))?;
        let stdout = child.stdout.take().map(|s| BufReader::new(s).lines());
        let stderr = child.stderr.take().map(|s| BufReader::new(s).lines());
        let (Some(mut stdout), Some(mut stderr)) = (stdout, stderr) else {
            bail!("cannot read the output of {} {verb}", self.script.display());
        };

        let (mut out_done, mut err_done) = (false, false);
        while !(out_done && err_done) {
            let (line, from_stdout) = tokio::select! {
                line = stdout.next_line(), if !out_done => (line, true),
                line = stderr.next_line(), if !err_done => (line, false),
            };
            match line {
                Ok(Some(line)) => {
                    let _ = log.write_all(format!("{line}\n").as_bytes()).await;
                    if show {
                        println!("    {line}");
                    }
                }
                // A stream that ended or failed is done; the other is read to its end.
                _ if from_stdout => out_done = true,
                _ => err_done = true,
            }
        }

        let status = child.wait().await.context("cannot wait for kafka.sh")?;
        if !status.success() {
            bail!(
                "{} {verb} failed ({status}); its output is in {}",
                self.script.display(),
                self.log.display()
            );
        }
        Ok(())
    }
}

/// The checkout's `scripts/kafka.sh`, found from the working directory.
pub fn script(root: &Path) -> anyhow::Result<PathBuf> {
    let script = root.join("scripts/kafka.sh");
    if !script.is_file() {
        bail!(
            "{} not found: run `aion-events dev` from the repository's root",
            script.display()
        );
    }
    Ok(script)
}

//! The container itself, on testcontainers (the `container` feature).

use std::fmt;
use std::net::{Ipv4Addr, TcpListener};
use std::time::{Duration, Instant};

use sqlx::{Connection, MySqlConnection};
use testcontainers::bollard::{self, Docker};
use testcontainers::core::WaitFor;
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, ContainerRequest, GenericImage, ImageExt};

use super::{CONTAINER_LABEL, ContainerError, DEFAULT_READY_TIMEOUT, ImageRef, parse_image};

/// How long the engine check may take before Docker counts as unavailable.
const ENGINE_CHECK_TIMEOUT: Duration = Duration::from_secs(3);
/// Time for create + start of the container (not for the server to be ready).
const CREATE_TIMEOUT: Duration = Duration::from_secs(60);
const POLL_INTERVAL: Duration = Duration::from_millis(250);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const LOG_TAIL_LINES: usize = 25;
/// Label naming one start attempt, to clean up after a failed start.
const ATTEMPT_LABEL: &str = "io.leadmaster.lmh.attempt";

/// Message of an error and all its sources, since testcontainers nests the useful part.
fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let msg = s.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        source = s.source();
    }
    out
}

/// The Docker endpoint testcontainers will use: DOCKER_HOST, else the first socket that exists.
pub fn docker_endpoint() -> String {
    if let Some(host) = std::env::var_os("DOCKER_HOST").filter(|h| !h.is_empty()) {
        return host.to_string_lossy().into_owned();
    }
    let mut candidates = vec![std::path::PathBuf::from("/var/run/docker.sock")];
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR") {
        candidates.push(std::path::Path::new(&dir).join(".docker/run/docker.sock"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        let home = std::path::Path::new(&home);
        candidates.push(home.join(".docker/run/docker.sock"));
        candidates.push(home.join(".docker/desktop/docker.sock"));
    }
    let found = candidates.into_iter().find(|p| p.exists());
    format!(
        "unix://{}",
        found.map_or("/var/run/docker.sock".into(), |p| p.display().to_string())
    )
}

/// What [`check_docker`] learned about the engine.
#[derive(Debug, Clone)]
pub struct EngineInfo {
    /// The endpoint that answered.
    pub endpoint: String,
    /// Engine version (e.g. `20.10.24+dfsg1`).
    pub version: String,
    /// The engine's own API version (e.g. `1.41`).
    pub api_version: String,
}

/// Connect to the engine and check it accepts the API version testcontainers speaks.
pub async fn check_docker() -> Result<EngineInfo, ContainerError> {
    check_docker_at(&docker_endpoint()).await
}

/// [`check_docker`] against a given endpoint (`unix:///path`, `tcp://host:port`).
pub async fn check_docker_at(endpoint: &str) -> Result<EngineInfo, ContainerError> {
    match tokio::time::timeout(ENGINE_CHECK_TIMEOUT, check_endpoint(endpoint)).await {
        Ok(result) => result,
        Err(_) => Err(ContainerError::NoDocker {
            endpoint: endpoint.to_string(),
            reason: format!("no answer within {}s", ENGINE_CHECK_TIMEOUT.as_secs()),
        }),
    }
}

// bollard 0.20 joins each request path onto its base URL as an absolute path, which drops
// the `/v1.52` prefix, so the engine answers at its own API version; that is why Debian 12's
// Docker 20.10 (API 1.41) works with testcontainers 0.27 without negotiation.
async fn check_endpoint(endpoint: &str) -> Result<EngineInfo, ContainerError> {
    let no_docker = |reason: String| ContainerError::NoDocker {
        endpoint: endpoint.to_string(),
        reason,
    };
    let docker = Docker::connect_with_host(endpoint).map_err(|e| no_docker(chain(&e)))?;
    match docker.version().await {
        Ok(v) => Ok(EngineInfo {
            endpoint: endpoint.to_string(),
            version: v.version.unwrap_or_default(),
            api_version: v.api_version.unwrap_or_default(),
        }),
        Err(e @ bollard::errors::Error::DockerResponseServerError { .. }) => {
            Err(ContainerError::EngineRefused {
                endpoint: endpoint.to_string(),
                reason: chain(&e),
            })
        }
        Err(e) => Err(no_docker(chain(&e))),
    }
}

/// Whether a usable Docker engine answers quickly (within a few seconds).
pub async fn docker_available() -> bool {
    check_docker().await.is_ok()
}

/// A running MySQL/MariaDB container reachable at `127.0.0.1:<port>` as root, no password.
///
/// Dropping it removes the container through the current tokio runtime (testcontainers
/// panics when dropped outside one); call [`MysqlContainer::stop`] to remove it and see errors.
pub struct MysqlContainer {
    container: ContainerAsync<GenericImage>,
    image: String,
    port: u16,
    ready_after: Duration,
}

impl fmt::Debug for MysqlContainer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MysqlContainer")
            .field("id", &self.container.id())
            .field("image", &self.image)
            .field("port", &self.port)
            .finish()
    }
}

/// One start attempt's failure: a lost port race is worth one retry, the rest is not.
enum Attempt {
    PortTaken(ContainerError),
    Fatal(ContainerError),
}

impl MysqlContainer {
    /// Start `image` (`name:tag`) and wait up to [`DEFAULT_READY_TIMEOUT`] for SQL.
    pub async fn start(image: &str) -> Result<MysqlContainer, ContainerError> {
        Self::start_with_timeout(image, DEFAULT_READY_TIMEOUT).await
    }

    /// Start `image` and wait up to `ready_timeout` for the server to answer `SELECT 1`.
    pub async fn start_with_timeout(
        image: &str,
        ready_timeout: Duration,
    ) -> Result<MysqlContainer, ContainerError> {
        Self::start_inner(image, ready_timeout, None).await
    }

    /// Like [`MysqlContainer::start`], but the first attempt uses `first_port`; lets tests
    /// exercise the retry after a lost port race.
    #[doc(hidden)]
    pub async fn start_with_first_port(
        image: &str,
        first_port: u16,
    ) -> Result<MysqlContainer, ContainerError> {
        Self::start_inner(image, DEFAULT_READY_TIMEOUT, Some(first_port)).await
    }

    async fn start_inner(
        image: &str,
        ready_timeout: Duration,
        mut first_port: Option<u16>,
    ) -> Result<MysqlContainer, ContainerError> {
        let image_ref = parse_image(image)?;
        let engine = check_docker().await?;
        ensure_image(&engine.endpoint, &image_ref).await?;
        // The port is free when picked but could be taken before the server binds it; one
        // retry with a fresh port covers that race.
        let mut first_failure = None;
        for _ in 0..2 {
            let port = match first_port.take() {
                Some(p) => p,
                None => free_port()?,
            };
            match start_once(&engine.endpoint, &image_ref, port, ready_timeout).await {
                Ok(c) => return Ok(c),
                Err(Attempt::Fatal(e)) => return Err(e),
                Err(Attempt::PortTaken(e)) => {
                    if first_failure.is_some() {
                        return Err(e);
                    }
                    first_failure = Some(e);
                }
            }
        }
        Err(first_failure.unwrap_or_else(|| ContainerError::Start {
            image: image_ref.to_string(),
            reason: "no start attempt was made".into(),
            logs: Vec::new(),
        }))
    }

    /// `mysql://root@127.0.0.1:<port>` (root has no password in these images).
    pub fn server_url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }

    /// The image the container runs, as `name:tag`.
    pub fn image(&self) -> &str {
        &self.image
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The Docker container id (to find it with `docker ps`).
    pub fn id(&self) -> &str {
        self.container.id()
    }

    /// Time from asking Docker to create the container to the first successful `SELECT 1`.
    pub fn ready_after(&self) -> Duration {
        self.ready_after
    }

    /// The container's last log lines (stdout and stderr).
    pub async fn logs_tail(&self) -> Vec<String> {
        logs_tail(&self.container).await
    }

    /// Remove the container now (forcefully, with its anonymous volumes).
    pub async fn stop(self) -> Result<(), ContainerError> {
        let id = self.container.id().to_string();
        self.container
            .rm()
            .await
            .map_err(|e| ContainerError::Docker {
                action: format!("remove container {id}"),
                reason: chain(&e),
            })
    }
}

async fn ensure_image(endpoint: &str, image: &ImageRef) -> Result<(), ContainerError> {
    let docker = Docker::connect_with_host(endpoint).map_err(|e| ContainerError::NoDocker {
        endpoint: endpoint.to_string(),
        reason: chain(&e),
    })?;
    match docker.inspect_image(&image.to_string()).await {
        Ok(_) => Ok(()),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Err(ContainerError::ImageMissing {
            image: image.to_string(),
        }),
        Err(e) => Err(ContainerError::Docker {
            action: format!("inspect image {image}"),
            reason: chain(&e),
        }),
    }
}

fn free_port() -> Result<u16, ContainerError> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(ContainerError::NoFreePort)?;
    let port = listener
        .local_addr()
        .map_err(ContainerError::NoFreePort)?
        .port();
    drop(listener);
    Ok(port)
}

/// One start on `port`: create and start the container, then wait for SQL.
async fn start_once(
    endpoint: &str,
    image: &ImageRef,
    port: u16,
    ready_timeout: Duration,
) -> Result<MysqlContainer, Attempt> {
    let name = image.to_string();
    let started = Instant::now();
    // testcontainers leaves a created-but-unstartable container behind; this label finds it.
    let attempt = format!("{}-{}-{}", std::process::id(), port, fastrand::u64(..));
    let container = match server_request(image, port, &attempt).start().await {
        Ok(c) => c,
        Err(e) => {
            remove_attempt(endpoint, &attempt).await;
            return Err(Attempt::Fatal(ContainerError::Start {
                image: name,
                reason: chain(&e),
                logs: Vec::new(),
            }));
        }
    };
    let ready_after = wait_for_sql(&container, &name, port, started, ready_timeout).await?;
    Ok(MysqlContainer {
        container,
        image: name,
        port,
        ready_after,
    })
}

/// The container of a MySQL/MariaDB server with an empty root password, on the host's
/// network, listening on `127.0.0.1:port` only.
fn server_request(image: &ImageRef, port: u16, attempt: &str) -> ContainerRequest<GenericImage> {
    GenericImage::new(image.name.as_str(), image.tag.as_str())
        .with_wait_for(WaitFor::Nothing)
        .with_network("host")
        .with_env_var("MYSQL_ALLOW_EMPTY_PASSWORD", "yes")
        .with_env_var("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD", "1")
        .with_env_var("MYSQL_ROOT_HOST", "%")
        .with_label(CONTAINER_LABEL, "mysql")
        .with_label(ATTEMPT_LABEL, attempt)
        .with_cmd([format!("--port={port}"), "--bind-address=127.0.0.1".into()])
        .with_startup_timeout(CREATE_TIMEOUT)
}

/// Poll until the server in `container` answers `SELECT 1` on `port` (how long it took),
/// it exits, or `ready_timeout` from `started` passes.
async fn wait_for_sql(
    container: &ContainerAsync<GenericImage>,
    name: &str,
    port: u16,
    started: Instant,
    ready_timeout: Duration,
) -> Result<Duration, Attempt> {
    let url = format!("mysql://root@127.0.0.1:{port}");
    let deadline = started + ready_timeout;
    loop {
        let last_error = match select_one(&url).await {
            Ok(()) => {
                let ready_after = started.elapsed();
                return match answered_for(container, name, port).await {
                    Some(taken) => Err(taken),
                    None => Ok(ready_after),
                };
            }
            Err(e) => e,
        };
        if !container.is_running().await.unwrap_or(true) {
            return Err(exited(container, name).await);
        }
        if Instant::now() >= deadline {
            return Err(Attempt::Fatal(ContainerError::NotReady {
                image: name.to_string(),
                port,
                waited: started.elapsed(),
                last_error,
                logs: logs_tail(container).await,
            }));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// `Some` when the answer on `port` came from another server: ours failed to bind and
/// exited.
async fn answered_for(
    container: &ContainerAsync<GenericImage>,
    name: &str,
    port: u16,
) -> Option<Attempt> {
    let logs = logs_tail(container).await;
    if bind_failed(&logs) || !container.is_running().await.unwrap_or(false) {
        return Some(Attempt::PortTaken(ContainerError::Start {
            image: name.to_string(),
            reason: format!("port {port} was taken by another process"),
            logs,
        }));
    }
    None
}

/// The server exited before accepting connections: because its port was taken, or fatally.
async fn exited(container: &ContainerAsync<GenericImage>, name: &str) -> Attempt {
    let logs = logs_tail(container).await;
    let code = container.exit_code().await.ok().flatten();
    let reason = match code {
        Some(c) => format!("the server exited with code {c} before accepting connections"),
        None => "the server exited before accepting connections".into(),
    };
    let err = ContainerError::Start {
        image: name.to_string(),
        reason,
        logs: logs.clone(),
    };
    if bind_failed(&logs) {
        Attempt::PortTaken(err)
    } else {
        Attempt::Fatal(err)
    }
}

/// Best effort: remove whatever a failed start attempt left (the start error is what matters).
async fn remove_attempt(endpoint: &str, attempt: &str) {
    use bollard::query_parameters::{ListContainersOptionsBuilder, RemoveContainerOptionsBuilder};
    let Ok(docker) = Docker::connect_with_host(endpoint) else {
        return;
    };
    let filters =
        std::collections::HashMap::from([("label", vec![format!("{ATTEMPT_LABEL}={attempt}")])]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let Ok(found) = docker.list_containers(Some(options)).await else {
        return;
    };
    for id in found.into_iter().filter_map(|c| c.id) {
        let options = RemoveContainerOptionsBuilder::new()
            .force(true)
            .v(true)
            .build();
        let _ = docker.remove_container(&id, Some(options)).await;
    }
}

async fn select_one(url: &str) -> Result<(), String> {
    let attempt = async {
        let mut conn = MySqlConnection::connect(url).await.map_err(|e| chain(&e))?;
        let one: i64 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| chain(&e))?;
        let _ = conn.close().await;
        if one == 1 {
            Ok(())
        } else {
            Err(format!("SELECT 1 returned {one}"))
        }
    };
    tokio::time::timeout(CONNECT_TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {}s", CONNECT_TIMEOUT.as_secs())))
}

fn bind_failed(logs: &[String]) -> bool {
    logs.iter().any(|l| {
        l.contains("Address already in use")
            || l.contains("Bind on TCP/IP port")
            || l.contains("another mysqld server running on port")
            || l.contains("another mariadbd server running on port")
    })
}

async fn logs_tail(container: &ContainerAsync<GenericImage>) -> Vec<String> {
    let mut lines = Vec::new();
    for (stream, bytes) in [
        ("stdout", container.stdout_to_vec().await),
        ("stderr", container.stderr_to_vec().await),
    ] {
        match bytes {
            Ok(b) => lines.extend(
                String::from_utf8_lossy(&b)
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string),
            ),
            Err(e) => lines.push(format!("({stream} unavailable: {})", chain(&e))),
        }
    }
    let skip = lines.len().saturating_sub(LOG_TAIL_LINES);
    lines.split_off(skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_failure_is_recognised() {
        let logs = vec![
            "[ERROR] Can't start server: Bind on TCP/IP port. Got error: 98: Address already in use"
                .to_string(),
        ];
        assert!(bind_failed(&logs));
        assert!(!bind_failed(&["ready for connections".to_string()]));
    }
}

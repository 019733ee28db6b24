//! An ephemeral MySQL/MariaDB server in a Docker container, for runs without `--db-url`.
//!
//! The container uses host networking and binds only 127.0.0.1 on a free port, so nothing
//! gets a private-range address and no port mapping is needed. Readiness is a real SQL
//! `SELECT 1`, not a log line, because images differ in what they print. The container is
//! removed when the [`MysqlContainer`] is dropped (inside a tokio runtime) or stopped.
//!
//! No registry is reachable on CI, so CI builds `lmh-mariadb:10.11` from the machine's own
//! MariaDB (`ci/build-mariadb-image.sh`) and sets `LMH_MYSQL_IMAGE` to it.
//!
//! The image rules and errors are always built; starting a container needs the `container`
//! feature (testcontainers). Without it, [`MysqlContainer::start`] fails with
//! [`ContainerError::NotBuilt`] and [`docker_available`] says no.

use std::fmt;
use std::time::Duration;

#[cfg(not(feature = "container"))]
mod disabled;
#[cfg(feature = "container")]
mod engine;
#[cfg(not(feature = "container"))]
pub use disabled::{MysqlContainer, docker_available};
#[cfg(feature = "container")]
pub use engine::{
    EngineInfo, MysqlContainer, check_docker, check_docker_at, docker_available, docker_endpoint,
};

/// Image used when `LMH_MYSQL_IMAGE` is not set.
pub const DEFAULT_IMAGE: &str = "mysql:8.4";

/// Environment variable that names the image (`name:tag`) to start.
pub const IMAGE_ENV: &str = "LMH_MYSQL_IMAGE";

/// How long [`MysqlContainer::start`] waits for the server to answer SQL.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(90);

/// Label on every container lmh starts, so leftovers can be found with `docker ps -a`.
pub const CONTAINER_LABEL: &str = "io.leadmaster.lmh";

/// Why an ephemeral database container could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    /// Nothing answered on the Docker endpoint.
    #[error(
        "no Docker engine answers at {endpoint} ({reason}); start one with `ci/setup-docker.sh` \
         (as root), or give lmh an existing server with --db-url"
    )]
    NoDocker {
        /// The endpoint tried (DOCKER_HOST or the default socket).
        endpoint: String,
        /// What went wrong when connecting.
        reason: String,
    },
    /// An engine answered but refused the version request.
    #[error(
        "the Docker engine at {endpoint} answered but refused lmh ({reason}); check \
         `docker version`, rerun `ci/setup-docker.sh`, or pass --db-url"
    )]
    EngineRefused {
        /// The endpoint tried.
        endpoint: String,
        /// The engine's answer.
        reason: String,
    },
    /// The image name is empty or not of the form `name:tag`.
    #[error(
        "invalid database image {value:?} (from {IMAGE_ENV}): {reason}; set {IMAGE_ENV} to \
         name:tag, e.g. lmh-mariadb:10.11, or unset it to use {DEFAULT_IMAGE}"
    )]
    InvalidImage {
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The image is not in the local engine (and no registry is reachable to pull it).
    #[error(
        "image {image} is not in the local Docker engine; build it with \
         `ci/build-mariadb-image.sh` (gives lmh-mariadb:10.11), or set {IMAGE_ENV} to an image \
         listed by `docker images`"
    )]
    ImageMissing {
        /// The image asked for.
        image: String,
    },
    /// The container could not be created or started, or exited early.
    #[error(
        "could not start a container from {image}: {reason}{}",
        format_logs(logs)
    )]
    Start {
        /// The image asked for.
        image: String,
        /// What failed.
        reason: String,
        /// The container's last log lines, if it got that far.
        logs: Vec<String>,
    },
    /// The server never answered `SELECT 1` within the bound.
    #[error(
        "{image} did not accept SQL connections on 127.0.0.1:{port} within {}s \
         (last error: {last_error}); try a longer wait or check the image{}",
        waited.as_secs(),
        format_logs(logs)
    )]
    NotReady {
        /// The image asked for.
        image: String,
        /// The loopback port the server was told to use.
        port: u16,
        /// How long lmh waited.
        waited: Duration,
        /// The last connection error.
        last_error: String,
        /// The container's last log lines.
        logs: Vec<String>,
    },
    /// No free loopback port could be found.
    #[error("could not find a free port on 127.0.0.1: {0}")]
    NoFreePort(#[source] std::io::Error),
    /// A Docker API call other than start failed (e.g. removing the container).
    #[error("Docker could not {action}: {reason}")]
    Docker {
        /// What lmh asked Docker to do.
        action: String,
        /// Docker's answer.
        reason: String,
    },
    /// This lmh was built without the `container` feature.
    #[cfg(not(feature = "container"))]
    #[error(
        "this lmh was built without the `container` feature, so it cannot start a database \
         container; give it a server with --db-url (or DATABASE_URL), or rebuild with \
         `--features container`"
    )]
    NotBuilt,
}

fn format_logs(logs: &[String]) -> String {
    if logs.is_empty() {
        return String::new();
    }
    let mut out = String::from("\ncontainer's last log lines:");
    for line in logs {
        out.push_str("\n  ");
        out.push_str(line);
    }
    out
}

/// The image named by `LMH_MYSQL_IMAGE`, or [`DEFAULT_IMAGE`] when it is unset.
///
/// The value is returned as given (an empty or malformed value is reported by
/// [`parse_image`] / [`MysqlContainer::start`], which name the variable).
pub fn image_from_env() -> String {
    match std::env::var_os(IMAGE_ENV) {
        None => DEFAULT_IMAGE.to_string(),
        Some(v) => v.to_string_lossy().into_owned(),
    }
}

/// A parsed `name:tag` image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Repository, possibly with a registry host (`registry:5000/team/mysql`).
    pub name: String,
    /// Tag (`8.4`, `10.11`).
    pub tag: String,
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.tag)
    }
}

/// Parse `name:tag`, rejecting empty values, missing tags, digests and stray characters.
pub fn parse_image(value: &str) -> Result<ImageRef, ContainerError> {
    let bad = |reason: &str| ContainerError::InvalidImage {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    if value.trim().is_empty() {
        return Err(bad("it is empty"));
    }
    if value != value.trim() || value.chars().any(char::is_whitespace) {
        return Err(bad("it contains whitespace"));
    }
    if value.contains('@') {
        return Err(bad("digests (@sha256:...) are not supported"));
    }
    // The tag follows the last ':' after the last '/', so a registry port is not a tag.
    let last_slash = value.rfind('/').map_or(0, |i| i + 1);
    let Some(colon) = value[last_slash..].rfind(':').map(|i| i + last_slash) else {
        return Err(bad("it has no tag"));
    };
    let (name, tag) = (&value[..colon], &value[colon + 1..]);
    if tag.is_empty() {
        return Err(bad("the tag after ':' is empty"));
    }
    if tag.len() > 128
        || tag.starts_with(['.', '-'])
        || !tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(bad(
            "the tag may hold only letters, digits, '_', '.' and '-' (not first), at most 128",
        ));
    }
    if name.is_empty() {
        return Err(bad("the name before ':' is empty"));
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    // A first part with '.' or ':' or "localhost" is a registry host, which may hold
    // uppercase letters and a port.
    if parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost") {
        let host = parts.remove(0);
        let ok = host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        if !ok || host.starts_with([':', '.', '-']) {
            return Err(bad("the registry host part is malformed"));
        }
    }
    for part in parts {
        let ok = !part.is_empty()
            && part.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
            && part.starts_with(|c: char| c.is_ascii_alphanumeric())
            && part.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !ok {
            return Err(bad(
                "each part of the name must be lowercase letters, digits and '.', '_', '-' \
                 between them",
            ));
        }
    }
    Ok(ImageRef {
        name: name.to_string(),
        tag: tag.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_registry_images() {
        assert_eq!(
            parse_image("mysql:8.4").unwrap(),
            ImageRef {
                name: "mysql".into(),
                tag: "8.4".into()
            }
        );
        let r = parse_image("localhost:5000/team/lmh-mariadb:10.11").unwrap();
        assert_eq!(r.name, "localhost:5000/team/lmh-mariadb");
        assert_eq!(r.tag, "10.11");
        assert_eq!(r.to_string(), "localhost:5000/team/lmh-mariadb:10.11");
    }

    #[test]
    fn rejects_bad_images_with_reason() {
        for (value, needle) in [
            ("", "empty"),
            ("   ", "empty"),
            ("mysql", "no tag"),
            ("registry:5000/mysql", "no tag"),
            ("mysql:", "tag after ':' is empty"),
            (":8.4", "name before ':' is empty"),
            ("MySQL:8.4", "lowercase"),
            ("mysql:8.4 ", "whitespace"),
            ("mysql@sha256:abc", "digests"),
            ("mysql:-x", "tag may hold"),
            ("my//sql:1", "lowercase"),
        ] {
            let err = parse_image(value).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(err, ContainerError::InvalidImage { .. }),
                "{value:?}: {msg}"
            );
            assert!(msg.contains(needle), "{value:?}: {msg}");
            assert!(msg.contains(IMAGE_ENV), "{value:?}: {msg}");
            assert!(!msg.contains("--image"), "no such flag: {msg}");
        }
    }

    #[test]
    fn default_image_parses() {
        assert!(parse_image(DEFAULT_IMAGE).is_ok());
    }

    #[test]
    fn error_messages_say_what_to_do() {
        let e = ContainerError::NoDocker {
            endpoint: "unix:///nowhere.sock".into(),
            reason: "No such file".into(),
        };
        let m = e.to_string();
        assert!(
            m.contains("ci/setup-docker.sh") && m.contains("--db-url"),
            "{m}"
        );
        let m = ContainerError::ImageMissing {
            image: "x:1".into(),
        }
        .to_string();
        assert!(
            m.contains("ci/build-mariadb-image.sh") && m.contains(IMAGE_ENV),
            "{m}"
        );
        let m = ContainerError::NotReady {
            image: "x:1".into(),
            port: 1234,
            waited: Duration::from_secs(90),
            last_error: "refused".into(),
            logs: vec!["boom".into()],
        }
        .to_string();
        assert!(
            m.contains("90s") && m.contains("boom") && m.contains("1234"),
            "{m}"
        );
    }
}

//! Why an ephemeral database container could not be had, in words that say what to do.

use std::time::Duration;

use super::{DEFAULT_IMAGE, IMAGE_ENV};

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

#[cfg(test)]
mod tests {
    use super::*;

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

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
//! `ContainerError::NotBuilt` and [`docker_available`] says no.

use std::time::Duration;

#[cfg(not(feature = "container"))]
mod disabled;
#[cfg(feature = "container")]
mod engine;
mod error;
mod image;
#[cfg(not(feature = "container"))]
pub use disabled::{MysqlContainer, docker_available};
#[cfg(feature = "container")]
pub use engine::{
    EngineInfo, MysqlContainer, check_docker, check_docker_at, docker_available, docker_endpoint,
};
pub use error::ContainerError;
pub use image::{ImageRef, image_from_env, parse_image};

/// Image used when `LMH_MYSQL_IMAGE` is not set.
pub const DEFAULT_IMAGE: &str = "mysql:8.4";

/// Environment variable that names the image (`name:tag`) to start.
pub const IMAGE_ENV: &str = "LMH_MYSQL_IMAGE";

/// How long [`MysqlContainer::start`] waits for the server to answer SQL.
pub const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(90);

/// Label on every container lmh starts, so leftovers can be found with `docker ps -a`.
pub const CONTAINER_LABEL: &str = "io.leadmaster.lmh";

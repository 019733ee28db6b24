//! Stand-ins when lmh is built without the `container` feature: asking for a container
//! fails with [`ContainerError::NotBuilt`], which says what to do instead.

use std::convert::Infallible;

use super::{ContainerError, parse_image};

/// A container that cannot exist in this build (it has no values).
#[derive(Debug)]
pub struct MysqlContainer {
    never: Infallible,
}

impl MysqlContainer {
    /// Checks the image name, then refuses: this build cannot start containers.
    pub async fn start(image: &str) -> Result<MysqlContainer, ContainerError> {
        parse_image(image)?;
        Err(ContainerError::NotBuilt)
    }

    /// Unreachable: no container exists in this build.
    pub fn server_url(&self) -> String {
        match self.never {}
    }

    /// Unreachable: no container exists in this build.
    pub fn image(&self) -> &str {
        match self.never {}
    }

    /// Unreachable: no container exists in this build.
    pub fn port(&self) -> u16 {
        match self.never {}
    }
}

/// Without the `container` feature no engine is usable, so `Auto` never picks a container.
pub async fn docker_available() -> bool {
    false
}

#[cfg(test)]
mod tests {
    use crate::db::{DbServer, DbSource};

    #[tokio::test]
    async fn asking_for_a_container_says_the_feature_is_missing() {
        let err = DbServer::provide(&DbSource::Container("lmh-mariadb:10.11".into()))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`container` feature") && err.contains("--db-url"),
            "{err}"
        );
    }
}

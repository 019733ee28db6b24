//! Where the scratch databases live: a server given by URL, or an ephemeral container.

use crate::container::{self, ContainerError, MysqlContainer};

use super::{DbError, require_server_url};

/// How the user asked for a database server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbSource {
    /// `--db-url URL` (or `DATABASE_URL`).
    Url(String),
    /// `--container`: start `image` (default from `LMH_MYSQL_IMAGE`).
    Container(String),
    /// Neither: `DATABASE_URL` if set, else a container if a Docker engine answers.
    Auto,
}

/// A server to create scratch databases on; a container goes away with it.
#[derive(Debug)]
pub struct DbServer {
    url: String,
    container: Option<MysqlContainer>,
}

/// The server could not be provided.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// From a URL.
    #[error(transparent)]
    Db(#[from] DbError),
    /// From a container.
    #[error(transparent)]
    Container(#[from] ContainerError),
}

impl DbServer {
    /// Provide a server as `source` says. Never falls back silently: with [`DbSource::Auto`]
    /// and no URL and no Docker engine, the error says what to do.
    pub async fn provide(source: &DbSource) -> Result<DbServer, ServerError> {
        match source {
            DbSource::Url(url) => DbServer::from_url(require_server_url(Some(url))?),
            DbSource::Container(image) => DbServer::container(image).await,
            DbSource::Auto => match super::server_url_from_env() {
                Some(url) => DbServer::from_url(url),
                None if container::docker_available().await => {
                    DbServer::container(&container::image_from_env()).await
                }
                None => Err(DbError::NoDatabase.into()),
            },
        }
    }

    /// A server given by URL, checked before anything is printed or connected.
    fn from_url(url: String) -> Result<DbServer, ServerError> {
        super::parse_server_url(&url)?;
        Ok(DbServer {
            url,
            container: None,
        })
    }

    async fn container(image: &str) -> Result<DbServer, ServerError> {
        let c = MysqlContainer::start(image).await?;
        Ok(DbServer {
            url: c.server_url(),
            container: Some(c),
        })
    }

    /// Whether it is an ephemeral container (nothing of earlier runs can be on it).
    pub fn is_container(&self) -> bool {
        self.container.is_some()
    }

    /// The server URL scratch databases are created on (may hold a password: never print it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What to show a person: the URL without password, and the container image if any.
    pub fn describe(&self) -> String {
        match &self.container {
            Some(c) => format!("container {} on 127.0.0.1:{}", c.image(), c.port()),
            None => super::redact_url(&self.url),
        }
    }
}

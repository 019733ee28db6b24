//! A scratch database: created, marked and migrated for one run, dropped when done.

use sqlx::mysql::{MySqlConnection, MySqlPool};
use sqlx::{AssertSqlSafe, Connection, Executor};

use super::connect::{SqlMode, admin_connect, pool_options};
use super::dropping::drop_scratch;
use super::error::{connect_error, mysql_error_number, server_query_error};
use super::live::{LiveEntry, live};
use super::name::{generate_scratch_name, validate_scratch_name};
use super::owner::Owner;
use super::url::{ServerUrl, parse_server_url};
use super::{DbError, MARKER_TABLE, MIGRATOR};

/// A database lmh created for one run: migrated, marked as lmh's, dropped when done.
pub struct ScratchDb {
    name: String,
    run_id: String,
    server: ServerUrl,
    pool: MySqlPool,
}

impl std::fmt::Debug for ScratchDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScratchDb")
            .field("name", &self.name)
            .field("run_id", &self.run_id)
            .field("server", &self.server.display_base)
            .finish_non_exhaustive()
    }
}

impl ScratchDb {
    /// Create, mark and migrate a new scratch database on the server at `server_url`.
    ///
    /// A database named in the URL is used only as the admin session's default and is never
    /// written to. On any failure after the CREATE, the new database is dropped again.
    pub async fn create(server_url: &str) -> Result<ScratchDb, DbError> {
        let server = parse_server_url(server_url)?;
        let mut admin = admin_connect(&server).await?;
        let run_id = format!("{}-{}", std::process::id(), fastrand::u64(..));

        let name = match Self::create_database(&mut admin, &server, &run_id).await {
            Ok(name) => name,
            Err(e) => {
                let _ = admin.close().await;
                return Err(e);
            }
        };
        let result = Self::mark_and_migrate(&mut admin, &server, &name, &run_id).await;
        let _ = admin.close().await;
        match result {
            Ok(pool) => Ok(ScratchDb {
                name,
                run_id,
                server,
                pool,
            }),
            Err(e) => {
                live().remove(&name);
                // We issued the CREATE a moment ago, so the database is ours even without a marker.
                let _ = drop_scratch(&server, &name, Owner::JustCreated).await;
                Err(e)
            }
        }
    }

    /// `CREATE DATABASE` under a fresh scratch name, registered for dropping before it exists.
    async fn create_database(
        admin: &mut MySqlConnection,
        server: &ServerUrl,
        run_id: &str,
    ) -> Result<String, DbError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let name = generate_scratch_name();
            validate_scratch_name(&name)?;
            // Registered BEFORE the CREATE: a signal that cancels this future after the server
            // created the database but before the marker is written still finds it here
            // (`drop_all_live` drops it while it is empty or marked by this run).
            live().insert(
                name.clone(),
                LiveEntry {
                    server: server.clone(),
                    run_id: run_id.to_string(),
                },
            );
            let sql =
                format!("CREATE DATABASE `{name}` CHARACTER SET latin1 COLLATE latin1_swedish_ci");
            let created = admin.execute(AssertSqlSafe(sql)).await;
            if created.is_err() {
                live().remove(&name);
            }
            match created {
                Ok(_) => return Ok(name),
                // 1007: database exists. Astronomically unlikely; try another random suffix.
                Err(e) if mysql_error_number(&e) == Some(1007) && attempt < 3 => continue,
                Err(e) => {
                    let hint = if mysql_error_number(&e) == Some(1044) {
                        "; the user needs the CREATE and DROP privileges on lmh_scratch_% databases"
                    } else {
                        ""
                    };
                    return Err(DbError::Query {
                        action: "CREATE DATABASE".into(),
                        target: server.display(),
                        reason: format!("{}{hint}", server.scrub(&e.to_string())),
                    });
                }
            }
        }
    }

    /// Write the marker row, open the pool, run the migrations.
    async fn mark_and_migrate(
        admin: &mut MySqlConnection,
        server: &ServerUrl,
        name: &str,
        run_id: &str,
    ) -> Result<MySqlPool, DbError> {
        let create_marker = format!(
            "CREATE TABLE `{name}`.`{MARKER_TABLE}` (\
               run_id varchar(64) NOT NULL PRIMARY KEY, \
               db_name varchar(64) NOT NULL, \
               created_at datetime NOT NULL, \
               created_by varchar(255) NOT NULL\
             ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        );
        admin
            .execute(AssertSqlSafe(create_marker))
            .await
            .map_err(|e| server_query_error(server, "creating the marker table", name, &e))?;
        let insert = format!(
            "INSERT INTO `{name}`.`{MARKER_TABLE}` (run_id, db_name, created_at, created_by) VALUES (?, ?, UTC_TIMESTAMP(), ?)"
        );
        sqlx::query(AssertSqlSafe(insert))
            .bind(run_id)
            .bind(name)
            .bind(format!(
                "lmh {} pid {}",
                env!("CARGO_PKG_VERSION"),
                std::process::id()
            ))
            .execute(&mut *admin)
            .await
            .map_err(|e| server_query_error(server, "writing the marker", name, &e))?;

        let pool = pool_options(SqlMode::Strict)
            .connect_with(server.options.clone().database(name))
            .await
            .map_err(|e| connect_error(server, &e))?;
        if let Err(e) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(DbError::Migrate {
                database: name.to_string(),
                reason: server.scrub(&e.to_string()),
            });
        }
        Ok(pool)
    }

    /// The pool on the scratch database; every session runs with [`STRICT_SQL_MODE`](super::STRICT_SQL_MODE).
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// The scratch database's name (`lmh_scratch_...`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The id recorded in the marker table for this run.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// `mysql://user@host:port/lmh_scratch_...`, never with the password.
    pub fn display_url(&self) -> String {
        format!("{}/{}", self.server.display_base, self.name)
    }

    /// A further pool on the same scratch database with another `sql_mode` (e.g. to reproduce a
    /// permissive production server). The caller closes it; dropping the database ends it anyway.
    pub async fn pool_with_sql_mode(&self, mode: SqlMode) -> Result<MySqlPool, DbError> {
        pool_options(mode)
            .connect_with(self.server.options.clone().database(&self.name))
            .await
            .map_err(|e| connect_error(&self.server, &e))
    }

    /// Close the pool and drop the database now, reporting any failure.
    pub async fn drop_database(self) -> Result<(), DbError> {
        // Unregistered only once it is gone: if this future is cancelled half-way (Ctrl-C,
        // SIGTERM) or the drop fails, `Drop` and `drop_all_live` still know to try.
        self.pool.close().await;
        let result = drop_scratch(&self.server, &self.name, Owner::Run(&self.run_id)).await;
        if result.is_ok() {
            live().remove(&self.name);
        }
        result
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if live().remove(&self.name).is_none() {
            return; // dropped already, explicitly or by drop_all_live
        }
        // We may be inside an async runtime (or a panicking test): drop from a fresh thread
        // with its own runtime, and wait, so the database is gone when this returns.
        let server = self.server.clone();
        let name = self.name.clone();
        let run_id = self.run_id.clone();
        let outcome = std::thread::Builder::new()
            .name("lmh-scratch-drop".into())
            .spawn(move || -> Result<(), String> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                rt.block_on(drop_scratch(&server, &name, Owner::Run(&run_id)))
                    .map_err(|e| e.to_string())
            })
            .map_err(|e| e.to_string())
            .and_then(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("the drop thread panicked".into()))
            });
        if let Err(reason) = outcome {
            eprintln!(
                "lmh: warning: scratch database {} was not dropped: {reason}; drop it by hand: DROP DATABASE `{}`;",
                self.display_url(),
                self.name
            );
        }
    }
}

//! The database layer against a real MariaDB/MySQL (DATABASE_URL, else the local server at
//! mysql://root@127.0.0.1:3306): scratch lifecycle, schema faithfulness, the ownership guard,
//! read-only sessions, secrets, what the server does with values outside an ENUM, and the one
//! decoder of each row type.

mod estado;
mod ownership;
mod rows;
mod schema;
mod scratch;
mod secrets;
mod sweep;
mod tls;

use lmh::db::{
    self, DbError, EstadoCampania, EstadoEnvio, EstadoProgramacion, MARKER_TABLE, ScratchDb,
    SqlMode,
};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError, MySqlPool};
use sqlx::{AssertSqlSafe, Connection, Executor, Row};

use crate::helpers::{alone_in_a_process, closed_port, server_url};

/// A test-side connection that does not go through lmh, to observe what lmh did.
async fn observer() -> MySqlConnection {
    let opts: MySqlConnectOptions = server_url().parse().expect("test server URL parses");
    MySqlConnection::connect_with(&opts)
        .await
        .expect("the test server is reachable")
}

async fn database_exists(name: &str) -> bool {
    let mut conn = observer().await;
    let found: Option<String> = sqlx::query_scalar(
        "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
    )
    .bind(name)
    .fetch_optional(&mut conn)
    .await
    .unwrap();
    found.is_some()
}

fn mysql_errno(err: &sqlx::Error) -> Option<u16> {
    err.as_database_error()
        .and_then(|e| e.try_downcast_ref::<MySqlDatabaseError>())
        .map(|e| e.number())
}

/// A database the test makes by hand, without a marker: lmh must never write there.
struct ForeignDb {
    name: String,
}

impl ForeignDb {
    async fn create(name: String) -> ForeignDb {
        let mut conn = observer().await;
        conn.execute(AssertSqlSafe(format!("CREATE DATABASE `{name}`")))
            .await
            .unwrap();
        conn.execute(AssertSqlSafe(format!(
            "CREATE TABLE `{name}`.precious (id int PRIMARY KEY, v varchar(20))"
        )))
        .await
        .unwrap();
        conn.execute(AssertSqlSafe(format!(
            "INSERT INTO `{name}`.precious VALUES (1, 'untouched')"
        )))
        .await
        .unwrap();
        ForeignDb { name }
    }

    fn url(&self) -> String {
        format!("{}/{}", server_url().trim_end_matches('/'), self.name)
    }

    async fn fingerprint(&self) -> Vec<String> {
        let mut conn = observer().await;
        let mut out: Vec<String> = sqlx::query_scalar(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
        )
        .bind(&self.name)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let rows: Vec<(i32, String)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT id, v FROM `{}`.precious ORDER BY id",
            self.name
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        out.extend(rows.into_iter().map(|(id, v)| format!("{id}={v}")));
        out
    }

    async fn remove(self) {
        let mut conn = observer().await;
        conn.execute(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS `{}`",
            self.name
        )))
        .await
        .unwrap();
    }
}

fn unique_suffix() -> String {
    format!("{}_{}", std::process::id(), fastrand::u32(..))
}

//! The connected database as `information_schema` describes it: its tables, columns and
//! unique keys, read once.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::MySqlPool;

use crate::doctor::{DoctorError, query_failed};

/// A column as `information_schema.COLUMNS` describes it.
pub(super) struct ColumnInfo {
    pub(super) data_type: String,
    pub(super) column_type: String,
    pub(super) charset: Option<String>,
}

/// What the probe reads of the current database.
pub(super) struct Catalog {
    pub(super) tables: BTreeSet<String>,
    pub(super) columns: BTreeMap<(String, String), ColumnInfo>,
    /// `(table, index)` → its columns.
    pub(super) unique_keys: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Catalog {
    /// Read tables, columns and unique keys of `DATABASE()`.
    pub(super) async fn read(pool: &MySqlPool) -> Result<Catalog, DoctorError> {
        Ok(Catalog {
            tables: tables(pool).await?,
            columns: columns(pool).await?,
            unique_keys: unique_keys(pool).await?,
        })
    }

    /// The column `table.column`, if it exists.
    pub(super) fn column(&self, table: &str, column: &str) -> Option<&ColumnInfo> {
        self.columns.get(&(table.to_string(), column.to_string()))
    }
}

async fn tables(pool: &MySqlPool) -> Result<BTreeSet<String>, DoctorError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
    )
    .fetch_all(pool)
    .await
    .map_err(query_failed("listing tables in information_schema.TABLES"))?;
    Ok(names.into_iter().collect())
}

async fn columns(pool: &MySqlPool) -> Result<BTreeMap<(String, String), ColumnInfo>, DoctorError> {
    let rows: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR),
                CAST(COLUMN_TYPE AS CHAR), CAST(CHARACTER_SET_NAME AS CHAR)
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
    )
    .fetch_all(pool)
    .await
    .map_err(query_failed(
        "listing columns in information_schema.COLUMNS",
    ))?;
    Ok(rows
        .into_iter()
        .map(|(t, c, data_type, column_type, charset)| {
            let info = ColumnInfo {
                data_type,
                column_type,
                charset,
            };
            ((t, c), info)
        })
        .collect())
}

async fn unique_keys(
    pool: &MySqlPool,
) -> Result<BTreeMap<(String, String), BTreeSet<String>>, DoctorError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR)
         FROM information_schema.STATISTICS
         WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
    )
    .fetch_all(pool)
    .await
    .map_err(query_failed(
        "listing unique keys in information_schema.STATISTICS",
    ))?;
    let mut keys: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (table, index, column) in rows {
        keys.entry((table, index)).or_default().insert(column);
    }
    Ok(keys)
}

/// The values of an `enum('a','b')` column type; `''` inside a value is one quote.
pub(super) fn enum_values(column_type: &str) -> Vec<String> {
    let Some(rest) = column_type
        .trim()
        .strip_prefix("enum(")
        .or_else(|| column_type.trim().strip_prefix("ENUM("))
    else {
        return Vec::new();
    };
    let mut values = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        match chars.next() {
            Some('\'') => {
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            value.push('\'');
                        }
                        Some('\'') | None => break,
                        Some(c) => value.push(c),
                    }
                }
                values.push(value);
            }
            Some(',') | Some(' ') => continue,
            _ => break,
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_enum_values() {
        assert_eq!(
            enum_values("enum('pendiente','enviado','error')"),
            ["pendiente", "enviado", "error"]
        );
        assert_eq!(enum_values("enum('it''s','b')"), ["it's", "b"]);
        assert_eq!(enum_values("ENUM('x')"), ["x"]);
        assert!(enum_values("varchar(20)").is_empty());
        assert_eq!(enum_values("enum('')"), [""]);
    }
}

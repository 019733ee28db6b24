//! Each requirement against the catalog, in report order: tables, columns (type and enum
//! values), unique keys, utf8mb4 text, and lmh's own claim table.

use std::collections::BTreeSet;

use super::catalog::{Catalog, enum_values};
use super::requirements::{COLUMNS, ColumnReq, Family, TABLES, UNIQUE_KEYS, UTF8MB4_COLUMNS};
use super::{CLAIM_TABLE, FindingKind, SchemaFinding, Severity};

/// What the probe found so far, and how many items it checked.
#[derive(Default)]
pub(super) struct Probe {
    pub(super) findings: Vec<SchemaFinding>,
    pub(super) checked: usize,
}

impl Probe {
    /// Every requirement against `catalog`.
    pub(super) fn run(catalog: &Catalog) -> Probe {
        let mut probe = Probe::default();
        probe.tables(catalog);
        for req in COLUMNS {
            // A missing table is reported once, as the table.
            if catalog.tables.contains(req.table) {
                probe.column(catalog, req);
            }
        }
        probe.unique_keys(catalog);
        probe.charsets(catalog);
        probe.claim_table(catalog);
        probe
    }

    fn push(&mut self, severity: Severity, item: String, kind: FindingKind, message: String) {
        self.findings.push(SchemaFinding {
            severity,
            item,
            kind,
            message,
        });
    }

    fn tables(&mut self, catalog: &Catalog) {
        for (table, why) in TABLES {
            self.checked += 1;
            if !catalog.tables.contains(table) {
                let message = format!("table {table} missing: {why}");
                self.push(
                    Severity::Error,
                    table.to_string(),
                    FindingKind::MissingTable,
                    message,
                );
            }
        }
    }

    /// One column: present (an optional one may be missing with a warning), of its type
    /// family, and holding every enum value the scheduler needs.
    fn column(&mut self, catalog: &Catalog, req: &ColumnReq) {
        self.checked += 1;
        let item = format!("{}.{}", req.table, req.column);
        let Some(info) = catalog.column(req.table, req.column) else {
            let severity = if req.optional {
                Severity::Warning
            } else {
                Severity::Error
            };
            let message = format!("{item} missing: {}", req.why);
            return self.push(severity, item, FindingKind::MissingColumn, message);
        };
        if !req.family.accepts(&info.data_type) {
            let expected = req.family.expected();
            let message = format!(
                "{item} is {}, expected {expected}: {}",
                info.column_type, req.why
            );
            let kind = FindingKind::WrongType {
                expected,
                found: info.column_type.clone(),
            };
            return self.push(Severity::Error, item, kind, message);
        }
        let values = match req.family {
            Family::Enum(v) => v,
            Family::TextOrEnum(v) if info.data_type.eq_ignore_ascii_case("enum") => v,
            _ => return,
        };
        let present = enum_values(&info.column_type);
        for (value, why) in values {
            self.checked += 1;
            if !present.iter().any(|p| p == value) {
                let kind = FindingKind::MissingEnumValue {
                    value: value.to_string(),
                };
                let message = format!("{item} enum lacks '{value}': {why}");
                self.push(Severity::Error, item.clone(), kind, message);
            }
        }
    }

    fn unique_keys(&mut self, catalog: &Catalog) {
        for (table, key, why) in UNIQUE_KEYS {
            if !catalog.tables.contains(table) {
                continue;
            }
            self.checked += 1;
            let wanted: BTreeSet<String> = key.iter().map(|c| c.to_string()).collect();
            let of_table = || catalog.unique_keys.iter().filter(|((t, _), _)| t == table);
            if of_table().any(|(_, cols)| *cols == wanted) {
                continue;
            }
            let item = format!("{table} UNIQUE({})", key.join(", "));
            let others: Vec<String> = of_table()
                .map(|((_, index), cols)| {
                    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
                    format!("{index}({})", cols.join(", "))
                })
                .collect();
            let has = if others.is_empty() {
                String::new()
            } else {
                format!(" (its unique keys: {})", others.join(", "))
            };
            let kind = FindingKind::MissingUniqueKey {
                columns: key.iter().map(|c| c.to_string()).collect(),
            };
            let message = format!("{item} missing{has}: {why}");
            self.push(Severity::Error, item, kind, message);
        }
    }

    fn charsets(&mut self, catalog: &Catalog) {
        for (table, column) in UTF8MB4_COLUMNS {
            let Some(charset) = catalog
                .column(table, column)
                .and_then(|i| i.charset.as_ref())
            else {
                continue;
            };
            self.checked += 1;
            if charset != "utf8mb4" {
                let item = format!("{table}.{column}");
                let message = format!(
                    "{item} is {charset}, not utf8mb4: emoji and other characters outside it cannot be stored, so the text sent may differ from the one meant (invariant 18)"
                );
                let kind = FindingKind::Charset {
                    found: charset.clone(),
                };
                self.push(Severity::Warning, item, kind, message);
            }
        }
    }

    fn claim_table(&mut self, catalog: &Catalog) {
        let present = catalog.tables.contains(CLAIM_TABLE);
        let message = if present {
            format!(
                "{CLAIM_TABLE} present: lmh's reference scheduler has run on this database (its claims are counted)"
            )
        } else {
            format!(
                "{CLAIM_TABLE} absent: it is lmh's own claim table, not a production one; nothing missing"
            )
        };
        let kind = FindingKind::ClaimTable { present };
        self.push(Severity::Info, CLAIM_TABLE.to_string(), kind, message);
    }
}

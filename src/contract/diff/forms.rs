//! The forms of a diff: report checks, the terminal, JSON.

use std::fmt::Write as _;

use serde_json::Value;

use super::ContractDiff;
use crate::report::Check;

impl ContractDiff {
    /// As report checks (area `contract`): one failed check per breaking change, one passed
    /// check summing up the compatible ones (an `ok` line never reads "22 breaking").
    pub fn to_checks(&self) -> Vec<Check> {
        let title = format!("{} -> {}", self.old, self.new);
        let mut checks: Vec<Check> = self
            .breaking
            .iter()
            .map(|c| {
                Check::fail(
                    "contract",
                    &c.location,
                    format!("{} [{}]", c.detail, c.kind),
                )
            })
            .collect();
        let compatible = Check::pass(
            "contract",
            &title,
            if self.is_breaking() {
                format!(
                    "{} compatible changes; the {} breaking ones fail separately",
                    self.compatible.len(),
                    self.breaking.len()
                )
            } else {
                format!("0 breaking, {} compatible changes", self.compatible.len())
            },
        )
        .with_details(self.compatible.iter().map(ToString::to_string));
        checks.push(compatible);
        checks
    }

    /// Terminal form: the breaking list, the compatible list, a verdict line.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "contract diff: {} -> {}", self.old, self.new);
        if self.is_empty() {
            let _ = writeln!(out, "  no changes");
        }
        for (title, list) in [
            ("breaking", &self.breaking),
            ("compatible", &self.compatible),
        ] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{title} ({}):", list.len());
            for c in list {
                let _ = writeln!(out, "  {c}");
            }
        }
        let _ = writeln!(
            out,
            "{}: {} breaking, {} compatible",
            if self.is_breaking() { "FAIL" } else { "PASS" },
            self.breaking.len(),
            self.compatible.len()
        );
        out
    }

    /// JSON form: both contracts, the verdict and both lists.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "old": self.old,
            "new": self.new,
            "passed": !self.is_breaking(),
            "breaking": self.breaking,
            "compatible": self.compatible,
        })
    }
}

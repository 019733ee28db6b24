//! Stale references to session-manager ports in a source tree.

use std::collections::BTreeSet;
use std::path::Path;

use super::{
    ConfigError, ConfigReport, Finding, KNOWN_SM_PORTS, ScanOptions, Severity, scan, validate,
};

impl ConfigReport {
    /// Ports worth flagging in a source tree: every session-manager port seen anywhere
    /// (sources, URL, 3001/3011) except the effective one.
    pub fn stale_ports(&self) -> Vec<u16> {
        let mut ports: BTreeSet<u16> = KNOWN_SM_PORTS.into_iter().collect();
        if let Some(url) = &self.base_url {
            ports.insert(url.port);
        }
        let seen = self
            .sm_port
            .shadowed
            .iter()
            .chain(&self.sm_port.inactive)
            .filter_map(|c| c.value.as_deref())
            .chain(self.sm_port.value());
        for value in seen {
            if let Ok(p) = validate::parse_port(value) {
                ports.insert(p);
            }
        }
        if let Some(p) = self.sm_effective_port {
            ports.remove(&p);
        }
        ports.into_iter().collect()
    }

    /// List references to [`ConfigReport::stale_ports`] in the tree at `root`.
    pub fn scan(&mut self, root: &Path, options: &ScanOptions) -> Result<(), ConfigError> {
        let ports = self.stale_ports();
        let scan = scan::scan_tree(root, &ports, options)?;
        let topic = format!("scan {}", root.display());
        let ports_text: Vec<String> = ports.iter().map(u16::to_string).collect();
        let effective = match self.sm_effective_port {
            Some(p) => format!("the session-manager's effective port is {p}"),
            None => "the session-manager's effective port is unknown".into(),
        };
        let mut finding = if scan.hits.is_empty() {
            Finding::new(
                Severity::Info,
                &topic,
                format!(
                    "no references to port {} in {} files ({effective})",
                    ports_text.join("/"),
                    scan.files_scanned
                ),
            )
        } else {
            Finding::new(
                Severity::Warning,
                &topic,
                format!(
                    "{} references to port {} in {} files; {effective}: check each is not \
                     meant for the session-manager",
                    scan.hits.len(),
                    ports_text.join("/"),
                    scan.files_scanned
                ),
            )
        };
        finding.details = scan
            .hits
            .iter()
            .map(|h| format!("{}:{}: {}", h.file.display(), h.line, h.text))
            .collect();
        for path in &scan.skipped_large {
            finding.details.push(format!(
                "skipped (over {} bytes): {}",
                options.max_file_bytes,
                path.display()
            ));
        }
        if let Some(why) = &scan.truncated {
            finding.details.push(format!("scan incomplete: {why}"));
        }
        self.findings.push(finding);
        self.scans.push(scan);
        Ok(())
    }
}

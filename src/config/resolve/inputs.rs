//! Where one service's configuration is read from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::ConfigError;

/// PM2 looks for these names, in this order, when no file is given.
pub const ECOSYSTEM_NAMES: [&str; 4] = [
    "ecosystem.config.js",
    "ecosystem.config.cjs",
    "ecosystem.config.mjs",
    "ecosystem.config.json",
];

/// Where to read one service's configuration from.
#[derive(Debug, Clone, Default)]
pub struct ServiceInputs {
    /// The service directory the files were found in, for reports.
    pub dir: Option<PathBuf>,
    /// The `.env` file, if any.
    pub dotenv: Option<PathBuf>,
    /// The PM2 ecosystem file, if any.
    pub pm2: Option<PathBuf>,
    /// Other ecosystem files found next to `pm2` and not used.
    pub other_pm2: Vec<PathBuf>,
    /// Which app of the PM2 file; by default the only one, or the one named like the service.
    pub pm2_app: Option<String>,
    /// The `--env <name>` PM2 was started with, selecting `env_<name>`.
    pub pm2_env: Option<String>,
    /// The shell environment the process was started from (not lmh's own environment).
    pub shell: BTreeMap<String, String>,
}

impl ServiceInputs {
    /// The `.env` and `ecosystem.config.*` files of a service directory (missing ones are left out).
    pub fn from_dir(dir: &Path) -> Result<ServiceInputs, ConfigError> {
        if !dir.is_dir() {
            return Err(ConfigError::NotADirectory {
                path: dir.to_path_buf(),
            });
        }
        let dotenv = Some(dir.join(".env")).filter(|p| p.is_file());
        let mut ecosystems: Vec<PathBuf> = ECOSYSTEM_NAMES
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
            .collect();
        let pm2 = (!ecosystems.is_empty()).then(|| ecosystems.remove(0));
        Ok(ServiceInputs {
            dir: Some(dir.to_path_buf()),
            dotenv,
            pm2,
            other_pm2: ecosystems,
            ..ServiceInputs::default()
        })
    }

    /// Whether anything at all describes this service.
    pub fn is_empty(&self) -> bool {
        self.dir.is_none() && self.dotenv.is_none() && self.pm2.is_none() && self.shell.is_empty()
    }
}

//! Every contract version lmh knows, in one table: its name, its embedded file and how the
//! mock answers by it. A new version is a YAML file under `contracts/`, one row here and one
//! answer module under `src/mock/answers/`.

use crate::mock::answers::{self, AnswerFn};

use super::Contract;

/// One version of the session-manager's contract.
#[derive(Clone, Copy)]
pub struct ContractVersion {
    /// Name used on the command line and in reports (`v1`).
    pub name: &'static str,
    /// Other spellings accepted for the name (`1`).
    pub aliases: &'static [&'static str],
    /// What this version is, for people (`seed era`).
    pub about: &'static str,
    /// The file it is embedded from, relative to the project root.
    pub file: &'static str,
    /// The embedded YAML text.
    pub source: &'static str,
    /// Whether the provider keeps one session per `X-Cliente-Id` (v2 keeps one for everyone,
    /// so the mock's journal records no client for it).
    pub per_client_sessions: bool,
    /// How the mock answers by this version.
    pub(crate) answers: AnswerFn,
}

impl std::fmt::Debug for ContractVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl ContractVersion {
    /// The embedded contract, parsed.
    pub fn contract(&self) -> Contract {
        Contract::parse(self.source, self.file)
            .unwrap_or_else(|e| panic!("the embedded contract is checked by the test suite: {e}"))
    }

    /// Whether `name` names this version.
    pub fn is_named(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

/// The seed-era service.
pub const V1: ContractVersion = ContractVersion {
    name: "v1",
    aliases: &["1"],
    about: "seed era",
    file: "contracts/session-manager.v1.yaml",
    source: include_str!("../../contracts/session-manager.v1.yaml"),
    per_client_sessions: true,
    answers: answers::v1::answer,
};

/// The drifted service of March 2026.
pub const V2: ContractVersion = ContractVersion {
    name: "v2",
    aliases: &["2"],
    about: "drifted",
    file: "contracts/session-manager.v2.yaml",
    source: include_str!("../../contracts/session-manager.v2.yaml"),
    per_client_sessions: false,
    answers: answers::v2::answer,
};

/// Every version, oldest first.
pub static VERSIONS: &[ContractVersion] = &[V1, V2];

/// The version called `name` (or one of its aliases).
pub fn version(name: &str) -> Option<&'static ContractVersion> {
    VERSIONS.iter().find(|v| v.is_named(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_contract_parses_and_names_are_unique() {
        for (i, v) in VERSIONS.iter().enumerate() {
            assert!(!v.contract().operations.is_empty(), "{}", v.name);
            assert!(v.source.len() as u64 <= super::super::MAX_CONTRACT_BYTES);
            for other in &VERSIONS[i + 1..] {
                assert!(!other.is_named(v.name), "{}", v.name);
                assert!(v.aliases.iter().all(|a| !other.is_named(a)), "{}", v.name);
            }
            assert_eq!(version(v.name).map(|f| f.name), Some(v.name));
        }
        assert!(version("v9").is_none());
    }

    #[test]
    fn mock_profiles_are_looked_up_in_the_table() {
        use crate::mock::Profile;
        assert_eq!("2".parse::<Profile>(), Ok(Profile::V2));
        assert_eq!(
            "v1".parse::<Profile>().map(|p| p.version().file),
            Ok(V1.file)
        );
        let err = "v3".parse::<Profile>().unwrap_err();
        assert!(
            err.contains("\"v3\"") && err.contains("v1 (seed era) or v2 (drifted)"),
            "{err}"
        );
    }
}

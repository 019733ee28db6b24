//! One change between two contracts, and its kinds.

use std::fmt;

use serde::Serialize;

/// What kind of change one [`Change`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// An operation of the old contract is gone.
    OperationRemoved,
    /// The new contract has an operation the old one lacks.
    OperationAdded,
    /// A documented status code is gone.
    StatusRemoved,
    /// A status code is newly documented.
    StatusAdded,
    /// The success code(s) of an operation changed.
    SuccessStatusChanged,
    /// A required response field is gone.
    RequiredFieldRemoved,
    /// A required response field is gone and a similar one appeared: probably a rename.
    FieldRenamed,
    /// A required response field became optional.
    FieldBecameOptional,
    /// A field became required (breaking in a request, harmless in a response).
    FieldBecameRequired,
    /// An optional field is gone.
    FieldRemoved,
    /// A field was added.
    FieldAdded,
    /// Values were removed from an enum (or a const changed).
    EnumNarrowed,
    /// Values were added to an enum, or the enum was lifted.
    EnumWidened,
    /// A value's type changed.
    TypeChanged,
    /// A request header became required, or a required one was added.
    HeaderRequired,
    /// A request header is no longer documented.
    HeaderRemoved,
    /// An optional request header was added.
    HeaderAdded,
    /// A required request header became optional.
    HeaderOptional,
    /// An operation now takes a request body.
    RequestBodyAdded,
    /// An operation no longer takes a request body.
    RequestBodyRemoved,
    /// An answer no longer has a documented JSON body.
    BodyNoLongerJson,
    /// An answer now has a documented JSON body.
    BodyNowJson,
}

impl ChangeKind {
    /// The kebab-case name, as in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::OperationRemoved => "operation-removed",
            ChangeKind::OperationAdded => "operation-added",
            ChangeKind::StatusRemoved => "status-removed",
            ChangeKind::StatusAdded => "status-added",
            ChangeKind::SuccessStatusChanged => "success-status-changed",
            ChangeKind::RequiredFieldRemoved => "required-field-removed",
            ChangeKind::FieldRenamed => "field-renamed",
            ChangeKind::FieldBecameOptional => "field-became-optional",
            ChangeKind::FieldBecameRequired => "field-became-required",
            ChangeKind::FieldRemoved => "field-removed",
            ChangeKind::FieldAdded => "field-added",
            ChangeKind::EnumNarrowed => "enum-narrowed",
            ChangeKind::EnumWidened => "enum-widened",
            ChangeKind::TypeChanged => "type-changed",
            ChangeKind::HeaderRequired => "header-required",
            ChangeKind::HeaderRemoved => "header-removed",
            ChangeKind::HeaderAdded => "header-added",
            ChangeKind::HeaderOptional => "header-optional",
            ChangeKind::RequestBodyAdded => "request-body-added",
            ChangeKind::RequestBodyRemoved => "request-body-removed",
            ChangeKind::BodyNoLongerJson => "body-no-longer-json",
            ChangeKind::BodyNowJson => "body-now-json",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One difference between two contracts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What kind of change.
    pub kind: ChangeKind,
    /// Where: `METHOD /path`, then a status code, `request` or `header NAME`, then a JSON pointer.
    pub location: String,
    /// One line a person can act on.
    pub detail: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.location, self.detail, self.kind)
    }
}

//! Which image to start: `LMH_MYSQL_IMAGE`, parsed as Docker reads a `name:tag`.

use std::fmt;

use super::{ContainerError, DEFAULT_IMAGE, IMAGE_ENV};

/// The image named by `LMH_MYSQL_IMAGE`, or [`DEFAULT_IMAGE`] when it is unset.
///
/// The value is returned as given (an empty or malformed value is reported by
/// [`parse_image`] / [`MysqlContainer::start`](super::MysqlContainer::start), which name the variable).
pub fn image_from_env() -> String {
    match std::env::var_os(IMAGE_ENV) {
        None => DEFAULT_IMAGE.to_string(),
        Some(v) => v.to_string_lossy().into_owned(),
    }
}

/// A parsed `name:tag` image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Repository, possibly with a registry host (`registry:5000/team/mysql`).
    pub name: String,
    /// Tag (`8.4`, `10.11`).
    pub tag: String,
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.tag)
    }
}

/// Parse `name:tag`, rejecting empty values, missing tags, digests and stray characters.
pub fn parse_image(value: &str) -> Result<ImageRef, ContainerError> {
    let bad = |reason: &str| ContainerError::InvalidImage {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    if value.trim().is_empty() {
        return Err(bad("it is empty"));
    }
    if value != value.trim() || value.chars().any(char::is_whitespace) {
        return Err(bad("it contains whitespace"));
    }
    if value.contains('@') {
        return Err(bad("digests (@sha256:...) are not supported"));
    }
    // The tag follows the last ':' after the last '/', so a registry port is not a tag.
    let last_slash = value.rfind('/').map_or(0, |i| i + 1);
    let Some(colon) = value[last_slash..].rfind(':').map(|i| i + last_slash) else {
        return Err(bad("it has no tag"));
    };
    let (name, tag) = (&value[..colon], &value[colon + 1..]);
    if tag.is_empty() {
        return Err(bad("the tag after ':' is empty"));
    }
    if tag.len() > 128
        || tag.starts_with(['.', '-'])
        || !tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err(bad(
            "the tag may hold only letters, digits, '_', '.' and '-' (not first), at most 128",
        ));
    }
    if name.is_empty() {
        return Err(bad("the name before ':' is empty"));
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    // A first part with '.' or ':' or "localhost" is a registry host, which may hold
    // uppercase letters and a port.
    if parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost") {
        let host = parts.remove(0);
        let ok = host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        if !ok || host.starts_with([':', '.', '-']) {
            return Err(bad("the registry host part is malformed"));
        }
    }
    for part in parts {
        let ok = !part.is_empty()
            && part.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            })
            && part.starts_with(|c: char| c.is_ascii_alphanumeric())
            && part.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !ok {
            return Err(bad(
                "each part of the name must be lowercase letters, digits and '.', '_', '-' \
                 between them",
            ));
        }
    }
    Ok(ImageRef {
        name: name.to_string(),
        tag: tag.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_registry_images() {
        assert_eq!(
            parse_image("mysql:8.4").unwrap(),
            ImageRef {
                name: "mysql".into(),
                tag: "8.4".into()
            }
        );
        let r = parse_image("localhost:5000/team/lmh-mariadb:10.11").unwrap();
        assert_eq!(r.name, "localhost:5000/team/lmh-mariadb");
        assert_eq!(r.tag, "10.11");
        assert_eq!(r.to_string(), "localhost:5000/team/lmh-mariadb:10.11");
    }

    #[test]
    fn rejects_bad_images_with_reason() {
        for (value, needle) in [
            ("", "empty"),
            ("   ", "empty"),
            ("mysql", "no tag"),
            ("registry:5000/mysql", "no tag"),
            ("mysql:", "tag after ':' is empty"),
            (":8.4", "name before ':' is empty"),
            ("MySQL:8.4", "lowercase"),
            ("mysql:8.4 ", "whitespace"),
            ("mysql@sha256:abc", "digests"),
            ("mysql:-x", "tag may hold"),
            ("my//sql:1", "lowercase"),
        ] {
            let err = parse_image(value).unwrap_err();
            let msg = err.to_string();
            assert!(
                matches!(err, ContainerError::InvalidImage { .. }),
                "{value:?}: {msg}"
            );
            assert!(msg.contains(needle), "{value:?}: {msg}");
            assert!(msg.contains(IMAGE_ENV), "{value:?}: {msg}");
            assert!(!msg.contains("--image"), "no such flag: {msg}");
        }
    }

    #[test]
    fn default_image_parses() {
        assert!(parse_image(DEFAULT_IMAGE).is_ok());
    }
}

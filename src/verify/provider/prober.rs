//! Sending one probe and reading its answer, bounded in time and size.

use std::time::Duration;

use serde_json::Value;

use crate::adapter::{BodyError, MAX_BODY_BYTES, read_body};
use crate::contract::answered_media;
use crate::verify::VerifyError;

/// What came back from one request.
#[derive(Debug, Clone)]
pub(super) enum Reply {
    Answer {
        status: u16,
        media: String,
        body: Vec<u8>,
    },
    /// No (complete) answer: why, and what to do.
    Failed(String),
}

impl Reply {
    /// Status, media type and body of an answer, or why there was none.
    pub(super) fn parts(&self) -> Result<(u16, &String, &Vec<u8>), &str> {
        match self {
            Reply::Answer {
                status,
                media,
                body,
            } => Ok((*status, media, body)),
            Reply::Failed(why) => Err(why),
        }
    }

    /// The body as JSON, when it is.
    pub(super) fn json(&self) -> Option<Value> {
        match self {
            Reply::Answer { body, .. } => serde_json::from_slice(body).ok(),
            Reply::Failed(_) => None,
        }
    }

    /// The status, when there was an answer.
    pub(super) fn status(&self) -> Option<u16> {
        match self {
            Reply::Answer { status, .. } => Some(*status),
            Reply::Failed(_) => None,
        }
    }
}

/// Sends probes and reads answers, bounded in time and size.
pub(super) struct Prober {
    http: reqwest::Client,
    base: String,
    timeout: Duration,
}

impl Prober {
    /// A prober of `base` whose every request ends within `timeout`.
    pub(super) fn new(base: &str, timeout: Duration) -> Result<Prober, VerifyError> {
        let http = crate::http_client()
            .connect_timeout(timeout)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("lmh-verify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| VerifyError::input("HTTP client", crate::report::error_chain(&e)))?;
        Ok(Prober {
            http,
            base: base.to_string(),
            timeout,
        })
    }

    /// One request; its whole answer, or why there is none.
    pub(super) async fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Reply {
        let url = format!("{}{}", self.base, path);
        let Ok(method) = reqwest::Method::from_bytes(method.as_bytes()) else {
            return Reply::Failed(format!("{method:?} is not an HTTP method"));
        };
        let mut req = self
            .http
            .request(method, &url)
            .header(reqwest::header::ACCEPT, "application/json");
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_vec());
        }
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Reply::Failed(self.transport(&e, &url)),
        };
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let media = answered_media(content_type);
        match read_body(&mut resp, MAX_BODY_BYTES).await {
            Ok(body) => Reply::Answer {
                status,
                media,
                body,
            },
            Err(BodyError::TooLarge) => Reply::Failed(format!(
                "{url} answered {status} with a body over {MAX_BODY_BYTES} bytes"
            )),
            Err(BodyError::Broken(e)) => Reply::Failed(format!(
                "{url} answered {status} but the body broke off: {}",
                self.transport(&e, &url)
            )),
        }
    }

    /// Why a request got no answer, and what to do.
    fn transport(&self, e: &reqwest::Error, url: &str) -> String {
        if e.is_timeout() {
            format!(
                "no answer from {url} within {} ms: something accepts connections there but does \
                 not answer in time; check what listens on that port, or raise --timeout-ms",
                self.timeout.as_millis()
            )
        } else if e.is_connect() {
            format!(
                "cannot connect to {url} ({}); start the session-manager (or `lmh mock serve`), \
                 or point --base-url at the port it listens on (its default is 3001)",
                crate::report::root_cause(e)
            )
        } else {
            format!(
                "the exchange with {url} failed: {}",
                crate::report::error_chain(e)
            )
        }
    }
}

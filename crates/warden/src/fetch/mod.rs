//! `fetch` for handlers, mediated by the host and denied by default.
//!
//! The guest's `fetch` sends each request to the built-in asynchronous host
//! function [`FETCH_FUNCTION`](warden_abi::FETCH_FUNCTION). The host checks
//! it against the sandbox's [`FetchPolicy`] and serves it with the built-in
//! client ([`client`]) or the embedder's own
//! [`fetch_handler`](crate::SandboxBuilder::fetch_handler). What the policy
//! refuses, and every network error, rejects the handler's promise with a
//! `TypeError`, and never leaves the process.
//!
//! The policy:
//!
//! * Only `http` and `https` URLs whose origin is in the allow-list
//!   ([`Origins`]) are fetched; with no allow-list and no fetch handler,
//!   nothing is.
//! * Redirects are followed here, not by the client, at most
//!   [`MAX_REDIRECTS`] of them, and each one's target must be allowed too.
//! * A name is connected to only if every address it resolves to is
//!   public; a loopback or private server is reached only through an
//!   origin that names its address.
//! * The request (its JSON head and body) and the response (head and body)
//!   are bounded by the sandbox's result size limit, and a call may start at
//!   most [`max_fetches_per_call`](crate::SandboxBuilder::max_fetches_per_call)
//!   fetches.
//! * Headers that belong to the connection (`host`, `content-length`,
//!   `connection`, `transfer-encoding`, ...) are dropped from requests, as
//!   browsers drop them.

mod client;
mod origins;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use url::Url;

use crate::host_fn::{Bytes, FallibleAsyncHostFunction};
use crate::metrics;
pub(crate) use origins::Origins;

/// The most redirects one fetch follows, as in the Fetch standard.
pub const MAX_REDIRECTS: usize = 20;

/// The default of
/// [`max_fetches_per_call`](crate::SandboxBuilder::max_fetches_per_call).
pub const DEFAULT_MAX_FETCHES_PER_CALL: u32 = 64;

/// A request a handler's `fetch` makes, as a
/// [`fetch_handler`](crate::SandboxBuilder::fetch_handler) gets it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchRequest {
    /// The method (`GET`, `POST`, ...).
    pub method: String,
    /// The absolute `http` or `https` URL.
    pub url: String,
    /// The headers, in order, names lower-case; headers of the connection
    /// are not among them.
    pub headers: Vec<(String, String)>,
    /// The body (empty when there is none).
    pub body: Vec<u8>,
}

/// A response to a [`FetchRequest`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchResponse {
    /// The status code, 200 to 599 (other codes are a network error in the
    /// handler).
    pub status: u16,
    /// The status text; may be empty.
    pub status_text: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl FetchResponse {
    /// A response with `status`, no headers and `body`.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            body: body.into(),
            ..Self::default()
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The future a fetch handler returns.
pub type FetchFuture = Pin<Box<dyn Future<Output = Result<FetchResponse, String>> + Send>>;

/// An embedder's function that serves fetches.
pub(crate) type FetchHandler = Arc<dyn Fn(FetchRequest) -> FetchFuture + Send + Sync>;

/// What a sandbox may fetch, as configured on the builder.
#[derive(Clone, Default)]
pub(crate) struct FetchSettings {
    /// The allowed origins, as given.
    pub(crate) origins: Vec<String>,
    /// Serves allowed requests in place of the built-in client.
    pub(crate) handler: Option<FetchHandler>,
    /// The most fetches one call may start.
    pub(crate) max_per_call: Option<u32>,
}

impl fmt::Debug for FetchSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchSettings")
            .field("origins", &self.origins)
            .field("handler", &self.handler.is_some())
            .field("max_per_call", &self.max_per_call)
            .finish()
    }
}

impl FetchSettings {
    /// The policy, or why the settings are invalid. `max_body` bounds each
    /// response.
    pub(crate) fn policy(&self, max_body: usize) -> Result<FetchPolicy, String> {
        Ok(FetchPolicy {
            origins: Origins::parse(self.origins.iter().map(String::as_str))?,
            handler: self.handler.clone(),
            max_body,
        })
    }

    /// The most fetches one call may start.
    pub(crate) fn max_per_call(&self) -> u32 {
        self.max_per_call.unwrap_or(DEFAULT_MAX_FETCHES_PER_CALL)
    }
}

/// Decides which requests go out, and sends them.
pub(crate) struct FetchPolicy {
    origins: Origins,
    handler: Option<FetchHandler>,
    max_body: usize,
}

/// Request headers that belong to the connection, which the client sets.
const CONNECTION_HEADERS: [&str; 9] = [
    "connection",
    "content-length",
    "expect",
    "host",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Whether a status is a redirect that has a target to follow.
fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

impl FetchPolicy {
    /// The host function behind the guest's `fetch`.
    pub(crate) fn into_host_fn(self) -> crate::host_fn::RawAsyncHostFn {
        let policy = Arc::new(self);
        let serve = move |head: warden_abi::FetchRequest, body: Option<Bytes>| {
            let policy = policy.clone();
            async move {
                let (head, body) = policy
                    .fetch(head, body.map(|b| b.0).unwrap_or_default())
                    .await?;
                let head = serde_json::to_vec(&head).map_err(|e| e.to_string())?;
                Ok::<_, String>(Bytes(warden_abi::encode_blobs([head.as_slice(), &body])))
            }
        };
        FallibleAsyncHostFunction::into_raw(serve)
    }

    /// Why `url` may not be fetched, if it may not.
    fn refusal(&self, url: &Url) -> Option<String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Some(format!("{} URLs cannot be fetched", url.scheme()));
        }
        let origin = url.origin().ascii_serialization();
        if self.origins.is_empty() && self.handler.is_none() {
            return Some(format!(
                "{origin} is not allowed: this sandbox may not fetch (its embedder allows no origin)"
            ));
        }
        if !self.origins.is_empty() && !self.origins.allows(url) {
            return Some(format!(
                "{origin} is not among the origins this sandbox may fetch from"
            ));
        }
        None
    }

    /// Fetches `head` with `body`, following redirects as its mode and the
    /// policy allow.
    async fn fetch(
        &self,
        head: warden_abi::FetchRequest,
        body: Vec<u8>,
    ) -> Result<(warden_abi::FetchResponse, Vec<u8>), String> {
        let mut url =
            Url::parse(&head.url).map_err(|e| format!("{:?} is not a URL: {e}", head.url))?;
        let mut request = FetchRequest {
            method: head.method,
            url: String::new(),
            headers: head
                .headers
                .into_iter()
                .filter(|(name, _)| {
                    !CONNECTION_HEADERS.contains(&name.to_ascii_lowercase().as_str())
                })
                .collect(),
            body,
        };
        for hop in 0..=MAX_REDIRECTS {
            let origin = url.origin().ascii_serialization();
            if let Some(refusal) = self.refusal(&url) {
                metrics::record_fetch(&origin, "denied");
                return Err(refusal);
            }
            request.url = url.to_string();
            let response = self.send(request.clone()).await.inspect_err(|_| {
                metrics::record_fetch(&origin, "error");
            })?;
            metrics::record_fetch(&origin, &response.status.to_string());
            if !(200..=599).contains(&response.status) {
                return Err(format!(
                    "the server answered with status {}",
                    response.status
                ));
            }
            let location = is_redirect(response.status)
                .then(|| header(&response.headers, "location"))
                .flatten();
            match (location, head.redirect.as_str()) {
                (Some(location), "follow") => {
                    url = url
                        .join(location)
                        .map_err(|e| format!("the redirect to {location:?} is not a URL: {e}"))?;
                    // As browsers do: 303, and 301 or 302 after a POST,
                    // become a GET without a body.
                    let to_get = response.status == 303 && request.method != "HEAD"
                        || matches!(response.status, 301 | 302) && request.method == "POST";
                    if to_get {
                        request.method = "GET".into();
                        request.body.clear();
                        request
                            .headers
                            .retain(|(name, _)| !name.starts_with("content-"));
                    }
                }
                (Some(_), "error") => {
                    return Err(
                        "the server redirected, and the request's redirect mode is \"error\""
                            .into(),
                    )
                }
                _ => {
                    let head = warden_abi::FetchResponse {
                        status: response.status,
                        status_text: response.status_text,
                        headers: response.headers,
                        url: request.url,
                        redirected: hop > 0,
                    };
                    return Ok((head, response.body));
                }
            }
        }
        Err(format!("more than {MAX_REDIRECTS} redirects"))
    }

    /// Sends one request, with the embedder's handler or the built-in
    /// client, its body bounded.
    async fn send(&self, request: FetchRequest) -> Result<FetchResponse, String> {
        let Some(handler) = &self.handler else {
            return client::send(request, self.max_body).await;
        };
        let response = handler(request).await?;
        if response.body.len() > self.max_body {
            return Err(format!(
                "the response body is over {} bytes (the sandbox's result size limit)",
                self.max_body
            ));
        }
        Ok(response)
    }
}

/// The first value of header `name` (lower-case) in `headers`.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

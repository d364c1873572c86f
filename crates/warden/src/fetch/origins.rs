//! [`Origins`]: the origins a sandbox may fetch from, matched exactly.

use std::fmt;

use url::{Origin, Url};

/// A list of allowed origins. A URL is allowed when its origin (scheme,
/// host and port, with the scheme's default port filled in) is one of them.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Origins(Vec<Origin>);

impl fmt::Debug for Origins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(Origin::ascii_serialization))
            .finish()
    }
}

impl Origins {
    /// Parses each of `origins`: an `http` or `https` URL with a host and
    /// nothing after it but an optional `/`.
    pub(crate) fn parse<'a>(origins: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut parsed = Vec::new();
        for text in origins {
            let origin =
                parse_origin(text).map_err(|why| format!("fetch origin {text:?} {why}"))?;
            if !parsed.contains(&origin) {
                parsed.push(origin);
            }
        }
        Ok(Self(parsed))
    }

    /// Whether any origin is listed.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `url`'s origin is listed.
    pub(crate) fn allows(&self, url: &Url) -> bool {
        let origin = url.origin();
        self.0.contains(&origin)
    }
}

fn parse_origin(text: &str) -> Result<Origin, String> {
    let url = Url::parse(text).map_err(|e| format!("is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("is not an http or https origin".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("has a user name or password".into());
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err("has a path, query or fragment: an origin is a scheme, host and port".into());
    }
    Ok(url.origin())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn origins_match_scheme_host_and_port_exactly() {
        let origins =
            Origins::parse(["https://api.example.com", "http://127.0.0.1:8080/"]).unwrap();
        assert!(origins.allows(&url("https://api.example.com/v1/x?y=1")));
        assert!(origins.allows(&url("https://API.example.com:443/")));
        assert!(origins.allows(&url("http://127.0.0.1:8080/a")));
        for denied in [
            "http://api.example.com/",
            "https://api.example.com:8443/",
            "https://example.com/",
            "https://api.example.com.evil.net/",
            "https://evil.net/?https://api.example.com",
            "http://127.0.0.1:8081/",
            "http://localhost:8080/",
        ] {
            assert!(!origins.allows(&url(denied)), "{denied} was allowed");
        }
    }

    #[test]
    fn what_is_not_an_origin_is_refused() {
        for bad in [
            "api.example.com",
            "ftp://example.com",
            "https://example.com/path",
            "https://example.com/?q",
            "https://user:pw@example.com",
            "file:///etc/passwd",
        ] {
            assert!(Origins::parse([bad]).is_err(), "{bad} was accepted");
        }
        assert!(Origins::parse([]).unwrap().is_empty());
    }
}

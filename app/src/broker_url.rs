//! Broker addresses: `ws://host:port/path` and `wss://…`, checked before any
//! connection is tried, with the reason shown next to the field.

use core::fmt;

/// A WebSocket broker address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    pub secure: bool,
    /// A name, an IPv4 address, or an IPv6 address without brackets.
    pub host: String,
    pub port: u16,
    /// Starts with `/`.
    pub path: String,
}

/// Why a broker address cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    Empty,
    /// Not ws:// or wss:// (mqtt://, http://, nothing…).
    Scheme { found: String },
    MissingHost,
    InvalidHost { host: String },
    InvalidPort { port: String },
    PortOutOfRange { port: u64 },
    /// A page served over https may not open ws:// (mixed content).
    InsecureFromSecurePage,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Enter the broker's WebSocket address, e.g. ws://localhost:9001"),
            Self::Scheme { found } if found.is_empty() => {
                f.write_str("Start the address with ws:// or wss://, e.g. ws://localhost:9001")
            }
            Self::Scheme { found } => write!(
                f,
                "A browser can only reach MQTT brokers over WebSocket: use ws:// or wss:// instead of {found}://"
            ),
            Self::MissingHost => f.write_str("The address has no host name, e.g. ws://localhost:9001"),
            Self::InvalidHost { host } => write!(f, "\"{host}\" is not a valid host name"),
            Self::InvalidPort { port } => write!(f, "\"{port}\" is not a port number (1 to 65535)"),
            Self::PortOutOfRange { port } => write!(f, "Port {port} does not exist: ports go from 1 to 65535"),
            Self::InsecureFromSecurePage => f.write_str(
                "This page was loaded over https, so the browser only allows encrypted wss:// connections. \
                 Use the broker's wss:// address, or open this app over http.",
            ),
        }
    }
}

impl BrokerUrl {
    /// Parses and checks an address as a user typed it.
    pub fn parse(input: &str) -> Result<Self, UrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        let (scheme, rest) = match input.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => return Err(UrlError::Scheme { found: String::new() }),
        };
        let secure = match scheme.as_str() {
            "ws" => false,
            "wss" => true,
            _ => return Err(UrlError::Scheme { found: scheme }),
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        // Credentials in the URL would be sent in the clear to anyone reading the link.
        let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        let (host, port) = split_host_port(authority)?;
        if host.is_empty() {
            return Err(UrlError::MissingHost);
        }
        if !valid_host(&host) {
            return Err(UrlError::InvalidHost { host });
        }
        let port = match port {
            None => if secure { 443 } else { 80 },
            Some(p) if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(UrlError::InvalidPort { port: p.to_owned() })
            }
            Some(p) => match p.parse::<u64>() {
                Ok(n) if (1..=65_535).contains(&n) => n as u16,
                Ok(n) => return Err(UrlError::PortOutOfRange { port: n }),
                Err(_) => return Err(UrlError::PortOutOfRange { port: u64::MAX }),
            },
        };
        Ok(Self { secure, host, port, path })
    }

    /// Refuses ws:// on a page served over https before the browser does it silently.
    pub fn check_page(&self, page_is_https: bool) -> Result<(), UrlError> {
        if page_is_https && !self.secure {
            return Err(UrlError::InsecureFromSecurePage);
        }
        Ok(())
    }

    fn host_for_url(&self) -> String {
        if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() }
    }

    /// The https:// address of the same host and port: opening it once lets the
    /// user accept a certificate the browser does not trust yet.
    pub fn certificate_page(&self) -> String {
        format!("https://{}:{}/", self.host_for_url(), self.port)
    }
}

impl fmt::Display for BrokerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.secure { "wss" } else { "ws" };
        write!(f, "{scheme}://{}:{}{}", self.host_for_url(), self.port, self.path)
    }
}

fn split_host_port(authority: &str) -> Result<(String, Option<&str>), UrlError> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(UrlError::InvalidHost { host: authority.to_owned() })?;
        return match after {
            "" => Ok((host.to_owned(), None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host.to_owned(), Some(port))),
                None => Err(UrlError::InvalidHost { host: authority.to_owned() }),
            },
        };
    }
    Ok(match authority.rsplit_once(':') {
        Some((host, port)) => (host.to_owned(), Some(port)),
        None => (authority.to_owned(), None),
    })
}

fn valid_host(host: &str) -> bool {
    if host.contains(':') {
        return host.parse::<std::net::Ipv6Addr>().is_ok();
    }
    host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !label.starts_with('-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> BrokerUrl {
        BrokerUrl::parse(s).unwrap()
    }

    #[test]
    fn the_usual_addresses() {
        assert_eq!(url("ws://localhost:9001"), BrokerUrl { secure: false, host: "localhost".into(), port: 9001, path: "/".into() });
        assert_eq!(url("wss://broker.emqx.io:8084/mqtt").path, "/mqtt");
        assert_eq!(url("wss://broker.hivemq.com").port, 443);
        assert_eq!(url("ws://127.0.0.1").port, 80);
        assert_eq!(url("WS://[::1]:9001/").host, "::1");
        assert_eq!(url("ws://[::1]:9001/").to_string(), "ws://[::1]:9001/");
        assert_eq!(url("  ws://a.b:1/x?y  ").path, "/x?y");
    }

    #[test]
    fn each_mistake_has_its_reason() {
        assert_eq!(BrokerUrl::parse(""), Err(UrlError::Empty));
        assert_eq!(BrokerUrl::parse("localhost:9001"), Err(UrlError::Scheme { found: String::new() }));
        assert_eq!(BrokerUrl::parse("mqtt://localhost:1883"), Err(UrlError::Scheme { found: "mqtt".into() }));
        assert_eq!(BrokerUrl::parse("ws://:9001"), Err(UrlError::MissingHost));
        assert_eq!(BrokerUrl::parse("ws://localhost:99999"), Err(UrlError::PortOutOfRange { port: 99_999 }));
        assert_eq!(BrokerUrl::parse("ws://localhost:0"), Err(UrlError::PortOutOfRange { port: 0 }));
        assert_eq!(BrokerUrl::parse("ws://localhost:90a"), Err(UrlError::InvalidPort { port: "90a".into() }));
        assert_eq!(BrokerUrl::parse("ws://local host:9001"), Err(UrlError::InvalidHost { host: "local host".into() }));
        assert!(BrokerUrl::parse("ws://localhost:99999").unwrap_err().to_string().contains("65535"));
    }

    #[test]
    fn ws_from_an_https_page_is_refused() {
        assert_eq!(url("ws://lab:9001").check_page(true), Err(UrlError::InsecureFromSecurePage));
        assert_eq!(url("wss://lab:8081").check_page(true), Ok(()));
        assert_eq!(url("ws://lab:9001").check_page(false), Ok(()));
    }

    #[test]
    fn certificate_page_for_wss() {
        assert_eq!(url("wss://lab.example:8081/mqtt").certificate_page(), "https://lab.example:8081/");
    }
}

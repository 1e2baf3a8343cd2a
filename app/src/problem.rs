//! What went wrong with a connection, in words a user can act on. The codec
//! gives codes and reasons; the sentences people read are made here.

use crate::broker_url::BrokerUrl;

/// Something went wrong, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub hint: String,
    /// A page to open (e.g. to accept a certificate), if that is the fix.
    pub link: Option<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self { message: message.into(), hint: hint.into(), link: None }
    }
}

/// The browser refused the address before trying it.
pub fn refused_to_open(url: &str, detail: &str) -> Problem {
    Problem::new(format!("The browser refused to open {url}: {detail}"), "Check the broker address.")
}

/// The server opened a WebSocket but did not agree to speak MQTT.
pub fn wrong_subprotocol(url: &str, expected: &str, agreed: &str) -> Problem {
    let chose = if agreed.is_empty() { String::new() } else { format!(" (it chose \"{agreed}\")") };
    Problem::new(
        format!("The server at {url} opened a WebSocket but did not accept the \"{expected}\" subprotocol{chose}."),
        "This is probably not an MQTT broker's WebSocket listener: check the port and path.",
    )
}

/// A connection that worked dropped: say what the browser said, and when the
/// next attempt is, rather than blaming the address, which was right.
pub fn connection_lost(code: u16, reason: &str, retry_in_ms: f64) -> Problem {
    let why = if reason.is_empty() { format!("close code {code}") } else { format!("close code {code}, {reason}") };
    Problem::new(
        format!("Connection lost ({why}); retrying in {} s.", (retry_in_ms / 1_000.0).ceil().max(1.0)),
        "The broker may be restarting: the app reconnects by itself and subscribes again.",
    )
}

/// The engine ended a connection that worked (keep-alive timeout, a broker's
/// DISCONNECT, a protocol error).
pub fn connection_ended(reason: &str, retry_in_ms: f64) -> Problem {
    Problem::new(
        format!("Connection lost: {reason}; retrying in {} s.", (retry_in_ms / 1_000.0).ceil().max(1.0)),
        "The app reconnects by itself and subscribes again.",
    )
}

/// The browser says nothing about why a WebSocket never opened (close code 1006
/// for a refused port, a wrong path, a refused subprotocol or an untrusted
/// certificate alike), so say what it can be and what to try.
pub fn unreachable(url: &BrokerUrl) -> Problem {
    if url.secure {
        Problem {
            message: format!("Could not open {url}."),
            hint: format!(
                "The broker may be down, or the port or path may be wrong. If the broker uses a \
                 self-signed certificate, the browser does not trust it yet: open {} once, accept \
                 the certificate, and connect again.",
                url.certificate_page()
            ),
            link: Some(url.certificate_page()),
        }
    } else {
        Problem::new(
            format!("Could not open {url}."),
            "Nothing answered there as an MQTT WebSocket listener: check the host, the port \
             (the broker's WebSocket port, e.g. 9001 or 8080, not 1883) and the path.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_names_the_close_and_the_retry_not_the_address() {
        let p = connection_lost(1006, "", 1_400.0);
        assert_eq!(p.message, "Connection lost (close code 1006); retrying in 2 s.");
        assert!(!p.hint.contains("port"), "{}", p.hint);
        let p = connection_lost(1001, "going away", 300.0);
        assert_eq!(p.message, "Connection lost (close code 1001, going away); retrying in 1 s.");
    }

    #[test]
    fn an_address_that_never_worked_says_what_to_check() {
        let url = BrokerUrl::parse("ws://127.0.0.1:1883").unwrap();
        assert!(unreachable(&url).hint.contains("not 1883"));
        let url = BrokerUrl::parse("wss://broker:8081").unwrap();
        assert!(unreachable(&url).link.is_some());
    }
}

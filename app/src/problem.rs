//! What went wrong with a connection, in words a user can act on. The codec
//! gives codes and reasons; the sentences people read are made here.

use webmqtt_codec::{ProtocolVersion, ReasonCode};

use crate::broker_url::BrokerUrl;

/// Something went wrong, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub hint: String,
    /// A page to open (e.g. to accept a certificate), if that is the fix.
    pub link: Option<String>,
}

/// What the browser threw, as its name and message: a DOMException or an
/// Error ("SyntaxError", "…"), or a thrown string (named "Error").
pub fn js_error_parts(error: &wasm_bindgen::JsValue) -> (String, String) {
    use wasm_bindgen::JsCast;
    if let Some(e) = error.dyn_ref::<web_sys::DomException>() {
        return (e.name(), e.message());
    }
    if let Some(e) = error.dyn_ref::<js_sys::Error>() {
        return (String::from(e.name()), String::from(e.message()));
    }
    ("Error".to_owned(), error.as_string().unwrap_or_default())
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

/// A delay in whole seconds, rounded up, at least 1.
fn seconds_up(ms: f64) -> String {
    crate::number_text::whole((ms / 1_000.0).ceil().max(1.0))
}

/// A connection that worked dropped: say what the browser said, and when the
/// next attempt is, rather than blaming the address, which was right.
pub fn connection_lost(code: u16, reason: &str, retry_in_ms: f64) -> Problem {
    let why = if reason.is_empty() { format!("close code {code}") } else { format!("close code {code}, {reason}") };
    Problem::new(
        format!("Connection lost ({why}); retrying in {} s.", seconds_up(retry_in_ms)),
        "The broker may be restarting: the app reconnects by itself and subscribes again.",
    )
}

/// The engine ended a connection that worked (keep-alive timeout, a broker's
/// DISCONNECT, a protocol error).
pub fn connection_ended(reason: &str, retry_in_ms: f64) -> Problem {
    Problem::new(
        format!("Connection lost: {reason}; retrying in {} s.", seconds_up(retry_in_ms)),
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

/// What a refused connection tells the user: a message, in the words
/// mosquitto_sub prints ("Connection Refused: not authorised." for 3.1 and 3.1.1,
/// the reason code's name, e.g. "Not authorized", for 5.0), and a hint on what to
/// try next (may be empty).
pub fn refusal(reason: ReasonCode, version: ProtocolVersion) -> (&'static str, &'static str) {
    let message = if version.is_v5() { reason.name() } else { v3_connack_message(reason) };
    (message, refusal_hint(reason))
}

/// [`refusal`], with the hint extended where the broker is a local bridge
/// (127.0.0.1, localhost): a refused login there may be the bridge's own.
pub fn refusal_at(reason: ReasonCode, version: ProtocolVersion, url: &str) -> (&'static str, String) {
    let (message, hint) = refusal(reason, version);
    let login_refused = matches!(reason, ReasonCode::NOT_AUTHORIZED | ReasonCode::BAD_USER_NAME_OR_PASSWORD);
    let local = BrokerUrl::parse(url).is_ok_and(|u| is_local_host(&u.host));
    if login_refused && local {
        return (message, format!("{hint} {BRIDGE_LOGIN_HINT}"));
    }
    (message, hint.to_owned())
}

/// What a refused login means behind a WebMQTT bridge.
pub const BRIDGE_LOGIN_HINT: &str = "If this is a local bridge (a mosquitto started with WebMQTT's bridge \
     file), the bridge is what logs in to the remote broker: check remote_username and remote_password \
     in that file too. When they are wrong, the bridge's log (mosquitto -v) says \"Connection Refused: not \
     authorised\" and the browser receives nothing.";

/// This computer: where a bridge's listener is.
pub fn is_local_host(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "::1") || host.starts_with("127.")
}

/// mosquitto's words for the 3.x CONNACK return codes (3.1.1 §3.2.2.3), which the
/// codec reports as their 5.0 reason codes.
fn v3_connack_message(reason: ReasonCode) -> &'static str {
    match reason {
        ReasonCode::SUCCESS => "Connection Accepted.",
        ReasonCode::UNSUPPORTED_PROTOCOL_VERSION => "Connection Refused: unacceptable protocol version.",
        ReasonCode::CLIENT_IDENTIFIER_NOT_VALID => "Connection Refused: identifier rejected.",
        ReasonCode::SERVER_UNAVAILABLE => "Connection Refused: broker unavailable.",
        ReasonCode::BAD_USER_NAME_OR_PASSWORD => "Connection Refused: bad user name or password.",
        ReasonCode::NOT_AUTHORIZED => "Connection Refused: not authorised.",
        _ => "Connection Refused: unknown reason.",
    }
}

/// What a user can do about a refused connection.
fn refusal_hint(reason: ReasonCode) -> &'static str {
    match reason {
        ReasonCode::BAD_USER_NAME_OR_PASSWORD => "Check the user name and password.",
        ReasonCode::NOT_AUTHORIZED => {
            "Check your login: the user name and password (a typo in either gives this refusal), and that this user may connect."
        }
        ReasonCode::CLIENT_IDENTIFIER_NOT_VALID => "Try another client id.",
        ReasonCode::UNSUPPORTED_PROTOCOL_VERSION => "Try another MQTT version.",
        ReasonCode::SERVER_UNAVAILABLE | ReasonCode::SERVER_BUSY => "Try again later.",
        ReasonCode::BANNED => "Ask the broker's administrator.",
        ReasonCode::BAD_AUTHENTICATION_METHOD => "Check the authentication method.",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProtocolVersion::{V3_1, V3_1_1, V5};

    /// 3.1.1 §3.2.2.3 Table 3.1, in mosquitto_sub's words, for each return code.
    #[test]
    fn v3_refusals_use_mosquitto_words() {
        let table = [
            (1, "Connection Refused: unacceptable protocol version."),
            (2, "Connection Refused: identifier rejected."),
            (3, "Connection Refused: broker unavailable."),
            (4, "Connection Refused: bad user name or password."),
            (5, "Connection Refused: not authorised."),
        ];
        for (return_code, words) in table {
            let reason = ReasonCode::from_v3_connack(return_code).expect("a 3.1.1 return code");
            assert_eq!(refusal(reason, V3_1_1).0, words);
            assert_eq!(refusal(reason, V3_1).0, words);
        }
        assert_eq!(v3_connack_message(ReasonCode::SUCCESS), "Connection Accepted.");
        assert_eq!(refusal(ReasonCode::BANNED, V3_1_1).0, "Connection Refused: unknown reason.");
    }

    #[test]
    fn v5_refusals_use_the_reason_codes_name() {
        assert_eq!(refusal(ReasonCode::NOT_AUTHORIZED, V5).0, "Not authorized");
        assert_eq!(refusal(ReasonCode::BAD_USER_NAME_OR_PASSWORD, V5).0, "Bad User Name or Password");
    }

    #[test]
    fn refusals_come_with_a_hint_where_there_is_something_to_try() {
        assert!(refusal(ReasonCode::NOT_AUTHORIZED, V3_1_1).1.contains("user name and password"));
        assert_eq!(refusal(ReasonCode::BAD_USER_NAME_OR_PASSWORD, V5).1, "Check the user name and password.");
        assert_eq!(refusal(ReasonCode::SERVER_BUSY, V5).1, "Try again later.");
        assert_eq!(refusal(ReasonCode::UNSPECIFIED_ERROR, V5).1, "");
    }

    #[test]
    fn a_refused_login_at_a_local_bridge_points_at_the_bridge_file() {
        let (m, hint) = refusal_at(ReasonCode::NOT_AUTHORIZED, V3_1_1, "ws://127.0.0.1:9001");
        assert_eq!(m, "Connection Refused: not authorised.");
        assert!(hint.contains("user name and password") && hint.contains("remote_password"), "{hint}");
        assert!(refusal_at(ReasonCode::BAD_USER_NAME_OR_PASSWORD, V5, "ws://localhost:9001").1.contains("bridge"));
        let (_, remote) = refusal_at(ReasonCode::NOT_AUTHORIZED, V3_1_1, "wss://broker.example.org:8081");
        assert!(!remote.contains("bridge"), "{remote}");
        assert_eq!(refusal_at(ReasonCode::SERVER_BUSY, V5, "ws://127.0.0.1:9001").1, "Try again later.");
    }

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

//! Words for people about what the broker said: the codec gives reason codes and
//! their specification names; what a user reads, and what to try next, is the
//! app's. Plain Rust, tested natively.

use webmqtt_codec::{ProtocolVersion, ReasonCode};

/// What a refused connection tells the user: a message, in the words
/// mosquitto_sub prints ("Connection Refused: not authorised." for 3.1 and 3.1.1,
/// the reason code's name, e.g. "Not authorized", for 5.0), and a hint on what to
/// try next (may be empty).
pub fn refusal(reason: ReasonCode, version: ProtocolVersion) -> (&'static str, &'static str) {
    let message = if version.is_v5() { reason.name() } else { v3_connack_message(reason) };
    (message, refusal_hint(reason))
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
        ReasonCode::NOT_AUTHORIZED => "Check the user name and password, and that this user may connect.",
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
}

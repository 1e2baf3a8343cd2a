//! Payloads as a user types and reads them: text, JSON, hex and base64.
//!
//! Parsing says exactly where the input is wrong, so the UI can show
//! "odd number of hex digits" or "'X' at position 5 is not a hex digit"
//! instead of sending something else than was meant.

use core::fmt;

use crate::base64::{self, DecodeError};

use crate::form::SelectKey;
use crate::json;

/// How a payload is shown or typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PayloadFormat {
    #[default]
    Text,
    Json,
    Hex,
    Base64,
}

impl SelectKey for PayloadFormat {
    const ALL: &'static [Self] = &[Self::Text, Self::Json, Self::Hex, Self::Base64];

    fn label(self) -> &'static str {
        match self {
            Self::Text => "Text",
            Self::Json => "JSON",
            Self::Hex => "Hex",
            Self::Base64 => "Base64",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
            Self::Hex => "hex",
            Self::Base64 => "base64",
        }
    }
}

/// Why typed input is not a payload of the chosen format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadError {
    /// A character that is not a hex digit, with its 1-based position in the input.
    NotHex { character: char, position: usize },
    /// Hex digits must come in pairs.
    OddHexLength { digits: usize },
    /// Base64 that does not decode, with the 1-based position where it goes wrong.
    BadBase64 { position: Option<usize>, detail: String },
    /// JSON that does not parse.
    BadJson { line: usize, column: usize, detail: String },
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotHex { character, position } => {
                write!(f, "'{character}' at position {position} is not a hex digit (0-9, A-F)")
            }
            Self::OddHexLength { digits } => {
                write!(f, "{digits} hex digits: each byte needs two, so one is missing or extra")
            }
            Self::BadBase64 { position: Some(p), detail } => write!(f, "not valid base64 at position {p}: {detail}"),
            Self::BadBase64 { position: None, detail } => write!(f, "not valid base64: {detail}"),
            Self::BadJson { line, column, detail } => {
                write!(f, "not valid JSON at line {line}, column {column}: {detail}")
            }
        }
    }
}

/// Parses hex as people write it: `BEEF`, `be ef`, `0xBE 0xEF`, `BE:EF`, `BE-EF`.
pub fn parse_hex(input: &str) -> Result<Vec<u8>, PayloadError> {
    let mut digits = Vec::with_capacity(input.len());
    let chars: Vec<(usize, char)> = input.chars().enumerate().collect();
    let mut i = 0;
    while let Some(&(index, c)) = chars.get(i) {
        let next = chars.get(i + 1).map(|&(_, n)| n);
        let starts_group = digits.len() % 2 == 0;
        if c == '0' && matches!(next, Some('x' | 'X')) && starts_group {
            i += 2;
            continue;
        }
        if c.is_whitespace() || matches!(c, ':' | '-' | ',') {
            i += 1;
            continue;
        }
        match c.to_digit(16) {
            Some(d) => digits.push(d as u8),
            None => return Err(PayloadError::NotHex { character: c, position: index + 1 }),
        }
        i += 1;
    }
    if digits.len() % 2 != 0 {
        return Err(PayloadError::OddHexLength { digits: digits.len() });
    }
    Ok(digits.chunks(2).map(|pair| pair.iter().fold(0u8, |acc, d| acc << 4 | d)).collect())
}

/// Upper-case hex with a space between bytes: `BE EF`.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0').to_ascii_uppercase());
        out.push(char::from_digit(u32::from(b & 0x0F), 16).unwrap_or('0').to_ascii_uppercase());
    }
    out
}

/// Standard base64 with padding; surrounding white space is ignored.
pub fn parse_base64(input: &str) -> Result<Vec<u8>, PayloadError> {
    let trimmed: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    base64::decode(trimmed.as_bytes()).map_err(|e| {
        let position = match e {
            DecodeError::InvalidByte(offset, _) | DecodeError::InvalidLastSymbol(offset, _) => Some(offset + 1),
            _ => None,
        };
        let detail = match e {
            DecodeError::InvalidByte(_, b) => format!("'{}' is not a base64 character", char::from(b)),
            DecodeError::InvalidLength(len) => format!("{len} characters is not a valid base64 length"),
            DecodeError::InvalidLastSymbol(_, b) => format!("'{}' cannot end base64 here", char::from(b)),
            DecodeError::InvalidPadding => "the '=' padding is wrong".to_owned(),
        };
        PayloadError::BadBase64 { position, detail }
    })
}

pub fn to_base64(bytes: &[u8]) -> String {
    base64::encode(bytes)
}

/// Checks that text is JSON; the bytes sent are the text as typed.
pub fn parse_json(input: &str) -> Result<Vec<u8>, PayloadError> {
    json::parse(input).map_err(|e| PayloadError::BadJson { line: e.line, column: e.column, detail: e.detail.to_owned() })?;
    Ok(input.as_bytes().to_vec())
}

/// The bytes that `input` stands for in `format`.
pub fn parse(input: &str, format: PayloadFormat) -> Result<Vec<u8>, PayloadError> {
    match format {
        PayloadFormat::Text => Ok(input.as_bytes().to_vec()),
        PayloadFormat::Json => parse_json(input),
        PayloadFormat::Hex => parse_hex(input),
        PayloadFormat::Base64 => parse_base64(input),
    }
}

/// Whether a payload reads as text: valid UTF-8 without control characters
/// other than tab and line breaks.
pub fn is_text(bytes: &[u8]) -> bool {
    match core::str::from_utf8(bytes) {
        Ok(s) => !s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')),
        Err(_) => false,
    }
}

/// A payload shown in `format`. Text that is not UTF-8 and JSON that does not
/// parse fall back to hex and text, and say so through the returned format.
pub fn render(bytes: &[u8], format: PayloadFormat) -> (String, PayloadFormat) {
    match format {
        PayloadFormat::Text => match core::str::from_utf8(bytes) {
            Ok(s) => (s.to_owned(), PayloadFormat::Text),
            Err(_) => (to_hex(bytes), PayloadFormat::Hex),
        },
        PayloadFormat::Json => match json::parse_bytes(bytes) {
            Ok(v) => (v.pretty(), PayloadFormat::Json),
            Err(_) => render(bytes, PayloadFormat::Text),
        },
        PayloadFormat::Hex => (to_hex(bytes), PayloadFormat::Hex),
        PayloadFormat::Base64 => (to_base64(bytes), PayloadFormat::Base64),
    }
}

/// A one-line preview of at most `max_chars` characters (and an ellipsis when
/// there is more): text when the payload reads as text, else hex.
pub fn preview(bytes: &[u8], max_chars: usize) -> String {
    // Only the head decides: a 16 KiB payload is not scanned for one short line.
    let head = &bytes[..bytes.len().min(max_chars * 4 + 4)];
    ascii_preview(bytes, head, max_chars).unwrap_or_else(|| any_preview(bytes, head, max_chars))
}

/// [`preview`] of a payload whose head is printable ASCII (numbers, JSON, most
/// sensor text), made without reading it character by character: every message
/// of a flood comes here. `None` for any other head.
fn ascii_preview(bytes: &[u8], head: &[u8], max_chars: usize) -> Option<String> {
    if !head.iter().all(|&b| matches!(b, b' '..=b'~' | b'\n' | b'\r' | b'\t')) {
        return None;
    }
    let shown_len = head.len().min(max_chars);
    let mut shown = Vec::with_capacity(shown_len + '…'.len_utf8());
    // Line breaks and tabs are control characters: a space each, as in any_preview.
    shown.extend(head[..shown_len].iter().map(|&b| if b < b' ' { b' ' } else { b }));
    let mut shown = String::from_utf8(shown).ok()?;
    if shown_len < bytes.len() {
        shown.push('…');
    }
    Some(shown)
}

fn any_preview(bytes: &[u8], head: &[u8], max_chars: usize) -> String {
    let text = match core::str::from_utf8(head) {
        Ok(s) => Some(s),
        // A character cut by the end of the head is fine; anything else is binary.
        Err(e) if e.error_len().is_none() => head.get(..e.valid_up_to()).and_then(|h| core::str::from_utf8(h).ok()),
        Err(_) => None,
    };
    let (shown, more) = match text.filter(|t| is_text(t.as_bytes())) {
        Some(text) => {
            let shown: String =
                text.chars().take(max_chars).map(|c| if c.is_control() { ' ' } else { c }).collect();
            let more = shown.len() < bytes.len();
            (shown, more)
        }
        None => {
            let byte_count = bytes.len().min((max_chars + 1) / 3);
            (to_hex(&bytes[..byte_count]), byte_count < bytes.len())
        }
    };
    if more { shown + "…" } else { shown }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_in_the_forms_people_type() {
        for input in ["BEEF", "be ef", "0xBE 0xEF", "BE:EF", " BE-EF\n", "0xbeef"] {
            assert_eq!(parse_hex(input), Ok(vec![0xBE, 0xEF]), "{input:?}");
        }
        assert_eq!(parse_hex(""), Ok(vec![]));
        assert_eq!(parse_hex("00 0A"), Ok(vec![0x00, 0x0A]));
    }

    #[test]
    fn hex_errors_say_where() {
        assert_eq!(parse_hex("BEX"), Err(PayloadError::NotHex { character: 'X', position: 3 }));
        assert_eq!(parse_hex("BEE"), Err(PayloadError::OddHexLength { digits: 3 }));
        assert_eq!(parse_hex("BE EF G0"), Err(PayloadError::NotHex { character: 'G', position: 7 }));
        assert!(parse_hex("BEX").unwrap_err().to_string().contains("position 3"));
    }

    #[test]
    fn hex_and_base64_agree_with_the_ttn_example() {
        assert_eq!(to_base64(&parse_hex("BE EF").unwrap()), "vu8=");
        assert_eq!(to_hex(&parse_base64("vu8=").unwrap()), "BE EF");
    }

    #[test]
    fn base64_errors_say_where() {
        let e = parse_base64("vu*=").unwrap_err();
        assert!(matches!(e, PayloadError::BadBase64 { position: Some(3), .. }), "{e:?}");
        assert!(matches!(parse_base64("vu8"), Err(PayloadError::BadBase64 { .. })));
        assert_eq!(parse_base64(" vu8= "), Ok(vec![0xBE, 0xEF]));
    }

    #[test]
    fn json_is_checked_and_sent_as_typed() {
        assert_eq!(parse_json("{\"a\": 1}"), Ok(b"{\"a\": 1}".to_vec()));
        let e = parse_json("{\"a\": }").unwrap_err();
        assert!(matches!(e, PayloadError::BadJson { line: 1, column: 7, .. }), "{e:?}");
    }

    #[test]
    fn rendering_falls_back_when_the_format_does_not_fit() {
        assert_eq!(render(b"hi", PayloadFormat::Text), ("hi".into(), PayloadFormat::Text));
        assert_eq!(render(&[0xFF, 0x00], PayloadFormat::Text), ("FF 00".into(), PayloadFormat::Hex));
        assert_eq!(render(b"{\"a\":1}", PayloadFormat::Json).0, "{\n  \"a\": 1\n}");
        assert_eq!(render(b"not json", PayloadFormat::Json), ("not json".into(), PayloadFormat::Text));
        assert_eq!(render(b"hi", PayloadFormat::Base64).0, "aGk=");
    }

    #[test]
    fn json_keeps_the_payload_key_order() {
        let shown = render(br#"{"zeta":1,"alpha":{"b":2,"a":3},"mid":[1]}"#, PayloadFormat::Json).0;
        let order: Vec<usize> = ["zeta", "alpha", "\"b\"", "\"a\"", "mid"].iter().map(|k| shown.find(k).unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{shown}");
    }

    #[test]
    fn text_detection_and_preview() {
        assert!(is_text(b"temp=21.5\n"));
        assert!(!is_text(&[0xBE, 0xEF]));
        assert!(!is_text(b"a\x00b"));
        assert_eq!(preview(b"hello", 10), "hello");
        assert_eq!(preview(&[0xBE, 0xEF], 10), "BE EF");
        assert_eq!(preview("x".repeat(50).as_bytes(), 10), format!("{}…", "x".repeat(10)));
        // Only the head is looked at: a long text payload is text, whatever comes later.
        let mut long = "é".repeat(5_000).into_bytes();
        long.push(0xFF);
        assert_eq!(preview(&long, 3), "ééé…");
    }

    /// The ASCII shortcut shows exactly what the general path shows, and
    /// leaves everything else to it.
    #[test]
    fn the_ascii_preview_is_the_general_one() {
        let cases: [&[u8]; 12] = [
            b"",
            b"21.5",
            b"{\"t\": 21.5}\r\n",
            b"a\tb\nc",
            b"\x7f",
            b"a\x00b",
            b"~ ",
            b"line one\nline two and more than ten",
            "caf\u{e9}".as_bytes(),
            &[0x80, 0x41],
            b"0123456789",
            b"01234567890",
        ];
        for bytes in cases {
            for max_chars in [0, 1, 10, 120] {
                let head = &bytes[..bytes.len().min(max_chars * 4 + 4)];
                let general = any_preview(bytes, head, max_chars);
                assert_eq!(preview(bytes, max_chars), general, "{bytes:?} at {max_chars}");
                let printable = bytes.iter().all(|&b| matches!(b, b' '..=b'~' | b'\n' | b'\r' | b'\t'));
                assert_eq!(ascii_preview(bytes, head, max_chars).is_some(), printable, "{bytes:?}");
            }
        }
        // Past the head, the shortcut looks no further than the general path does.
        let mut long = b"x".repeat(100);
        long.push(0);
        assert_eq!(preview(&long, 10), format!("{}…", "x".repeat(10)));
    }
}

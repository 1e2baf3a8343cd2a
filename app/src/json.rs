//! JSON as the app reads and writes it: payloads checked and pretty-printed,
//! The Things Stack's uplinks read and downlinks written, messages exported,
//! profiles saved, stored properties.
//!
//! Our own small reader and printer rather than serde_json and serde's
//! derives, which were about 7% of the browser build (issue 14). What the app
//! needs is a tree it can walk, not typed deserialisation. Two choices follow
//! from showing people what a device sent:
//! - an object keeps its keys in the order they came;
//! - a number keeps the text it came as (`1.0` stays `1.0`, a 20-digit id
//!   loses no digit), and is read as an integer or a float only when asked.
//!
//! Parsing follows RFC 8259 strictly; an error says what is wrong and where
//! (line and column, counted in characters from 1), never panics, and the
//! nesting is bounded so a hostile payload cannot exhaust the stack.

use std::fmt;

/// Arrays and objects nested deeper than this are refused (serde_json's limit too).
const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Object),
}

/// A JSON number as written: valid number syntax, kept as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Number(String);

impl Number {
    /// A non-negative integer written without fraction or exponent.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    pub fn as_f64(&self) -> Option<f64> {
        parse_f64(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An object's members in the order they came. A key that repeats keeps its
/// first place and its last value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object(Vec<(String, Value)>);

impl Object {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        match self.get_mut(&key) {
            Some(old) => *old = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Value {
    /// A member of an object; `None` for anything else.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Takes the value out, leaving `null`.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }

    /// Indented by two spaces, one member or element a line.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_string(out, key);
                    out.push(':');
                    value.write_compact(out);
                }
                out.push('}');
            }
            scalar => scalar.write_scalar(out),
        }
    }

    fn write_pretty(&self, out: &mut String, indent: usize) {
        let line = |out: &mut String, indent: usize| {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', indent));
        };
        match self {
            Value::Array(items) if !items.is_empty() => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    line(out, indent + 2);
                    item.write_pretty(out, indent + 2);
                }
                line(out, indent);
                out.push(']');
            }
            Value::Object(members) if !members.is_empty() => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    line(out, indent + 2);
                    push_string(out, key);
                    out.push_str(": ");
                    value.write_pretty(out, indent + 2);
                }
                line(out, indent);
                out.push('}');
            }
            other => other.write_compact(out),
        }
    }

    fn write_scalar(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&n.0),
            Value::String(s) => push_string(out, s),
            Value::Array(_) | Value::Object(_) => self.write_compact(out),
        }
    }
}

/// Compact: no space anywhere.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_compact(&mut out);
        f.write_str(&out)
    }
}

/// Appends `s` as a JSON string literal: quotes, backslashes and control
/// characters escaped, everything else (`/`, any non-ASCII) as it is.
pub fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[(u32::from(c) >> 4) as usize]));
                out.push(char::from(HEX[(u32::from(c) & 0xF) as usize]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(Number(n.to_string()))
            }
        }
    )*};
}
from_integer!(u8, u16, u32, u64, usize);

/// A float that is not finite has no JSON form: it becomes `null`.
impl From<f64> for Value {
    fn from(n: f64) -> Self {
        if n.is_finite() {
            Value::Number(Number(n.to_string()))
        } else {
            Value::Null
        }
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}

/// The value of a decimal number (`-12`, `9.25`, `1.5e3`; leading zeros and a
/// `+` exponent are accepted). Correctly rounded when its significant digits
/// fit in 2^53 and its power of ten in ±22, which covers every reading and
/// size the app parses (RSSI, SNR, a history limit); beyond, within about
/// 1e-14 relative (at the very ends of f64's range it may round to infinity
/// or zero, or lose a subnormal's digits). Our own because core's float parser brings a 10 KB table of powers
/// into the browser build.
pub fn parse_f64(text: &str) -> Option<f64> {
    let (negative, rest) = text.strip_prefix('-').map_or((false, text), |r| (true, r));
    let (digits, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((_, "")) => return None,
        Some(parts) => parts,
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let mut power: i64 = match exponent {
        None => 0,
        Some(e) => {
            let (sign, e) = match e.as_bytes().first() {
                Some(b'-') => (-1, &e[1..]),
                Some(b'+') => (1, &e[1..]),
                _ => (1, e),
            };
            if e.is_empty() || !all_digits(e) {
                return None;
            }
            // Beyond ±10^6 the result is 0 or infinite whatever the digits.
            sign * e.bytes().fold(0i64, |n, b| (n * 10 + i64::from(b - b'0')).min(1_000_000))
        }
    };
    // Up to 19 significant digits in a u64; the rest only move the point.
    let mut mantissa = 0u64;
    for b in whole.bytes() {
        if mantissa < 1_000_000_000_000_000_000 {
            mantissa = mantissa * 10 + u64::from(b - b'0');
        } else {
            power += 1;
        }
    }
    for b in fraction.bytes() {
        if mantissa < 1_000_000_000_000_000_000 {
            mantissa = mantissa * 10 + u64::from(b - b'0');
            power -= 1;
        }
    }
    const EXACT: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];
    let m = mantissa as f64;
    let magnitude = if mantissa == 0 {
        0.0
    } else if mantissa <= 1 << 53 && (-22..=22).contains(&power) {
        // Both exact: one rounding, so the result is correctly rounded.
        let scale = EXACT[power.unsigned_abs() as usize];
        if power < 0 { m / scale } else { m * scale }
    } else if power < -300 {
        m * 10f64.powi((power + 300).max(-400) as i32) * 1e-300
    } else {
        m * 10f64.powi(power.min(400) as i32)
    };
    Some(if negative { -magnitude } else { magnitude })
}

// --- reading ------------------------------------------------------------------

/// What is wrong with a text that is not JSON, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// From 1.
    pub line: usize,
    /// From 1, in characters: the one that is wrong, or the last one when the text ended early.
    pub column: usize,
    pub detail: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at line {} column {}", self.detail, self.line, self.column)
    }
}

impl std::error::Error for ParseError {}

pub fn parse(text: &str) -> Result<Value, ParseError> {
    let mut reader = Reader { text: text.as_bytes(), at: 0 };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.at < reader.text.len() {
        return Err(reader.error_here("trailing characters"));
    }
    Ok(value)
}

/// Bytes that should be JSON; they must be UTF-8 first.
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            let (line, column) = line_and_column(valid, valid.len());
            Err(ParseError { line, column: column + 1, detail: "invalid UTF-8" })
        }
    }
}

/// The line and the number of characters before `at` on it (both from the text's start).
fn line_and_column(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count())
}

struct Reader<'a> {
    /// Valid UTF-8 (it comes from a `&str`): slicing at ASCII bytes keeps it so.
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn text_str(&self) -> &str {
        std::str::from_utf8(self.text).unwrap_or_default()
    }

    /// An error at the character about to be read.
    fn error_here(&self, detail: &'static str) -> ParseError {
        let (line, column) = line_and_column(self.text_str(), self.at);
        ParseError { line, column: column + 1, detail }
    }

    /// The text ended where more was needed.
    fn error_at_end(&self, detail: &'static str) -> ParseError {
        let (line, column) = line_and_column(self.text_str(), self.text.len());
        ParseError { line, column, detail }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.skip_whitespace();
        match self.peek() {
            None => Err(self.error_at_end("EOF while parsing a value")),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(b'[' | b'{') if depth >= MAX_DEPTH => Err(self.error_here("recursion limit exceeded")),
            Some(b'[') => self.array(depth + 1),
            Some(b'{') => self.object(depth + 1),
            Some(_) => Err(self.error_here("expected value")),
        }
    }

    fn literal(&mut self, word: &'static str, value: Value) -> Result<Value, ParseError> {
        for expected in word.bytes() {
            match self.peek() {
                Some(b) if b == expected => self.at += 1,
                Some(_) => return Err(self.error_here("expected value")),
                None => return Err(self.error_at_end("EOF while parsing a value")),
            }
        }
        Ok(value)
    }

    fn number(&mut self) -> Result<Number, ParseError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            None => return Err(self.error_at_end("EOF while parsing a value")),
            Some(_) => return Err(self.error_here("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.required_digits()?;
        }
        let text = std::str::from_utf8(&self.text[start..self.at]).unwrap_or_default();
        Ok(Number(text.to_owned()))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), ParseError> {
        match self.peek() {
            Some(b'0'..=b'9') => {
                self.digits();
                Ok(())
            }
            None => Err(self.error_at_end("EOF while parsing a value")),
            Some(_) => Err(self.error_here("invalid number")),
        }
    }

    /// A string literal, the opening quote next.
    fn string(&mut self) -> Result<String, ParseError> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let run_start = self.at;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.at += 1;
            }
            // The run ends at an ASCII byte (or the end), so it is whole UTF-8.
            out.push_str(std::str::from_utf8(&self.text[run_start..self.at]).unwrap_or_default());
            match self.peek() {
                None => return Err(self.error_at_end("EOF while parsing a string")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.error_here("control character (\\u0000-\\u001F) found while parsing a string")),
            }
        }
    }

    /// An escape, its backslash read.
    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let Some(b) = self.peek() else { return Err(self.error_at_end("EOF while parsing a string")) };
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                self.at += 1;
                let unit = self.hex4()?;
                out.push(self.code_point(unit)?);
                return Ok(());
            }
            _ => return Err(self.error_here("invalid escape")),
        };
        self.at += 1;
        out.push(c);
        Ok(())
    }

    /// The character of a `\u` escape whose first UTF-16 unit is read: a
    /// surrogate pair takes the next escape too.
    fn code_point(&mut self, unit: u16) -> Result<char, ParseError> {
        match unit {
            0xD800..=0xDBFF => {
                if self.text.get(self.at..self.at + 2) != Some(b"\\u") {
                    return Err(self.error_here("lone leading surrogate in hex escape"));
                }
                self.at += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.error_here("lone leading surrogate in hex escape"));
                }
                let c = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                char::from_u32(c).ok_or_else(|| self.error_here("invalid unicode code point"))
            }
            0xDC00..=0xDFFF => Err(self.error_here("unexpected trailing surrogate in hex escape")),
            other => char::from_u32(u32::from(other)).ok_or_else(|| self.error_here("invalid unicode code point")),
        }
    }

    fn hex4(&mut self) -> Result<u16, ParseError> {
        let mut unit = 0u16;
        for _ in 0..4 {
            let digit = match self.peek() {
                None => return Err(self.error_at_end("EOF while parsing a string")),
                Some(b) => char::from(b).to_digit(16).ok_or_else(|| self.error_here("invalid escape"))?,
            };
            unit = unit << 4 | digit as u16;
            self.at += 1;
        }
        Ok(unit)
    }

    fn array(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.skip_whitespace();
                    if self.peek() == Some(b']') {
                        return Err(self.error_here("trailing comma"));
                    }
                }
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                None => return Err(self.error_at_end("EOF while parsing a list")),
                Some(_) => return Err(self.error_here("expected `,` or `]`")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.at += 1;
        let mut members = Object::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') => return Err(self.error_here("trailing comma")),
                None => return Err(self.error_at_end("EOF while parsing an object")),
                Some(_) => return Err(self.error_here("key must be a string")),
            }
            let key = self.string()?;
            self.skip_whitespace();
            match self.peek() {
                Some(b':') => self.at += 1,
                None => return Err(self.error_at_end("EOF while parsing an object")),
                Some(_) => return Err(self.error_here("expected `:`")),
            }
            let value = self.value(depth)?;
            members.insert(key, value);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Object(members));
                }
                None => return Err(self.error_at_end("EOF while parsing an object")),
                Some(_) => return Err(self.error_here("expected `,` or `}`")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json, the reference: our reading of `text` is its reading, and
    /// our printing reads back as the same value.
    fn same_as_serde(text: &str) {
        let ours = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        let back: serde_json::Value = serde_json::from_str(&ours.to_string()).unwrap();
        assert_eq!(back, theirs, "compact {text}");
        let back: serde_json::Value = serde_json::from_str(&ours.pretty()).unwrap();
        assert_eq!(back, theirs, "pretty {text}");
        assert_eq!(ours.pretty(), serde_json::to_string_pretty(&theirs).unwrap(), "the same layout as serde_json");
    }

    #[test]
    fn reads_and_writes_what_serde_json_does() {
        for text in [
            "null",
            "true",
            " false ",
            "0",
            "-12",
            "3.25",
            "\"\"",
            r#""a \"quoted\" \\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00 é 😀""#,
            "[]",
            "{}",
            "[1,[2,[3,{}]],{\"a\":[]}]",
            r#"{"zeta":1,"alpha":{"b":2,"a":3},"mid":[1,"x",null,true]}"#,
            "\n\t{ \"k\" :\r\n 1 }\n",
        ] {
            same_as_serde(text);
        }
    }

    #[test]
    fn numbers_in_every_form() {
        for text in ["-0.5e-3", "1E+2", "0.0", "123456789012345678901234567890"] {
            let ours = parse(text).unwrap();
            assert_eq!(ours.to_string(), text, "written as it came");
            let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours.as_f64(), theirs.as_f64(), "{text}");
        }
    }

    #[test]
    fn decimal_numbers_read_as_rust_reads_them() {
        let exact = ["0", "-0", "7", "-81", "9.25", "-7.5", "0.1", "0.3", "868300000", "1.5e3", "125E-2", "2.5e+1",
            "9007199254740993", "123456.789e-3", "0.000001", "1e22", "1e-22", "007.50"];
        for text in exact {
            assert_eq!(parse_f64(text), text.parse::<f64>().ok(), "{text}");
        }
        for text in ["1.5e300", "2.2250738585072014e-308", "123456789012345678901234567890",
            "0.1234567890123456789012345", "6.02214076e23", "1e400", "1e-400"] {
            let (ours, rust) = (parse_f64(text).unwrap(), text.parse::<f64>().unwrap());
            assert!(ours == rust || ((ours - rust) / rust).abs() < 1e-14, "{text}: {ours} against {rust}");
        }
        for text in ["", "-", ".5", "1.", "1e", "1e+", "--1", "1.2.3", "0x10", "1,5", " 1", "inf", "NaN"] {
            assert_eq!(parse_f64(text), None, "{text:?}");
        }
    }

    #[test]
    fn keys_keep_their_order_and_numbers_their_text() {
        let v = parse(r#"{"z":1.0,"a":12345678901234567890123,"m":-0}"#).unwrap();
        assert_eq!(v.to_string(), r#"{"z":1.0,"a":12345678901234567890123,"m":-0}"#);
        assert_eq!(v.get("z").and_then(Value::as_f64), Some(1.0));
        assert_eq!(v.get("z").and_then(Value::as_u64), None, "1.0 is not written as an integer");
        assert_eq!(v.get("a").and_then(Value::as_u64), None, "out of u64's range");
        // A repeated key keeps its first place and its last value.
        assert_eq!(parse(r#"{"a":1,"b":2,"a":3}"#).unwrap().to_string(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = |text: &str| parse(text).unwrap_err();
        for (text, line, column, detail) in [
            ("", 1, 0, "EOF while parsing a value"),
            ("{\"a\": }", 1, 7, "expected value"),
            ("{\"a\": 1,,}", 1, 9, "key must be a string"),
            ("{\"a\": 1,}", 1, 9, "trailing comma"),
            ("[1,]", 1, 4, "trailing comma"),
            ("[1 2]", 1, 4, "expected `,` or `]`"),
            ("{\"a\" 1}", 1, 6, "expected `:`"),
            ("{\"a\":1 \"b\"}", 1, 8, "expected `,` or `}`"),
            ("{\n  \"a\": tru\n}", 2, 11, "expected value"),
            ("[1", 1, 2, "EOF while parsing a list"),
            ("{\"a\":1", 1, 6, "EOF while parsing an object"),
            ("\"abc", 1, 4, "EOF while parsing a string"),
            ("\"a\u{1}\"", 1, 3, "control character (\\u0000-\\u001F) found while parsing a string"),
            ("\"\\x\"", 1, 3, "invalid escape"),
            ("\"\\ud800\"", 1, 8, "lone leading surrogate in hex escape"),
            ("\"\\udc00\"", 1, 8, "unexpected trailing surrogate in hex escape"),
            ("01", 1, 2, "trailing characters"),
            ("1.", 1, 2, "EOF while parsing a value"),
            ("-x", 1, 2, "invalid number"),
            ("1 2", 1, 3, "trailing characters"),
            ("é x", 1, 1, "expected value"),
            ("[\"é\" x]", 1, 6, "expected `,` or `]`"),
        ] {
            assert_eq!(e(text), ParseError { line, column, detail }, "{text:?}");
            assert!(serde_json::from_str::<serde_json::Value>(text).is_err(), "serde_json refuses {text:?} too");
        }
        assert_eq!(e("{\"a\": }").to_string(), "expected value at line 1 column 7");
        assert_eq!(parse_bytes(b"[\"\xFF\"]").unwrap_err().detail, "invalid UTF-8");
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert_eq!(parse(&deep).unwrap_err().detail, "recursion limit exceeded");
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn values_made_in_rust() {
        let mut o = Object::new();
        o.insert("n", Value::from(7u8));
        o.insert("f", Value::from(21.5));
        o.insert("nan", Value::from(f64::NAN));
        o.insert("s", Value::from("tab\there \u{1f}"));
        o.insert("pair", Value::from(vec!["k", "v"]));
        assert_eq!(
            Value::from(o).to_string(),
            r#"{"n":7,"f":21.5,"nan":null,"s":"tab\there \u001f","pair":["k","v"]}"#
        );
    }
}

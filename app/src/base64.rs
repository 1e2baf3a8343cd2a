//! Standard base64 (RFC 4648 §4: `A–Z a–z 0–9 + /`, `=` padding), strict.
//!
//! Our own, like `json.rs`: the `base64` crate's engine and error machinery weigh
//! about 2 KB gzipped in the browser build, for two loops. Decoding accepts exactly
//! what encoding gives (padding required, unused bits zero), as the crate's
//! `STANDARD` engine does; the native tests check both against it.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Why text is not base64. Offsets count bytes from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// A byte that is neither in the alphabet nor padding at the end.
    InvalidByte(usize, u8),
    /// A length no encoding has: one symbol over a multiple of four.
    InvalidLength(usize),
    /// The last symbol has bits set that no byte fills (`vu9=` for `vu8=`).
    InvalidLastSymbol(usize, u8),
    /// Missing, extra or misplaced `=`.
    InvalidPadding,
}

pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for i in 0..4 {
            out.push(if i < symbols { char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]) } else { '=' });
        }
    }
    out
}

fn symbol_value(b: u8) -> Option<u32> {
    let v = match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

pub fn decode(text: &[u8]) -> Result<Vec<u8>, DecodeError> {
    // The symbols, then at most the padding: a `=` followed by a symbol is a bad byte.
    let symbols = text.iter().position(|&b| b == b'=').unwrap_or(text.len());
    if let Some(i) = text[..symbols].iter().position(|&b| symbol_value(b).is_none()) {
        return Err(DecodeError::InvalidByte(i, text[i]));
    }
    if let Some(i) = text[symbols..].iter().position(|&b| b != b'=') {
        let at = symbols + i;
        return Err(if symbol_value(text[at]).is_some() { DecodeError::InvalidByte(symbols, b'=') } else { DecodeError::InvalidByte(at, text[at]) });
    }
    let tail = symbols % 4;
    if tail == 1 {
        return Err(DecodeError::InvalidLength(text.len()));
    }
    let padding = text.len() - symbols;
    if padding != (4 - tail) % 4 {
        return Err(DecodeError::InvalidPadding);
    }
    let mut out = Vec::with_capacity(symbols / 4 * 3 + tail);
    let mut n = 0u32;
    for (i, &b) in text[..symbols].iter().enumerate() {
        n = n << 6 | symbol_value(b).unwrap_or(0);
        if i % 4 == 3 {
            out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
            n = 0;
        }
    }
    // The last group: two symbols give one byte (4 bits spare), three give two (2 spare).
    let (bytes, spare) = match tail {
        2 => (1, 4),
        3 => (2, 2),
        _ => return Ok(out),
    };
    if n & ((1 << spare) - 1) != 0 {
        return Err(DecodeError::InvalidLastSymbol(symbols - 1, text[symbols - 1]));
    }
    let n = n >> spare;
    for k in (0..bytes).rev() {
        out.push((n >> (8 * k)) as u8);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    // The crate `base64` (a dev-dependency) is the oracle.
    use ::base64::engine::general_purpose::STANDARD;
    use ::base64::Engine as _;

    /// A deterministic pseudo-random stream (xorshift), so failures repeat.
    fn bytes(seed: &mut u64, len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                (*seed >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn encodes_as_the_base64_crate_and_decodes_back() {
        let mut seed = 0x9E37_79B9_7F4A_7C15;
        for len in 0..200 {
            let data = bytes(&mut seed, len);
            let text = encode(&data);
            assert_eq!(text, STANDARD.encode(&data));
            assert_eq!(decode(text.as_bytes()), Ok(data));
        }
    }

    #[test]
    fn accepts_exactly_what_the_base64_crate_accepts() {
        // Short strings over an alphabet with every kind of symbol, padding and junk.
        let symbols = b"AQgw+/=*-_ ";
        let mut seed = 0x2545_F491_4F6C_DD1D;
        for _ in 0..100_000 {
            let len = (bytes(&mut seed, 1)[0] % 10) as usize;
            let text: Vec<u8> = bytes(&mut seed, len).iter().map(|b| symbols[*b as usize % symbols.len()]).collect();
            assert_eq!(decode(&text).ok(), STANDARD.decode(&text).ok(), "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(decode(b"vu*="), Err(DecodeError::InvalidByte(2, b'*')));
        assert_eq!(decode(b"v=u8"), Err(DecodeError::InvalidByte(1, b'=')));
        assert_eq!(decode(b"vu8"), Err(DecodeError::InvalidPadding));
        assert_eq!(decode(b"vu8=="), Err(DecodeError::InvalidPadding));
        assert_eq!(decode(b"vu8=A"), Err(DecodeError::InvalidByte(3, b'=')));
        assert_eq!(decode(b"vu8AA"), Err(DecodeError::InvalidLength(5)));
        assert_eq!(decode(b"vu9="), Err(DecodeError::InvalidLastSymbol(2, b'9')));
        assert_eq!(decode(b""), Ok(vec![]));
    }
}

//! The streaming decoder: bytes arrive in chunks of any size (a WebSocket frame may
//! hold part of a packet or several, MQTT §6), whole packets come out.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::DecodeError;
use crate::packet::{FixedHeader, Packet, Publish};
use crate::wire::MAX_VAR_INT;
use crate::ProtocolVersion;

/// The largest packet MQTT can express: 1 + 4 + 268,435,455 bytes.
pub const MAX_PACKET_SIZE: usize = 5 + MAX_VAR_INT as usize;

/// Reassembles packets from a byte stream.
///
/// A packet whose fixed header announces more than the maximum packet size is
/// refused as soon as its header is seen, before its body is buffered. After an
/// error every later call returns that error, unless the error was in a packet's
/// body and the caller skips that packet ([`Decoder::skip_rejected`]): a framing
/// error cannot be resynchronised.
#[derive(Debug)]
pub struct Decoder {
    version: ProtocolVersion,
    max_packet_size: usize,
    /// Whole packets, their headers checked by `push`, cut from the front of `buf`
    /// in one piece; packets are taken out of it one by one.
    ready: Bytes,
    /// Bytes received after `ready`.
    buf: BytesMut,
    /// Bytes of whole packets, their headers checked, at the front of `buf`.
    whole: usize,
    /// Offset in `buf` of the first packet whose fixed header `push` has not checked.
    unchecked: usize,
    /// Offset in `buf` of the last packet whose fixed header `push` has checked.
    last_checked: usize,
    failed: Option<DecodeError>,
    /// The packet whose body made `failed`, while it is the reason.
    rejected: Option<(u8, Bytes)>,
}

impl Decoder {
    pub fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            max_packet_size: MAX_PACKET_SIZE,
            ready: Bytes::new(),
            buf: BytesMut::new(),
            whole: 0,
            unchecked: 0,
            last_checked: 0,
            failed: None,
            rejected: None,
        }
    }

    /// Packets larger than `max` bytes (fixed header included) are refused.
    #[must_use]
    pub fn with_max_packet_size(mut self, max: usize) -> Self {
        self.max_packet_size = max.min(MAX_PACKET_SIZE);
        self
    }

    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    pub fn max_packet_size(&self) -> usize {
        self.max_packet_size
    }

    /// Bytes received but not yet returned as packets.
    pub fn buffered(&self) -> usize {
        self.ready.len() + self.buf.len()
    }

    fn fail(&mut self, error: DecodeError) -> DecodeError {
        self.failed = Some(error.clone());
        self.rejected = None;
        error
    }

    fn check_size(&mut self, header: &FixedHeader) -> Result<(), DecodeError> {
        let size = header.packet_len();
        if size > self.max_packet_size {
            return Err(self.fail(DecodeError::PacketTooLarge { size, maximum: self.max_packet_size }));
        }
        Ok(())
    }

    /// Adds received bytes. Fails if the packet they continue is too large or its
    /// header is malformed; then nothing more is buffered.
    ///
    /// Every fixed header the bytes complete is checked, not only the first one's: when
    /// whole packets stand before a bad header, they stay to be taken out, nothing past
    /// the bad header is kept, and `next_packet` fails on reaching it.
    pub fn push(&mut self, data: &[u8]) -> Result<(), DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let mut keep = data.len();
        while self.unchecked < self.buf.len() + data.len() {
            let at = self.unchecked;
            let parsed = match self.buf.get(at..) {
                Some(rest) if !rest.is_empty() => FixedHeader::parse(rest, data),
                _ => FixedHeader::parse(data.get(at - self.buf.len()..).unwrap_or_default(), &[]),
            };
            let error = match parsed {
                Ok(Some(header)) if header.packet_len() <= self.max_packet_size => {
                    self.last_checked = at;
                    self.unchecked = at + header.packet_len();
                    continue;
                }
                Ok(Some(header)) => {
                    DecodeError::PacketTooLarge { size: header.packet_len(), maximum: self.max_packet_size }
                }
                Ok(None) => break,
                Err(e) => e,
            };
            if at == 0 {
                return Err(self.fail(error));
            }
            // Keep the bad header itself (at most 5 bytes) for `next_packet` to fail on.
            keep = (at + 5).saturating_sub(self.buf.len()).min(data.len());
            break;
        }
        self.buf.extend_from_slice(data.get(..keep).unwrap_or_default());
        // All checked packets are whole but the last one, which may still be arriving.
        self.whole = if self.unchecked <= self.buf.len() { self.unchecked } else { self.last_checked };
        Ok(())
    }

    /// The next whole packet, `Ok(None)` if more bytes are needed.
    ///
    /// Only taking a common PUBLISH out of `ready` is here, so that it stays small
    /// enough for the caller to inline: called, it returns the ~100-byte packet
    /// through memory, and the caller's copy of it then stalls on reading what was
    /// just written. Everything else is out of line.
    #[inline]
    pub fn next_packet(&mut self) -> Result<Option<Packet>, DecodeError> {
        if self.failed.is_some() || (self.ready.is_empty() && !self.refill()) {
            return self.no_ready_packet();
        }
        let header = match FixedHeader::parse(&self.ready, &[]) {
            Ok(Some(header)) if header.packet_len() <= self.ready.len() => header,
            _ => return self.next_other_packet(),
        };
        // Nearly every PUBLISH: its variable header is read in place, its topic
        // copied, and its payload is all that is cut from the buffer.
        if let Some(publish) = Publish::take_common(&mut self.ready, &header, self.version) {
            return Ok(Some(Packet::Publish(publish)));
        }
        self.next_other_packet()
    }

    /// Moves the whole packets at the front of `buf` to `ready`, in one cut (one
    /// reference count for all of them). False if there are none.
    #[inline(never)]
    fn refill(&mut self) -> bool {
        if self.whole == 0 {
            return false;
        }
        self.ready = self.buf.split_to(self.whole).freeze();
        self.unchecked -= self.whole;
        self.last_checked = self.last_checked.saturating_sub(self.whole);
        self.whole = 0;
        true
    }

    /// `next_packet` for every packet but a common PUBLISH, taken from `ready`:
    /// `decode_body` decodes it, and says what is wrong with a malformed one.
    #[inline(never)]
    fn next_other_packet(&mut self) -> Result<Option<Packet>, DecodeError> {
        let header = match FixedHeader::parse(&self.ready, &[]) {
            Ok(Some(header)) if header.packet_len() <= self.ready.len() => header,
            // `push` let only whole packets with good headers into `ready`.
            Ok(_) => return Err(self.fail(DecodeError::TruncatedFixedHeader)),
            Err(e) => return Err(self.fail(e)),
        };
        self.ready.advance(header.header_len);
        let body = self.ready.split_to(header.remaining_length);
        match Packet::decode_body(self.version, header.first_byte, &body) {
            Ok(packet) => Ok(Some(packet)),
            Err(e) => {
                let e = self.fail(e);
                // The frame was whole and well formed: what it says is wrong. Kept,
                // so that a caller may judge it after all (`rejected`).
                self.rejected = Some((header.first_byte, body));
                Err(e)
            }
        }
    }

    /// The packet `next_packet` last refused because of what its body says (its
    /// frame was whole and well formed, so the stream could go on after it): its
    /// first byte and its body. `None` when the last error, if any, was in the
    /// framing, from which the stream cannot recover.
    pub fn rejected(&self) -> Option<(u8, &Bytes)> {
        self.rejected.as_ref().map(|(first_byte, body)| (*first_byte, body))
    }

    /// Goes on after the packet [`Decoder::rejected`] names, as if it had decoded
    /// (for a caller that has read it another way and accepted it). False, and
    /// the decoder still failed, if there is no such packet.
    pub fn skip_rejected(&mut self) -> bool {
        if self.rejected.take().is_none() {
            return false;
        }
        self.failed = None;
        true
    }

    /// `next_packet` after an error, or when `buf` holds no whole packet: at its
    /// front is a packet still arriving, or a bad header that `push` kept for this
    /// to fail on.
    #[inline(never)]
    fn no_ready_packet(&mut self) -> Result<Option<Packet>, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match FixedHeader::parse(&self.buf, &[]) {
            Err(e) => Err(self.fail(e)),
            Ok(Some(header)) => {
                self.check_size(&header)?;
                Ok(None)
            }
            Ok(None) => Ok(None),
        }
    }
}

impl Iterator for Decoder {
    type Item = Result<Packet, DecodeError>;

    /// Whole packets until more bytes are needed; after an error, `None`.
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed.is_some() {
            return None;
        }
        self.next_packet().transpose()
    }
}

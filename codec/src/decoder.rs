//! The streaming decoder: bytes arrive in chunks of any size (a WebSocket frame may
//! hold part of a packet or several, MQTT §6), whole packets come out.

use bytes::{Buf, BytesMut};

use crate::error::DecodeError;
use crate::packet::{FixedHeader, Packet, PacketType, Publish};
use crate::wire::MAX_VAR_INT;
use crate::ProtocolVersion;

/// The largest packet MQTT can express: 1 + 4 + 268,435,455 bytes.
pub const MAX_PACKET_SIZE: usize = 5 + MAX_VAR_INT as usize;

/// Reassembles packets from a byte stream.
///
/// A packet whose fixed header announces more than the maximum packet size is
/// refused as soon as its header is seen, before its body is buffered. After an
/// error the stream cannot be resynchronised: every later call returns that error.
#[derive(Debug)]
pub struct Decoder {
    version: ProtocolVersion,
    max_packet_size: usize,
    buf: BytesMut,
    failed: Option<DecodeError>,
    /// Offset in `buf` of the first packet whose fixed header `push` has not checked.
    unchecked: usize,
}

impl Decoder {
    pub fn new(version: ProtocolVersion) -> Self {
        Self { version, max_packet_size: MAX_PACKET_SIZE, buf: BytesMut::new(), failed: None, unchecked: 0 }
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
        self.buf.len()
    }

    fn fail(&mut self, error: DecodeError) -> DecodeError {
        self.failed = Some(error.clone());
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
        Ok(())
    }

    /// The next whole packet, `Ok(None)` if more bytes are needed.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let header = match FixedHeader::parse(&self.buf, &[]) {
            Ok(Some(header)) => header,
            Ok(None) => return Ok(None),
            Err(e) => return Err(self.fail(e)),
        };
        self.check_size(&header)?;
        if self.buf.len() < header.packet_len() {
            return Ok(None);
        }
        // Skipping the fixed header and splitting off the body shares the buffer once
        // per packet (split_to + split_off did it twice).
        self.buf.advance(header.header_len);
        let body = self.buf.split_to(header.remaining_length).freeze();
        self.unchecked = self.unchecked.saturating_sub(header.packet_len());
        // PUBLISH goes straight into the returned value: through `decode_body` it was
        // rewrapped layer by layer (Result<Publish>, Result<Packet>, then this
        // Result<Option<Packet>>), a copy of the packet per layer, each stalling on
        // reading back what had just been written.
        if header.first_byte >> 4 == PacketType::Publish as u8 {
            return match Publish::decode(body, self.version, header.first_byte & 0x0F) {
                Ok(publish) => Ok(Some(Packet::Publish(publish))),
                Err(e) => Err(self.fail(e)),
            };
        }
        match Packet::decode_body(self.version, header.first_byte, body) {
            Ok(packet) => Ok(Some(packet)),
            Err(e) => Err(self.fail(e)),
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

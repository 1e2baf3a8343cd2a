//! The streaming decoder: bytes arrive in chunks of any size (a WebSocket frame may
//! hold part of a packet or several, MQTT §6), whole packets come out.

use bytes::BytesMut;

use crate::error::DecodeError;
use crate::packet::{FixedHeader, Packet};
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
}

impl Decoder {
    pub fn new(version: ProtocolVersion) -> Self {
        Self { version, max_packet_size: MAX_PACKET_SIZE, buf: BytesMut::new(), failed: None }
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
    pub fn push(&mut self, data: &[u8]) -> Result<(), DecodeError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        match FixedHeader::parse(&self.buf, data) {
            Ok(Some(header)) => self.check_size(&header)?,
            Ok(None) => {}
            Err(e) => return Err(self.fail(e)),
        }
        self.buf.extend_from_slice(data);
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
        let mut frame = self.buf.split_to(header.packet_len());
        let body = frame.split_off(header.header_len).freeze();
        Packet::decode_body(self.version, header.first_byte, &body).map(Some).map_err(|e| self.fail(e))
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

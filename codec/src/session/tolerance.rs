//! The broker deviations the engine tolerates, all of them here.
//!
//! The codec's decoder is strict and keeps naming these as errors; the session
//! decides to accept them, because libmosquitto (the most widely used C client)
//! does and brokers send them:
//!
//! 1. a 5.0 UNSUBACK with no reason codes (a broker answering as in 3.1.1, but
//!    with a property length): Success for each filter;
//! 2. a 5.0 UNSUBACK reason code outside the table of §3.11.3: 0x80 Unspecified
//!    error for that filter (libmosquitto does not read the codes at all; a
//!    failure is the reading that claims least);
//! 3. bytes after a 5.0 CONNACK's properties: ignored.
//!
//! Each is reported with an [`Event::Diagnostic`]. Nothing else is tolerated: the
//! packet is re-read here only when the strict decoder failed with exactly one of
//! these errors, and the lenient reading is as strict as the decoder in every
//! other field (a second fault in the same packet is the original error).

use bytes::Bytes;

use super::{Diagnostic, Event, Session};
use crate::packet::read_packet_id;
use crate::wire::Reader;
use crate::{ConnAck, DecodeError, Packet, PacketType, Properties, PropertyOwner, ReasonCode, UnsubAck};

impl Session {
    /// A packet the decoder refused with `error`, read leniently if `error` is
    /// one of the tolerated deviations (the decoder then goes on after it);
    /// otherwise `error`, which ends the connection.
    pub(super) fn tolerate(&mut self, error: DecodeError) -> Result<Packet, DecodeError> {
        let version = self.options.version;
        let tolerated = version.is_v5()
            && matches!(
                error,
                DecodeError::EmptyPayload { packet: PacketType::UnsubAck }
                    | DecodeError::InvalidReasonCode { packet: PacketType::UnsubAck, .. }
                    | DecodeError::TrailingBytes { packet: PacketType::ConnAck, .. }
            );
        if !tolerated {
            return Err(error);
        }
        let Some((first_byte, body)) = self.decoder.rejected() else { return Err(error) };
        let read = match PacketType::from_nibble(first_byte >> 4) {
            Some(PacketType::UnsubAck) => self.lenient_unsuback(body),
            Some(PacketType::ConnAck) => lenient_connack(body, version),
            _ => None,
        };
        let Some((packet, diagnostics)) = read else { return Err(error) };
        if !self.decoder.skip_rejected() {
            return Err(error);
        }
        self.events.extend(diagnostics.into_iter().map(Event::Diagnostic));
        Ok(packet)
    }

    /// Deviations 1 and 2. With no reason codes, Success for each filter of the
    /// UNSUBSCRIBE it answers (none if it answers nothing we sent: the session
    /// reports that).
    fn lenient_unsuback(&self, body: &Bytes) -> Option<(Packet, Vec<Diagnostic>)> {
        let mut r = Reader::new(body, PacketType::UnsubAck);
        let packet_id = read_packet_id(&mut r).ok()?;
        let properties = Properties::decode(&mut r, PropertyOwner::Packet(PacketType::UnsubAck)).ok()?;
        let codes = r.take(r.remaining(), "reason codes").ok()?;
        let mut diagnostics = Vec::new();
        let reasons = if codes.is_empty() {
            diagnostics.push(Diagnostic::UnsubAckWithoutReasonCodes { packet_id });
            let filters = self.pending_unsubscribes.get(packet_id).map_or(0, Vec::len);
            vec![ReasonCode::SUCCESS; filters]
        } else {
            let mut reasons = Vec::with_capacity(codes.len());
            for &code in codes {
                if ReasonCode(code).allowed_in(PacketType::UnsubAck) {
                    reasons.push(ReasonCode(code));
                } else {
                    diagnostics.push(Diagnostic::UnsubAckInvalidReasonCode { packet_id, code });
                    reasons.push(ReasonCode::UNSPECIFIED_ERROR);
                }
            }
            reasons
        };
        Some((Packet::UnsubAck(UnsubAck { packet_id, reasons, properties }), diagnostics))
    }
}

/// Deviation 3: CONNACK read as the decoder reads it, what follows ignored.
fn lenient_connack(body: &Bytes, version: crate::ProtocolVersion) -> Option<(Packet, Vec<Diagnostic>)> {
    let mut r = Reader::new(body, PacketType::ConnAck);
    let ack = ConnAck::decode(&mut r, version).ok()?;
    let count = r.remaining();
    Some((Packet::ConnAck(ack), vec![Diagnostic::ConnAckTrailingBytes { count }]))
}

//! MQTT 5.0 properties (§2.2.2): every property with its type, the packets it may
//! appear in, and the rule on repeating it.
//!
//! [`Properties`] keeps them as a list in wire order: most packets carry none, so an
//! empty list costs nothing, and round trips keep the order the sender chose.

use core::fmt;

use bytes::Bytes;

use crate::error::{DecodeError, EncodeError};
use crate::packet::PacketType;
use crate::wire::{self, Reader, MAX_VAR_INT};

/// Where a property list stands: in a packet, or in CONNECT's will.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertyOwner {
    Packet(PacketType),
    Will,
}

impl PropertyOwner {
    const fn bit(self) -> u16 {
        match self {
            Self::Will => 1,
            Self::Packet(t) => 1 << (t as u8),
        }
    }
}

impl fmt::Display for PropertyOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Packet(t) => write!(f, "{t}"),
            Self::Will => f.write_str("the will properties"),
        }
    }
}

const WILL: u16 = 1;
const CONNECT: u16 = 1 << 1;
const CONNACK: u16 = 1 << 2;
const PUBLISH: u16 = 1 << 3;
const PUBACK: u16 = 1 << 4;
const PUBREC: u16 = 1 << 5;
const PUBREL: u16 = 1 << 6;
const PUBCOMP: u16 = 1 << 7;
const SUBSCRIBE: u16 = 1 << 8;
const SUBACK: u16 = 1 << 9;
const UNSUBSCRIBE: u16 = 1 << 10;
const UNSUBACK: u16 = 1 << 11;
const DISCONNECT: u16 = 1 << 14;
const AUTH: u16 = 1 << 15;

macro_rules! property_ids {
    ($($variant:ident = $id:literal, $name:literal, $owners:expr;)*) => {
        /// A property identifier (§2.2.2.2).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum PropertyId {
            $($variant = $id,)*
        }

        impl PropertyId {
            /// Every property, in identifier order.
            pub const ALL: &'static [PropertyId] = &[$(PropertyId::$variant,)*];

            pub fn from_u32(id: u32) -> Option<Self> {
                match id {
                    $($id => Some(Self::$variant),)*
                    _ => None,
                }
            }

            /// The specification's name.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            const fn owners(self) -> u16 {
                match self {
                    $(Self::$variant => $owners,)*
                }
            }
        }
    };
}

property_ids! {
    PayloadFormatIndicator = 0x01, "Payload Format Indicator", PUBLISH | WILL;
    MessageExpiryInterval = 0x02, "Message Expiry Interval", PUBLISH | WILL;
    ContentType = 0x03, "Content Type", PUBLISH | WILL;
    ResponseTopic = 0x08, "Response Topic", PUBLISH | WILL;
    CorrelationData = 0x09, "Correlation Data", PUBLISH | WILL;
    SubscriptionIdentifier = 0x0B, "Subscription Identifier", PUBLISH | SUBSCRIBE;
    SessionExpiryInterval = 0x11, "Session Expiry Interval", CONNECT | CONNACK | DISCONNECT;
    AssignedClientIdentifier = 0x12, "Assigned Client Identifier", CONNACK;
    ServerKeepAlive = 0x13, "Server Keep Alive", CONNACK;
    AuthenticationMethod = 0x15, "Authentication Method", CONNECT | CONNACK | AUTH;
    AuthenticationData = 0x16, "Authentication Data", CONNECT | CONNACK | AUTH;
    RequestProblemInformation = 0x17, "Request Problem Information", CONNECT;
    WillDelayInterval = 0x18, "Will Delay Interval", WILL;
    RequestResponseInformation = 0x19, "Request Response Information", CONNECT;
    ResponseInformation = 0x1A, "Response Information", CONNACK;
    ServerReference = 0x1C, "Server Reference", CONNACK | DISCONNECT;
    ReasonString = 0x1F, "Reason String",
        CONNACK | PUBACK | PUBREC | PUBREL | PUBCOMP | SUBACK | UNSUBACK | DISCONNECT | AUTH;
    ReceiveMaximum = 0x21, "Receive Maximum", CONNECT | CONNACK;
    TopicAliasMaximum = 0x22, "Topic Alias Maximum", CONNECT | CONNACK;
    TopicAlias = 0x23, "Topic Alias", PUBLISH;
    MaximumQoS = 0x24, "Maximum QoS", CONNACK;
    RetainAvailable = 0x25, "Retain Available", CONNACK;
    UserProperty = 0x26, "User Property",
        CONNECT | CONNACK | PUBLISH | WILL | PUBACK | PUBREC | PUBREL | PUBCOMP | SUBSCRIBE | SUBACK
        | UNSUBSCRIBE | UNSUBACK | DISCONNECT | AUTH;
    MaximumPacketSize = 0x27, "Maximum Packet Size", CONNECT | CONNACK;
    WildcardSubscriptionAvailable = 0x28, "Wildcard Subscription Available", CONNACK;
    SubscriptionIdentifierAvailable = 0x29, "Subscription Identifier Available", CONNACK;
    SharedSubscriptionAvailable = 0x2A, "Shared Subscription Available", CONNACK;
}

impl PropertyId {
    /// Whether the property may stand in `owner`'s property list.
    pub const fn allowed_in(self, owner: PropertyOwner) -> bool {
        self.owners() & owner.bit() != 0
    }

    /// User properties repeat anywhere; subscription identifiers repeat only in
    /// PUBLISH (one per matching subscription, §3.3.2.3.8; once in SUBSCRIBE, §3.8.2.1.2).
    const fn may_repeat_in(self, owner: PropertyOwner) -> bool {
        match self {
            Self::UserProperty => true,
            Self::SubscriptionIdentifier => matches!(owner, PropertyOwner::Packet(PacketType::Publish)),
            _ => false,
        }
    }
}

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One property with its value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Property {
    PayloadFormatIndicator(u8),
    MessageExpiryInterval(u32),
    ContentType(String),
    ResponseTopic(String),
    CorrelationData(Bytes),
    SubscriptionIdentifier(u32),
    SessionExpiryInterval(u32),
    AssignedClientIdentifier(String),
    ServerKeepAlive(u16),
    AuthenticationMethod(String),
    AuthenticationData(Bytes),
    RequestProblemInformation(u8),
    WillDelayInterval(u32),
    RequestResponseInformation(u8),
    ResponseInformation(String),
    ServerReference(String),
    ReasonString(String),
    ReceiveMaximum(u16),
    TopicAliasMaximum(u16),
    TopicAlias(u16),
    MaximumQoS(u8),
    RetainAvailable(u8),
    UserProperty(String, String),
    MaximumPacketSize(u32),
    WildcardSubscriptionAvailable(u8),
    SubscriptionIdentifierAvailable(u8),
    SharedSubscriptionAvailable(u8),
}

/// A property's value as its wire type gives it (§2.2.2.2): what a caller
/// shows or stores without naming every property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyValue<'a> {
    Byte(u8),
    TwoByte(u16),
    FourByte(u32),
    VarInt(u32),
    Str(&'a str),
    Binary(&'a [u8]),
    Pair(&'a str, &'a str),
}

impl Property {
    pub fn id(&self) -> PropertyId {
        use PropertyId as I;
        match self {
            Self::PayloadFormatIndicator(_) => I::PayloadFormatIndicator,
            Self::MessageExpiryInterval(_) => I::MessageExpiryInterval,
            Self::ContentType(_) => I::ContentType,
            Self::ResponseTopic(_) => I::ResponseTopic,
            Self::CorrelationData(_) => I::CorrelationData,
            Self::SubscriptionIdentifier(_) => I::SubscriptionIdentifier,
            Self::SessionExpiryInterval(_) => I::SessionExpiryInterval,
            Self::AssignedClientIdentifier(_) => I::AssignedClientIdentifier,
            Self::ServerKeepAlive(_) => I::ServerKeepAlive,
            Self::AuthenticationMethod(_) => I::AuthenticationMethod,
            Self::AuthenticationData(_) => I::AuthenticationData,
            Self::RequestProblemInformation(_) => I::RequestProblemInformation,
            Self::WillDelayInterval(_) => I::WillDelayInterval,
            Self::RequestResponseInformation(_) => I::RequestResponseInformation,
            Self::ResponseInformation(_) => I::ResponseInformation,
            Self::ServerReference(_) => I::ServerReference,
            Self::ReasonString(_) => I::ReasonString,
            Self::ReceiveMaximum(_) => I::ReceiveMaximum,
            Self::TopicAliasMaximum(_) => I::TopicAliasMaximum,
            Self::TopicAlias(_) => I::TopicAlias,
            Self::MaximumQoS(_) => I::MaximumQoS,
            Self::RetainAvailable(_) => I::RetainAvailable,
            Self::UserProperty(..) => I::UserProperty,
            Self::MaximumPacketSize(_) => I::MaximumPacketSize,
            Self::WildcardSubscriptionAvailable(_) => I::WildcardSubscriptionAvailable,
            Self::SubscriptionIdentifierAvailable(_) => I::SubscriptionIdentifierAvailable,
            Self::SharedSubscriptionAvailable(_) => I::SharedSubscriptionAvailable,
        }
    }

    /// The value, by its wire type.
    pub fn value(&self) -> PropertyValue<'_> {
        match self {
            Self::PayloadFormatIndicator(v)
            | Self::RequestProblemInformation(v)
            | Self::RequestResponseInformation(v)
            | Self::MaximumQoS(v)
            | Self::RetainAvailable(v)
            | Self::WildcardSubscriptionAvailable(v)
            | Self::SubscriptionIdentifierAvailable(v)
            | Self::SharedSubscriptionAvailable(v) => PropertyValue::Byte(*v),
            Self::ServerKeepAlive(v) | Self::ReceiveMaximum(v) | Self::TopicAliasMaximum(v) | Self::TopicAlias(v) => {
                PropertyValue::TwoByte(*v)
            }
            Self::MessageExpiryInterval(v)
            | Self::SessionExpiryInterval(v)
            | Self::WillDelayInterval(v)
            | Self::MaximumPacketSize(v) => PropertyValue::FourByte(*v),
            Self::SubscriptionIdentifier(v) => PropertyValue::VarInt(*v),
            Self::ContentType(s)
            | Self::ResponseTopic(s)
            | Self::AssignedClientIdentifier(s)
            | Self::AuthenticationMethod(s)
            | Self::ResponseInformation(s)
            | Self::ServerReference(s)
            | Self::ReasonString(s) => PropertyValue::Str(s),
            Self::CorrelationData(b) | Self::AuthenticationData(b) => PropertyValue::Binary(b),
            Self::UserProperty(k, v) => PropertyValue::Pair(k, v),
        }
    }

    /// The value rules of §3.x: booleans are 0 or 1, several maxima cannot be 0,
    /// Maximum QoS is 0 or 1, a subscription identifier is 1..=268,435,455.
    fn check_value(&self) -> Result<(), (PropertyId, u32)> {
        let bad = |v: u32| Err((self.id(), v));
        match *self {
            Self::PayloadFormatIndicator(v)
            | Self::RequestProblemInformation(v)
            | Self::RequestResponseInformation(v)
            | Self::MaximumQoS(v)
            | Self::RetainAvailable(v)
            | Self::WildcardSubscriptionAvailable(v)
            | Self::SubscriptionIdentifierAvailable(v)
            | Self::SharedSubscriptionAvailable(v)
                if v > 1 =>
            {
                bad(v.into())
            }
            Self::ReceiveMaximum(0) | Self::TopicAlias(0) => bad(0),
            Self::MaximumPacketSize(0) => bad(0),
            Self::SubscriptionIdentifier(v) if v == 0 || v > MAX_VAR_INT => bad(v),
            _ => Ok(()),
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let raw_id = r.var_int("property identifier")?;
        let id = PropertyId::from_u32(raw_id).ok_or(DecodeError::UnknownProperty { id: raw_id })?;
        let name = id.name();
        use PropertyId as I;
        let property = match id {
            I::PayloadFormatIndicator => Self::PayloadFormatIndicator(r.u8(name)?),
            I::MessageExpiryInterval => Self::MessageExpiryInterval(r.u32(name)?),
            I::ContentType => Self::ContentType(r.string(name)?),
            I::ResponseTopic => Self::ResponseTopic(r.string(name)?),
            I::CorrelationData => Self::CorrelationData(r.binary(name)?),
            I::SubscriptionIdentifier => Self::SubscriptionIdentifier(r.var_int(name)?),
            I::SessionExpiryInterval => Self::SessionExpiryInterval(r.u32(name)?),
            I::AssignedClientIdentifier => Self::AssignedClientIdentifier(r.string(name)?),
            I::ServerKeepAlive => Self::ServerKeepAlive(r.u16(name)?),
            I::AuthenticationMethod => Self::AuthenticationMethod(r.string(name)?),
            I::AuthenticationData => Self::AuthenticationData(r.binary(name)?),
            I::RequestProblemInformation => Self::RequestProblemInformation(r.u8(name)?),
            I::WillDelayInterval => Self::WillDelayInterval(r.u32(name)?),
            I::RequestResponseInformation => Self::RequestResponseInformation(r.u8(name)?),
            I::ResponseInformation => Self::ResponseInformation(r.string(name)?),
            I::ServerReference => Self::ServerReference(r.string(name)?),
            I::ReasonString => Self::ReasonString(r.string(name)?),
            I::ReceiveMaximum => Self::ReceiveMaximum(r.u16(name)?),
            I::TopicAliasMaximum => Self::TopicAliasMaximum(r.u16(name)?),
            I::TopicAlias => Self::TopicAlias(r.u16(name)?),
            I::MaximumQoS => Self::MaximumQoS(r.u8(name)?),
            I::RetainAvailable => Self::RetainAvailable(r.u8(name)?),
            I::UserProperty => Self::UserProperty(r.string("User Property name")?, r.string("User Property value")?),
            I::MaximumPacketSize => Self::MaximumPacketSize(r.u32(name)?),
            I::WildcardSubscriptionAvailable => Self::WildcardSubscriptionAvailable(r.u8(name)?),
            I::SubscriptionIdentifierAvailable => Self::SubscriptionIdentifierAvailable(r.u8(name)?),
            I::SharedSubscriptionAvailable => Self::SharedSubscriptionAvailable(r.u8(name)?),
        };
        property
            .check_value()
            .map_err(|(property, value)| DecodeError::InvalidPropertyValue { property, value })?;
        Ok(property)
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        let name = self.id().name();
        // Every identifier is below 128: one byte.
        Ok(1 + match self.value() {
            PropertyValue::Byte(_) => 1,
            PropertyValue::TwoByte(_) => 2,
            PropertyValue::FourByte(_) => 4,
            PropertyValue::VarInt(v) => wire::var_int_len(v as usize),
            PropertyValue::Str(s) => wire::string_len(s, name)?,
            PropertyValue::Binary(b) => wire::binary_len(b, name)?,
            PropertyValue::Pair(k, v) => wire::string_len(k, "User Property name")? + wire::string_len(v, "User Property value")?,
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.push(self.id() as u8);
        match self.value() {
            PropertyValue::Byte(v) => out.push(v),
            PropertyValue::TwoByte(v) => wire::put_u16(out, v),
            PropertyValue::FourByte(v) => wire::put_u32(out, v),
            PropertyValue::VarInt(v) => wire::put_var_int(out, v as usize),
            PropertyValue::Str(s) => wire::put_prefixed(out, s.as_bytes()),
            PropertyValue::Binary(b) => wire::put_prefixed(out, b),
            PropertyValue::Pair(k, v) => {
                wire::put_prefixed(out, k.as_bytes());
                wire::put_prefixed(out, v.as_bytes());
            }
        }
    }
}

/// A property list in wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Properties(Vec<Property>);

macro_rules! copy_accessors {
    ($($(#[$doc:meta])* $fn:ident: $variant:ident -> $ty:ty;)*) => {$(
        $(#[$doc])*
        pub fn $fn(&self) -> Option<$ty> {
            self.0.iter().find_map(|p| match p { Property::$variant(v) => Some(*v), _ => None })
        }
    )*};
}

macro_rules! ref_accessors {
    ($($fn:ident: $variant:ident -> $ty:ty;)*) => {$(
        pub fn $fn(&self) -> Option<&$ty> {
            self.0.iter().find_map(|p| match p { Property::$variant(v) => Some(&**v), _ => None })
        }
    )*};
}

impl Properties {
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> core::slice::Iter<'_, Property> {
        self.0.iter()
    }

    pub fn push(&mut self, property: Property) {
        self.0.push(property);
    }

    /// Adds a property, builder style.
    #[must_use]
    pub fn with(mut self, property: Property) -> Self {
        self.0.push(property);
        self
    }

    /// Removes every property with this identifier.
    pub fn remove(&mut self, id: PropertyId) {
        self.0.retain(|p| p.id() != id);
    }

    pub fn user_properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().filter_map(|p| match p {
            Property::UserProperty(k, v) => Some((k.as_str(), v.as_str())),
            _ => None,
        })
    }

    pub fn subscription_identifiers(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().filter_map(|p| match p {
            Property::SubscriptionIdentifier(v) => Some(*v),
            _ => None,
        })
    }

    copy_accessors! {
        payload_format_indicator: PayloadFormatIndicator -> u8;
        message_expiry_interval: MessageExpiryInterval -> u32;
        session_expiry_interval: SessionExpiryInterval -> u32;
        server_keep_alive: ServerKeepAlive -> u16;
        request_problem_information: RequestProblemInformation -> u8;
        will_delay_interval: WillDelayInterval -> u32;
        request_response_information: RequestResponseInformation -> u8;
        receive_maximum: ReceiveMaximum -> u16;
        topic_alias_maximum: TopicAliasMaximum -> u16;
        topic_alias: TopicAlias -> u16;
        maximum_qos: MaximumQoS -> u8;
        retain_available: RetainAvailable -> u8;
        maximum_packet_size: MaximumPacketSize -> u32;
        wildcard_subscription_available: WildcardSubscriptionAvailable -> u8;
        subscription_identifier_available: SubscriptionIdentifierAvailable -> u8;
        shared_subscription_available: SharedSubscriptionAvailable -> u8;
    }

    ref_accessors! {
        content_type: ContentType -> str;
        response_topic: ResponseTopic -> str;
        correlation_data: CorrelationData -> [u8];
        assigned_client_identifier: AssignedClientIdentifier -> str;
        authentication_method: AuthenticationMethod -> str;
        authentication_data: AuthenticationData -> [u8];
        response_information: ResponseInformation -> str;
        server_reference: ServerReference -> str;
        reason_string: ReasonString -> str;
    }

    /// Reads a Property Length and the properties it covers, checking each one is
    /// allowed in `owner`, valid, and not repeated where it may not repeat.
    pub(crate) fn decode(r: &mut Reader<'_>, owner: PropertyOwner) -> Result<Self, DecodeError> {
        let len = r.var_int("property length")? as usize;
        if len == 0 {
            return Ok(Self::new());
        }
        let mut list = r.sub(len, "properties")?;
        let mut props = Vec::new();
        let mut seen: u64 = 0;
        while !list.is_empty() {
            let p = Property::decode(&mut list)?;
            let id = p.id();
            if !id.allowed_in(owner) {
                return Err(DecodeError::PropertyNotAllowed { property: id, owner });
            }
            let bit = 1u64 << (id as u8);
            if seen & bit != 0 && !id.may_repeat_in(owner) {
                return Err(DecodeError::DuplicateProperty { property: id });
            }
            seen |= bit;
            props.push(p);
        }
        Ok(Self(props))
    }

    /// The bytes the list takes, Property Length included, after checking that
    /// `owner` may carry every property and every value is valid.
    pub(crate) fn encoded_len(&self, owner: PropertyOwner) -> Result<usize, EncodeError> {
        let body = self.body_len(owner)?;
        Ok(wire::var_int_len(body) + body)
    }

    fn body_len(&self, owner: PropertyOwner) -> Result<usize, EncodeError> {
        let mut seen: u64 = 0;
        let mut len = 0usize;
        for p in &self.0 {
            let id = p.id();
            if !id.allowed_in(owner) {
                return Err(EncodeError::PropertyNotAllowed { property: id, owner });
            }
            let bit = 1u64 << (id as u8);
            if seen & bit != 0 && !id.may_repeat_in(owner) {
                return Err(EncodeError::DuplicateProperty { property: id });
            }
            seen |= bit;
            p.check_value().map_err(|(property, value)| EncodeError::InvalidPropertyValue { property, value })?;
            len += p.encoded_len()?;
        }
        Ok(len)
    }

    /// Writes Property Length and the list; `encoded_len` has checked it.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let body: usize = self.0.iter().map(|p| p.encoded_len().unwrap_or(0)).sum();
        wire::put_var_int(out, body);
        for p in &self.0 {
            p.write(out);
        }
    }
}

impl From<Vec<Property>> for Properties {
    fn from(list: Vec<Property>) -> Self {
        Self(list)
    }
}

impl Extend<Property> for Properties {
    fn extend<T: IntoIterator<Item = Property>>(&mut self, iter: T) {
        self.0.extend(iter);
    }
}

impl FromIterator<Property> for Properties {
    fn from_iter<T: IntoIterator<Item = Property>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Properties {
    type Item = &'a Property;
    type IntoIter = core::slice::Iter<'a, Property>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

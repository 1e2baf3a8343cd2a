//! Application and device ids, and the topics The Things Stack uses for them.

/// An application on a The Things Stack deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: String,
    /// `Some("ttn")` on The Things Network; `None` on open-source deployments.
    pub tenant: Option<String>,
}

impl Application {
    /// The MQTT user name, which is also the topics' second level.
    pub fn username(&self) -> String {
        match self.tenant.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(tenant) => format!("{}@{tenant}", self.id.trim()),
            None => self.id.trim().to_owned(),
        }
    }

    /// Every message of every device of the application.
    pub fn traffic_filter(&self) -> String {
        format!("v3/{}/devices/+/#", self.username())
    }

    pub fn device_topic(&self, device_id: &str, suffix: &str) -> String {
        format!("v3/{}/devices/{}/{suffix}", self.username(), device_id.trim())
    }
}

/// LoRaWAN identifiers: lowercase letters, digits and dashes, 2 to 36 long,
/// no dash first or last (The Things Stack's rule for application and device ids).
pub fn check_id(kind: &str, id: &str) -> Result<(), String> {
    let id = id.trim();
    let ok = (2..=36).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if ok {
        Ok(())
    } else if id.is_empty() {
        Err(format!("Enter the {kind} id."))
    } else {
        Err(format!("\"{id}\" is not a valid {kind} id: use 2 to 36 lowercase letters, digits and dashes."))
    }
}

/// The device and suffix of a The Things Stack topic, `None` for other topics.
pub fn parse_topic(topic: &str) -> Option<(&str, &str)> {
    let rest = topic.strip_prefix("v3/")?;
    let (_user, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("devices/")?;
    let (device, suffix) = rest.split_once('/')?;
    (!device.is_empty()).then_some((device, suffix))
}

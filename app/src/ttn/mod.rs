//! The Things Network (The Things Stack v3) over MQTT: topics, downlinks and
//! uplinks, so that nobody has to hand-write JSON or base64.
//!
//! Facts from The Things Stack's MQTT integration: username
//! `{application-id}@{tenant}` (`ttn` on The Things Network; the bare
//! application id on open-source deployments), an API key as password, topics
//! under `v3/{username}/devices/{device-id}/`.
//!
//! `ids`: application and device ids and their topics; `downlink`: the
//! composer and the requests it makes; `uplink`: what the server publishes,
//! read once on receipt. The local bridge's configuration is the app's one
//! bridge generator (crate::bridge), with TTN's preset.

mod downlink;
mod ids;
mod uplink;

pub use downlink::*;
pub use ids::*;
pub use uplink::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::Field;
    use crate::payload::{PayloadError, PayloadFormat};
    use serde_json::Value;

    fn app(tenant: Option<&str>) -> Application {
        Application { id: "app1".into(), tenant: tenant.map(str::to_owned) }
    }

    fn seed_request(tenant: Option<&str>) -> DownlinkRequest {
        let (f_port, _) = check_f_port("15").unwrap();
        let bytes = check_payload("BE EF", PayloadFormat::Hex).unwrap().bytes;
        DownlinkRequest {
            application: app(tenant),
            device_id: "dev1".into(),
            operation: QueueOperation::Push,
            downlinks: vec![Downlink {
                f_port,
                payload: DownlinkPayload::Bytes(bytes),
                priority: Priority::Normal,
                confirmed: false,
            }],
        }
    }

    /// The seed's document: ../shared/seeds/000_963a507c3e7272ca.txt.
    const SEED_JSON: &str = r#"{"downlinks":[{"f_port": 15,"frm_payload":"vu8=","priority": "NORMAL"}]}"#;

    #[test]
    fn the_seed_downlink_for_an_open_source_deployment() {
        let r = seed_request(None);
        assert_eq!(r.topic(), "v3/app1/devices/dev1/down/push");
        assert_eq!(r.json(), SEED_JSON.replace(": ", ":"));
        let ours: Value = serde_json::from_str(&r.json()).unwrap();
        assert_eq!(ours, serde_json::from_str::<Value>(SEED_JSON).unwrap());
    }

    #[test]
    fn the_seed_downlink_on_the_things_network() {
        let r = seed_request(Some("ttn"));
        assert_eq!(r.topic(), "v3/app1@ttn/devices/dev1/down/push");
        assert_eq!(r.application.username(), "app1@ttn");
        assert_eq!(r.application.traffic_filter(), "v3/app1@ttn/devices/+/#");
        assert_eq!(serde_json::from_str::<Value>(&r.json()).unwrap(), serde_json::from_str::<Value>(SEED_JSON).unwrap());
    }

    #[test]
    fn replace_with_nothing_clears_the_queue() {
        let r = DownlinkRequest { operation: QueueOperation::Replace, downlinks: vec![], ..seed_request(Some("ttn")) };
        assert_eq!(r.topic(), "v3/app1@ttn/devices/dev1/down/replace");
        assert_eq!(r.json(), r#"{"downlinks":[]}"#);
    }

    #[test]
    fn decoded_payload_priority_and_confirmed() {
        let r = DownlinkRequest {
            downlinks: vec![Downlink {
                f_port: 2,
                payload: DownlinkPayload::Decoded(crate::json::parse(r#"{"led": "on"}"#).unwrap()),
                priority: Priority::Highest,
                confirmed: true,
            }],
            ..seed_request(None)
        };
        assert_eq!(
            r.json(),
            r#"{"downlinks":[{"f_port":2,"decoded_payload":{"led":"on"},"priority":"HIGHEST","confirmed":true}]}"#
        );
    }

    #[test]
    fn f_port_rules() {
        assert_eq!(check_f_port("1"), Ok((1, None)));
        assert_eq!(check_f_port(" 223 "), Ok((223, None)));
        assert_eq!(check_f_port("0"), Err(FPortError::MacCommands));
        assert_eq!(check_f_port("224"), Err(FPortError::MacTestProtocol));
        assert!(matches!(check_f_port("225"), Ok((225, Some(w))) if w.contains("reserved")));
        assert!(matches!(check_f_port("255"), Ok((255, Some(_)))));
        assert_eq!(check_f_port("256"), Err(FPortError::OutOfRange(256)));
        assert_eq!(check_f_port("300"), Err(FPortError::OutOfRange(300)));
        assert!(matches!(check_f_port("x"), Err(FPortError::NotANumber(_))));
        assert!(matches!(check_f_port("-1"), Err(FPortError::NotANumber(_))));
        assert!(check_f_port("0").unwrap_err().to_string().contains("MAC commands"));
        assert!(check_f_port("224").unwrap_err().to_string().contains("test protocol"));
    }

    #[test]
    fn payload_sizes_and_forms() {
        assert_eq!(check_payload("0xBE 0xEF", PayloadFormat::Hex).unwrap().bytes, vec![0xBE, 0xEF]);
        assert_eq!(check_payload("vu8=", PayloadFormat::Base64).unwrap().bytes, vec![0xBE, 0xEF]);
        assert_eq!(check_payload("hi", PayloadFormat::Text).unwrap().bytes, b"hi".to_vec());
        assert!(check_payload(&"00".repeat(51), PayloadFormat::Hex).unwrap().warning.is_none());
        assert!(check_payload(&"00".repeat(52), PayloadFormat::Hex).unwrap().warning.is_some());
        assert!(check_payload(&"00".repeat(255), PayloadFormat::Hex).is_ok());
        assert_eq!(check_payload(&"00".repeat(256), PayloadFormat::Hex), Err(DownlinkPayloadError::TooLong(256)));
        assert!(matches!(
            check_payload("BEX", PayloadFormat::Hex),
            Err(DownlinkPayloadError::Format(PayloadError::NotHex { character: 'X', position: 3 }))
        ));
        assert!(matches!(
            check_payload("BEE", PayloadFormat::Hex),
            Err(DownlinkPayloadError::Format(PayloadError::OddHexLength { digits: 3 }))
        ));
    }

    #[test]
    fn ids_are_checked() {
        assert!(check_id("device", "dev1").is_ok());
        assert!(check_id("device", "Dev1").is_err());
        assert!(check_id("device", "").unwrap_err().contains("Enter"));
        assert!(check_id("application", "a b").is_err());
    }

    #[test]
    fn mosquitto_pub_command_keeps_the_key_off_the_command_line() {
        let r = seed_request(Some("ttn"));
        let cmd = r.mosquitto_pub_command("eu1.cloud.thethings.network");
        assert_eq!(
            cmd,
            "mosquitto_pub -h 'eu1.cloud.thethings.network' -p 8883 --capath /etc/ssl/certs \
             -t 'v3/app1@ttn/devices/dev1/down/push' \
             -m '{\"downlinks\":[{\"f_port\":15,\"frm_payload\":\"vu8=\",\"priority\":\"NORMAL\"}]}'"
        );
        assert!(!cmd.contains("-P") && !cmd.contains("-u"));
        assert_eq!(mosquitto_pub_config(&r.application), "-u app1@ttn\n-P YOUR_API_KEY\n");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    // Fixtures written from The Things Stack's documented message format.
    const UPLINK: &str = r#"{
      "end_device_ids": {"device_id": "dev1", "application_ids": {"application_id": "app1"},
                         "dev_eui": "0004A30B001C0530", "dev_addr": "00BCB929"},
      "received_at": "2026-11-23T10:00:00.123Z",
      "uplink_message": {
        "f_port": 15, "f_cnt": 42, "frm_payload": "vu8=",
        "decoded_payload": {"temperature": 21.5},
        "rx_metadata": [
          {"gateway_ids": {"gateway_id": "gw-a"}, "rssi": -97, "channel_rssi": -97, "snr": 7.5},
          {"gateway_ids": {"gateway_id": "gw-b"}, "rssi": -81, "channel_rssi": -81, "snr": 9.25}
        ],
        "settings": {"data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7, "coding_rate": "4/5"}},
                     "frequency": "868300000"},
        "consumed_airtime": "0.056576s"
      }
    }"#;

    #[test]
    fn uplink_fields() {
        let m = parse_message("v3/app1@ttn/devices/dev1/up", UPLINK.as_bytes()).unwrap();
        assert_eq!(m.device_id, "dev1");
        let TtnKind::Uplink(up) = m.kind else { panic!("{m:?}") };
        assert_eq!((up.f_port, up.f_cnt), (Some(15), Some(42)));
        assert_eq!(up.frm_payload, Some(vec![0xBE, 0xEF]));
        assert_eq!(up.decoded_payload.map(|v| v.to_string()).as_deref(), Some(r#"{"temperature":21.5}"#));
        assert_eq!((up.best_rssi, up.best_snr, up.gateways), (Some(-81.0), Some(9.25), 2));
        assert_eq!((up.spreading_factor, up.bandwidth), (Some(7), Some(125_000)));
        assert_eq!(up.frequency.as_deref(), Some("868300000"));
        assert_eq!(up.airtime.as_deref(), Some("0.056576s"));
        assert_eq!(up.dev_eui.as_deref(), Some("0004A30B001C0530"));
    }

    #[test]
    fn join_and_downlink_events() {
        let join = r#"{"end_device_ids": {"device_id": "dev1"}, "join_accept": {"session_key_id": "AXA="}}"#;
        let m = parse_message("v3/app1@ttn/devices/dev1/join", join.as_bytes()).unwrap();
        assert!(matches!(m.kind, TtnKind::Event { label: "Join", .. }));
        let queued = r#"{"end_device_ids": {"device_id": "dev1"},
            "downlink_queued": {"f_port": 15, "frm_payload": "vu8=", "priority": "NORMAL"}}"#;
        let m = parse_message("v3/app1@ttn/devices/dev1/down/queued", queued.as_bytes()).unwrap();
        assert_eq!(m.kind, TtnKind::Event { label: "Downlink queued", f_port: Some(15), f_cnt: None, detail: None });
        let sent = r#"{"end_device_ids": {"device_id": "dev1"},
            "downlink_sent": {"f_port": 15, "f_cnt": 3, "frm_payload": "vu8="}}"#;
        let m = parse_message("v3/app1@ttn/devices/dev1/down/sent", sent.as_bytes()).unwrap();
        assert_eq!(m.kind, TtnKind::Event { label: "Downlink sent", f_port: Some(15), f_cnt: Some(3), detail: None });
        let failed = r#"{"end_device_ids": {"device_id": "dev1"},
            "downlink_failed": {"downlink": {"f_port": 15}, "error": {"name": "no_device_session"}}}"#;
        let m = parse_message("v3/app1@ttn/devices/dev1/down/failed", failed.as_bytes()).unwrap();
        assert_eq!(
            m.kind,
            TtnKind::Event { label: "Downlink failed", f_port: Some(15), f_cnt: None, detail: Some("no_device_session".into()) }
        );
        for suffix in ["down/ack", "down/nack"] {
            let m = parse_message(&format!("v3/app1@ttn/devices/dev1/{suffix}"), b"{}").unwrap();
            assert!(matches!(m.kind, TtnKind::Event { .. }), "{suffix}");
        }
    }

    #[test]
    fn malformed_bodies_are_kept_with_a_note() {
        let m = parse_message("v3/app1@ttn/devices/dev1/up", b"not json").unwrap();
        assert!(matches!(m.kind, TtnKind::Unrecognised { ref reason } if reason.contains("not JSON")));
        let m = parse_message("v3/app1@ttn/devices/dev1/up", br#"{"foo": 1}"#).unwrap();
        assert!(matches!(m.kind, TtnKind::Unrecognised { .. }));
        assert!(parse_message("lab/room1", b"{}").is_none());
        assert_eq!(parse_topic("v3/app1@ttn/devices/dev1/down/push"), Some(("dev1", "down/push")));
    }

    fn composer(f_port: &str, payload: &str, format: ComposerFormat) -> ComposerForm {
        ComposerForm {
            application_id: "app1".into(),
            device_id: "dev1".into(),
            f_port: f_port.into(),
            payload: payload.into(),
            format,
            ..ComposerForm::default()
        }
    }

    #[test]
    fn composer_builds_the_seed_request_and_shows_every_form() {
        let c = composer("15", "BE EF", ComposerFormat::Hex).check(false);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let r = c.request.unwrap();
        assert_eq!(r.topic(), "v3/app1@ttn/devices/dev1/down/push");
        assert_eq!(r.json(), SEED_JSON.replace(": ", ":"));
        assert_eq!((c.hex.as_deref(), c.base64.as_deref(), c.byte_count), (Some("BE EF"), Some("vu8="), Some(2)));
        let open_source = ComposerForm { tenant: String::new(), ..composer("15", "vu8=", ComposerFormat::Base64) };
        assert_eq!(open_source.check(false).request.unwrap().topic(), "v3/app1/devices/dev1/down/push");
    }

    #[test]
    fn composer_refuses_each_invalid_field() {
        let field_errors = |c: ComposerCheck| c.errors.into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        for port in ["0", "224", "300", ""] {
            let c = composer(port, "BEEF", ComposerFormat::Hex).check(false);
            assert!(c.request.is_none(), "{port}");
            assert_eq!(field_errors(c), [Field::TtnFPort], "{port}");
        }
        for (payload, format) in [
            ("BEX", ComposerFormat::Hex),
            ("BEE", ComposerFormat::Hex),
            (&*"00".repeat(256), ComposerFormat::Hex),
            ("v*8=", ComposerFormat::Base64),
            ("[1]", ComposerFormat::Decoded),
            ("{", ComposerFormat::Decoded),
        ] {
            let c = composer("15", payload, format).check(false);
            assert!(c.request.is_none(), "{payload}");
            assert_eq!(field_errors(c), [Field::TtnPayload], "{payload}");
        }
        let c = ComposerForm { device_id: "Dev 1".into(), ..composer("15", "BEEF", ComposerFormat::Hex) }.check(false);
        assert_eq!(field_errors(c), [Field::TtnDeviceId]);
    }

    #[test]
    fn composer_warnings_do_not_block() {
        let c = composer("225", &"00".repeat(60), ComposerFormat::Hex).check(false);
        assert!(c.request.is_some());
        let fields: Vec<_> = c.warnings.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, [Field::TtnFPort, Field::TtnPayload]);
    }

    #[test]
    fn clear_queue_needs_only_the_ids() {
        let c = composer("0", "BEX", ComposerFormat::Hex).check(true);
        let r = c.request.unwrap();
        assert_eq!((r.topic().as_str(), r.json().as_str()), ("v3/app1@ttn/devices/dev1/down/replace", r#"{"downlinks":[]}"#));
    }

    #[test]
    fn device_list_keeps_the_latest() {
        let mut list = DeviceList::default();
        let m = parse_message("v3/app1@ttn/devices/dev1/up", UPLINK.as_bytes()).unwrap();
        list.record(&m, 10.0);
        let j = parse_message("v3/app1@ttn/devices/dev1/join", b"{}").unwrap();
        list.record(&j, 20.0);
        let d = &list.0["dev1"];
        assert_eq!((d.last_seen_ms, d.last_f_cnt, d.last_rssi, d.messages), (20.0, Some(42), Some(-81.0), 2));
    }
}


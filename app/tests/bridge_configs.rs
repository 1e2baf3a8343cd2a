//! Every bridge config the app generates (app/src/bridge.rs) starts with the
//! real mosquitto (Debian's 2.0.11 at /usr/sbin/mosquitto): its WebSocket
//! listener answers a WebSocket handshake for the `mqtt` subprotocol, and its
//! plain listener accepts connections.
//!
//! What is substituted, and why: each config is generated with free loopback
//! ports in its listener fields (so that tests never collide) and a CA file
//! that exists; then its `address` line is pointed at a closed port on
//! 127.0.0.1, so that the bridge fails to connect at once instead of waiting
//! on a DNS lookup of a host this machine cannot reach. Nothing else changes.
//!
//! Without mosquitto these tests fail (they say how to install it): a config
//! that was never started is what issue 13 was about.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use webmqtt_app::bridge::{Bridge, BridgeForm};
use webmqtt_codec::{ProtocolVersion, QoS};

const MOSQUITTO: &str = "/usr/sbin/mosquitto";
const START_LIMIT: Duration = Duration::from_secs(10);

/// A temp dir that mosquitto, which drops from root to the user `mosquitto`,
/// can read; removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let unique = format!("webmqtt-bridge-{name}-{}-{}", std::process::id(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        let dir = std::env::temp_dir().join(unique);
        fs::create_dir_all(&dir).expect("a temp dir");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod the temp dir");
        Self(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, text).expect("write a file");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod a file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A port on 127.0.0.1 that nothing listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("its address").port()
}

/// mosquitto, stopped by its pid when dropped (TERM, then KILL).
struct Mosquitto {
    child: Child,
    log: PathBuf,
}

impl Mosquitto {
    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_else(|e| format!("(no log: {e})"))
    }

    /// Waits (bounded) for mosquitto to exit of its own accord.
    fn exit_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let end = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.stop();
    }
}

fn require_mosquitto() {
    assert!(
        Path::new(MOSQUITTO).exists(),
        "{MOSQUITTO} is missing: these tests start every generated bridge config with the real mosquitto \
         (apt-get install mosquitto)"
    );
}

/// Starts `config` and waits (bounded) until every port in `ports` accepts a
/// connection; the error holds mosquitto's own output.
fn start(dir: &TempDir, config: &str, ports: &[u16]) -> Result<Mosquitto, String> {
    require_mosquitto();
    let conf = dir.write("mosquitto.conf", config);
    let log = dir.0.join("mosquitto.log");
    let out = fs::File::create(&log).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let child = Command::new(MOSQUITTO)
        .arg("-c")
        .arg(&conf)
        .arg("-v")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("{MOSQUITTO} did not run: {e}"))?;
    let mut broker = Mosquitto { child, log };
    let end = Instant::now() + START_LIMIT;
    let mut waiting: Vec<u16> = ports.to_vec();
    while !waiting.is_empty() {
        if let Ok(Some(status)) = broker.child.try_wait() {
            return Err(format!("mosquitto exited ({status}) while starting:\n{}", broker.log()));
        }
        if Instant::now() > end {
            let log = broker.log();
            broker.stop();
            return Err(format!("mosquitto was not listening on {waiting:?} after {START_LIMIT:?}:\n{log}"));
        }
        waiting.retain(|p| TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], *p)), Duration::from_millis(200)).is_err());
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(broker)
}

/// A WebSocket handshake asking for the `mqtt` subprotocol: what a browser
/// sends first. Returns the status line.
fn websocket_handshake(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect to the WebSocket listener");
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("a read timeout");
    let request = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"
    );
    s.write_all(request.as_bytes()).expect("send the handshake");
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or_default().to_owned()
}

/// The generated file, with its `address` line pointed at a closed local
/// port (see the module's comment).
fn as_tested(bridge: &Bridge) -> String {
    let closed = free_port();
    let config = bridge.config();
    let address = format!("address {}:{}", bridge.host, bridge.port);
    assert!(config.lines().any(|l| l == address), "no {address:?} line in\n{config}");
    config.replace(&address, &format!("address 127.0.0.1:{closed}"))
}

/// Starts the bridge's config and checks both listeners.
fn starts(name: &str, form: BridgeForm) {
    let dir = TempDir::new(name);
    let ca = dir.write("ca.pem", &fs::read_to_string("/etc/ssl/certs/ca-certificates.crt").unwrap_or_default());
    let (ws_port, mqtt_port) = (free_port(), free_port());
    let mut form = BridgeForm { ws_port: ws_port.to_string(), mqtt_port: mqtt_port.to_string(), ..form };
    if !form.ca_file.is_empty() {
        form.ca_file = ca.display().to_string();
    }
    let bridge = form.check().unwrap_or_else(|e| panic!("{name}: the form was refused: {e:?}"));
    let config = as_tested(&bridge);
    let mut broker = start(&dir, &config, &[ws_port, mqtt_port]).unwrap_or_else(|e| panic!("{name}: {e}\n--- config ---\n{config}"));
    let status = websocket_handshake(ws_port);
    let log = broker.log();
    broker.stop();
    assert!(status.starts_with("HTTP/1.1 101"), "{name}: the WebSocket listener answered {status:?}\n{log}");
    assert!(log.contains(&format!("Opening websockets listen socket on port {ws_port}")), "{name}:\n{log}");
}

#[test]
fn the_iotlab_bridge_starts() {
    starts("iotlab", BridgeForm::iotlab("alice", "s3cret pass#1"));
}

#[test]
fn the_ttn_bridge_starts() {
    // TTN trusts the system's CAs (bridge_capath /etc/ssl/certs): no CA file.
    starts("ttn", BridgeForm::ttn("eu1.cloud.thethings.network", "app1@ttn", "NNSXS.KEY"));
}

#[test]
fn a_custom_mqtt5_bridge_with_topics_in_and_out_starts() {
    starts(
        "custom",
        BridgeForm {
            host: "broker.example.org".into(),
            ca_file: "ca.pem".into(),
            username: "bob".into(),
            password: "pw".into(),
            topics_in: "sensors/#\nshared/+".into(),
            topics_out: "shared/+ cmd/#".into(),
            qos: QoS::ExactlyOnce,
            version: ProtocolVersion::V5,
            ..BridgeForm::default()
        },
    );
}

#[test]
fn a_custom_bridge_on_the_system_cas_in_mqtt_3_1_starts() {
    starts(
        "custom31",
        BridgeForm { host: "broker.example.org".into(), topics_in: "a/#".into(), version: ProtocolVersion::V3_1, ..BridgeForm::default() },
    );
}

/// The check above can fail: the config the app generated before issue 13
/// (a websockets listener alone) does not start, and `start` says why.
#[test]
fn a_websockets_listener_alone_does_not_start() {
    let dir = TempDir::new("ws-alone");
    let port = free_port();
    let config = format!(
        "per_listener_settings false\nallow_anonymous true\nlistener {port} 127.0.0.1\nprotocol websockets\nsocket_domain ipv4\n"
    );
    let refusal = match start(&dir, &config, &[port]) {
        Err(e) => e,
        // It opens the websockets socket before it finds no other listener and
        // exits: `start` may have connected in between. Then it must exit now.
        Ok(mut broker) => match broker.exit_within(START_LIMIT) {
            Some(status) => format!("mosquitto exited ({status}) after opening its port:\n{}", broker.log()),
            None => panic!(
                "mosquitto started with a websockets listener alone: the generator's plain listener may no longer be needed"
            ),
        },
    };
    assert!(refusal.contains("Unable to start any listening sockets"), "{refusal}");
}

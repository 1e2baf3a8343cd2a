//! The mosquitto.conf of a local bridge: The Things Stack has no WebSocket
//! listener, so a browser reaches it through a local mosquitto.

use super::ids::Application;

/// A mosquitto.conf that gives the browser a local WebSocket listener bridged
/// to The Things Stack, which has none of its own.
pub fn bridge_config(cluster: &str, application: &Application, api_key: &str, ws_port: u16) -> String {
    let key = if api_key.trim().is_empty() { "YOUR_API_KEY" } else { api_key.trim() };
    format!(
        "# WebMQTT: a local WebSocket listener bridged to The Things Stack.\n\
         # Start it with: mosquitto -c ttn-bridge.conf -v\n\
         # then connect WebMQTT to ws://127.0.0.1:{ws_port}\n\
         per_listener_settings false\n\
         allow_anonymous true\n\
         listener {ws_port} 127.0.0.1\n\
         protocol websockets\n\
         socket_domain ipv4\n\
         \n\
         connection ttn-{app}\n\
         address {cluster}:8883\n\
         bridge_capath /etc/ssl/certs\n\
         bridge_protocol_version mqttv311\n\
         # The Things Stack is not a mosquitto: no bridge extensions, no notifications.\n\
         try_private false\n\
         notifications false\n\
         cleansession true\n\
         remote_clientid webmqtt-bridge-{app}\n\
         remote_username {user}\n\
         remote_password {key}\n\
         topic v3/# both 0\n",
        app = application.id.trim(),
        cluster = cluster.trim(),
        user = application.username(),
    )
}


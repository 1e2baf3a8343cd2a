//! The WebSocket transport: the codec's session engine over `web_sys::WebSocket`.
//!
//! Bytes from the socket go to the engine (a frame may hold part of a packet or
//! several, MQTT §6: the engine's decoder reassembles them); what the engine
//! wants sent goes out as binary frames; its timers run on `setTimeout` at the
//! engine's next wake-up. Nothing here parses MQTT.
//!
//! Events reach the owner's callback only from a fresh JavaScript task, never
//! from inside a call the owner makes, so the owner may call back in freely.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};
use webmqtt_codec::session::{Event, Instant, Session};

use crate::broker_url::BrokerUrl;

/// What the transport tells its owner.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportEvent {
    /// The WebSocket opened with the right subprotocol; CONNECT has been sent.
    Opened,
    /// The WebSocket opened but the server chose another subprotocol (or none).
    WrongSubprotocol { expected: &'static str, agreed: String },
    /// The engine reported something.
    Engine(Event),
    /// The WebSocket closed. `opened` is false when it never opened: the browser
    /// then says nothing about why (a refused port, a wrong path, an untrusted
    /// certificate all look alike).
    Closed { opened: bool, code: u16, reason: String },
}

/// The engine's clock: `performance.now()` in milliseconds.
pub fn now() -> Instant {
    // Looked up once: window().performance() costs two more JS calls, and the
    // clock is read several times per message received.
    thread_local! {
        static PERFORMANCE: Option<web_sys::Performance> = web_sys::window().and_then(|w| w.performance());
    }
    let ms = PERFORMANCE.with(|p| p.as_ref().map_or(0.0, web_sys::Performance::now));
    Instant::from_millis(ms.max(0.0) as u64)
}

/// The most room the receive buffer keeps between frames.
const RECEIVE_BUFFER_KEPT: usize = 64 * 1024;

struct Socket {
    ws: WebSocket,
    opened: bool,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

struct Inner {
    this: Weak<RefCell<Inner>>,
    url: BrokerUrl,
    session: Session,
    socket: Option<Socket>,
    timer: Option<Timeout>,
    /// When `timer` fires: re-arming costs a clearTimeout and a setTimeout,
    /// too much to do for every message received.
    timer_deadline: Option<Instant>,
    /// Events not yet handed to the owner.
    outbox: Vec<TransportEvent>,
    /// The outbox's last batch, emptied, kept for its room: a message
    /// received would otherwise cost a list allocated and freed.
    spare_outbox: Vec<TransportEvent>,
    /// Taken out while it runs, so the owner can call back in.
    on_event: Option<Box<dyn FnMut(TransportEvent)>>,
    dispatch_scheduled: Option<Timeout>,
    frames_received: u64,
}

/// A session engine and the WebSocket it currently runs over.
#[derive(Clone)]
pub struct Transport(Rc<RefCell<Inner>>);

impl Transport {
    /// Opens a WebSocket to `url` and runs `session` over it. Fails only if the
    /// browser refuses the address outright.
    pub fn open(
        url: BrokerUrl,
        session: Session,
        on_event: impl FnMut(TransportEvent) + 'static,
    ) -> Result<Self, String> {
        let inner = Rc::new_cyclic(|this| {
            RefCell::new(Inner {
                this: this.clone(),
                url,
                session,
                socket: None,
                timer: None,
                timer_deadline: None,
                outbox: Vec::new(),
                spare_outbox: Vec::new(),
                on_event: Some(Box::new(on_event)),
                dispatch_scheduled: None,
                frames_received: 0,
            })
        });
        let transport = Self(inner);
        transport.reopen()?;
        Ok(transport)
    }

    /// A new WebSocket for the same session (after the last one closed).
    pub fn reopen(&self) -> Result<(), String> {
        let mut inner = self.0.borrow_mut();
        inner.timer = None;
        inner.socket = None;
        let subprotocol = inner.session.options().version.websocket_subprotocol();
        let ws = WebSocket::new_with_str(&inner.url.to_string(), subprotocol)
            .map_err(|e| js_error_text(&e))?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let weak = inner.this.clone();
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| from_js(&weak, Inner::on_open));
        let weak = inner.this.clone();
        // One buffer for every frame received: a flood of small messages would
        // otherwise allocate and free one per message. A large frame's room is
        // given back afterwards.
        let mut received = Vec::new();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Ok(buf) = e.data().dyn_into::<js_sys::ArrayBuffer>() {
                let array = js_sys::Uint8Array::new(&buf);
                received.resize(array.length() as usize, 0);
                array.copy_to(&mut received);
                from_js(&weak, |inner| inner.on_bytes(&received));
                if received.capacity() > RECEIVE_BUFFER_KEPT {
                    received = Vec::new();
                }
            }
        });
        let weak = inner.this.clone();
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
            from_js(&weak, |inner| inner.on_close(e.code(), e.reason()))
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        inner.socket =
            Some(Socket { ws, opened: false, _on_open: on_open, _on_message: on_message, _on_close: on_close });
        Ok(())
    }

    /// Works on the engine (publish, subscribe, disconnect…), then sends what it
    /// queued and reports its events on a later task.
    pub fn with_session<R>(&self, f: impl FnOnce(&mut Session, Instant) -> R) -> R {
        let mut inner = self.0.borrow_mut();
        let result = f(&mut inner.session, now());
        inner.pump();
        inner.schedule_dispatch();
        result
    }

    /// Closes the WebSocket; the session stays for [`Transport::reopen`].
    pub fn close(&self) {
        let mut inner = self.0.borrow_mut();
        inner.timer = None;
        inner.socket = None;
    }

    pub fn url(&self) -> BrokerUrl {
        self.0.borrow().url.clone()
    }

    /// WebSocket messages received since the transport was made.
    pub fn frames_received(&self) -> u64 {
        self.0.borrow().frames_received
    }
}

impl Inner {
    fn on_open(&mut self) {
        let Some(socket) = self.socket.as_mut() else { return };
        socket.opened = true;
        let expected = self.session.options().version.websocket_subprotocol();
        let agreed = socket.ws.protocol();
        if agreed != expected {
            self.socket = None;
            self.outbox.push(TransportEvent::WrongSubprotocol { expected, agreed });
            return;
        }
        match self.session.connect(now()) {
            Ok(()) => self.outbox.push(TransportEvent::Opened),
            Err(e) => {
                self.socket = None;
                self.outbox.push(TransportEvent::Closed { opened: true, code: 1000, reason: e.to_string() });
            }
        }
        self.pump();
    }

    fn on_bytes(&mut self, bytes: &[u8]) {
        self.frames_received += 1;
        self.session.handle_bytes(now(), bytes);
        self.pump();
    }

    fn on_close(&mut self, code: u16, reason: String) {
        let opened = self.socket.as_ref().is_some_and(|s| s.opened);
        self.socket = None;
        self.timer = None;
        self.session.handle_transport_closed(now());
        self.pump();
        self.outbox.push(TransportEvent::Closed { opened, code, reason });
    }

    fn on_timer(&mut self) {
        self.timer = None;
        self.session.handle_timeout(now());
        self.pump();
    }

    /// Sends what the engine queued, collects its events, re-arms its timer.
    fn pump(&mut self) {
        if let Some(socket) = self.socket.as_ref().filter(|s| s.opened) {
            let mut bytes = Vec::new();
            if self.session.poll_transmit(&mut bytes) > 0 {
                let _ = socket.ws.send_with_u8_array(&bytes);
            }
        }
        while let Some(event) = self.session.poll_event() {
            // The engine is done with this connection: so is the socket.
            if matches!(event, Event::ConnectionClosed(_) | Event::ConnectionRefused(_)) {
                self.socket = None;
            }
            self.outbox.push(TransportEvent::Engine(event));
        }
        self.arm_timer();
    }

    fn arm_timer(&mut self) {
        let deadline = self.session.poll_timeout();
        if deadline == self.timer_deadline && self.timer.is_some() {
            return;
        }
        self.timer_deadline = deadline;
        let Some(deadline) = deadline else {
            self.timer = None;
            return;
        };
        let delay = deadline.as_millis().saturating_sub(now().as_millis());
        let weak = self.this.clone();
        self.timer =
            Some(Timeout::new(u32::try_from(delay).unwrap_or(u32::MAX), move || from_js(&weak, Inner::on_timer)));
    }

    fn schedule_dispatch(&mut self) {
        if self.outbox.is_empty() || self.dispatch_scheduled.is_some() {
            return;
        }
        let weak = self.this.clone();
        self.dispatch_scheduled = Some(Timeout::new(0, move || {
            if let Some(rc) = weak.upgrade() {
                if let Ok(mut inner) = rc.try_borrow_mut() {
                    // Dropping the Timeout that is running is fine: it has fired.
                    inner.dispatch_scheduled = None;
                }
                dispatch(&rc);
            }
        }));
    }
}

/// What the browser said when it refused to open a WebSocket ("SyntaxError: …").
/// (Not `Debug`: the browser build leaves `Debug` out, `-Zfmt-debug=none`.)
fn js_error_text(error: &JsValue) -> String {
    match crate::problem::js_error_parts(error) {
        (_, message) if message.is_empty() => "the browser gave no reason".to_owned(),
        (name, message) => format!("{name}: {message}"),
    }
}

/// Runs a JavaScript callback's work on the transport, then hands the events
/// it produced to the owner, outside the borrow.
fn from_js(weak: &Weak<RefCell<Inner>>, f: impl FnOnce(&mut Inner)) {
    let Some(rc) = weak.upgrade() else { return };
    match rc.try_borrow_mut() {
        Ok(mut inner) => f(&mut inner),
        // Cannot happen: JavaScript callbacks never nest inside our calls.
        Err(_) => return,
    }
    dispatch(&rc);
}

fn dispatch(rc: &Rc<RefCell<Inner>>) {
    // Bounded: each round hands over what earlier rounds produced.
    for _ in 0..64 {
        let (mut events, callback) = match rc.try_borrow_mut() {
            Ok(mut inner) => {
                let spare = std::mem::take(&mut inner.spare_outbox);
                (std::mem::replace(&mut inner.outbox, spare), inner.on_event.take())
            }
            Err(_) => return,
        };
        let Some(mut callback) = callback else { return };
        let done = events.is_empty();
        for e in events.drain(..) {
            callback(e);
        }
        if let Ok(mut inner) = rc.try_borrow_mut() {
            inner.on_event = Some(callback);
            inner.spare_outbox = events;
            if done || inner.outbox.is_empty() {
                return;
            }
        } else {
            return;
        }
    }
}

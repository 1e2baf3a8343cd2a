fn main() {
    // The release build aborts on a panic before any hook could run (built with
    // -C panic=immediate-abort, see scripts/lib.sh); web/loader.js then tells the
    // user. A debug build (`trunk serve` by hand) prints the panic to the console.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(webmqtt_app::App);
}

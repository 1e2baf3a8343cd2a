// WebMQTT app loader.
//
// Trunk (see `pattern_script` in Trunk.toml) loads this file as
//   <script type="module" src="./loader.js?js=<bindings>.js&wasm=<module>.wasm">
// instead of its default inline loader, so that the page's Content-Security-Policy
// can forbid inline scripts. Both names are plain file names next to this file.
const params = new URL(import.meta.url).searchParams;
const here = new URL(".", import.meta.url);

function fileParam(name, ext) {
  const value = params.get(name) || "";
  if (!/^[A-Za-z0-9_.-]+$/.test(value) || !value.endsWith(ext)) {
    throw new Error(`loader.js: bad or missing ?${name}= (${JSON.stringify(value)})`);
  }
  return new URL(value, here);
}

// Says on the page that the app could not start or has stopped, with a Reload
// button: without it the user would see a blank or frozen page and no reason.
function showFailure(what) {
  if (document.getElementById("app-failure")) return;
  const banner = document.createElement("div");
  banner.id = "app-failure";
  banner.className = "update-banner";
  banner.setAttribute("role", "alert");
  const text = document.createElement("span");
  text.textContent = what;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Reload";
  button.addEventListener("click", () => location.reload());
  banner.append(text, " ", button);
  document.body.append(banner);
}

// The release build aborts on a panic (-C panic=immediate-abort): the wasm traps,
// and the trap reaches the page as an uncaught WebAssembly.RuntimeError, from an
// event handler or from a promise (a future). The app's state is lost from there on.
function stopped(error) {
  if (error instanceof WebAssembly.RuntimeError) {
    showFailure("WebMQTT stopped after an internal error. Your saved connections are kept: reload the page to go on.");
  }
}
addEventListener("error", (event) => stopped(event.error));
addEventListener("unhandledrejection", (event) => stopped(event.reason));

// The app's download takes seconds on a slow link (300 KB): say that it is coming,
// rather than show a blank page. The app draws itself after this line (mount_to_body
// appends); the line goes once the app has started, or has failed to.
const loading = document.createElement("p");
loading.id = "app-loading";
loading.className = "app-loading";
loading.setAttribute("role", "status");
loading.textContent = "Loading WebMQTT…";
document.body.append(loading);

try {
  const bindings = await import(fileParam("js", ".js").href);
  // Runs the app's main, which draws it, before it resolves.
  const wasm = await bindings.default({ module_or_path: fileParam("wasm", ".wasm") });
  window.wasmBindings = bindings;
  dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
} catch (error) {
  if (!(error instanceof WebAssembly.RuntimeError)) {
    showFailure(`WebMQTT could not start (${error}). Check the connection and reload; it needs a browser with WebAssembly.`);
  }
  throw error;
} finally {
  loading.remove();
}

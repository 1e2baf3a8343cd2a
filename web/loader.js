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

const bindings = await import(fileParam("js", ".js").href);
const wasm = await bindings.default({ module_or_path: fileParam("wasm", ".wasm") });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));

// WebMQTT: the offline app (see web/sw.template.js, written into dist/ as sw.js).
//
// Registers the service worker once the app has started (so that caching the shell
// never competes with the first load for the network), and when a new version has
// been installed next to the running one, says so with a Reload button. A click
// tells the waiting worker to take over; when it has (controllerchange), the page
// reloads, entirely from the new version's cache. Until then the page keeps the
// files of the version it was loaded with.
//
// A plain module file, like loader.js: the page's Content-Security-Policy forbids
// inline scripts. The banner is added to <body> next to the app's own nodes.

const sw = navigator.serviceWorker;

function showBanner(registration) {
  let banner = document.getElementById("update-banner");
  if (!banner) {
    // A live region (role=status) that exists before its text, so that screen
    // readers announce the text when it comes.
    banner = document.createElement("div");
    banner.id = "update-banner";
    banner.className = "update-banner";
    banner.setAttribute("role", "status");
    document.body.append(banner);
  }
  if (banner.dataset.shown) return;
  banner.dataset.shown = "yes";
  requestAnimationFrame(() => {
    const text = document.createElement("span");
    text.textContent = "A new version is available.";
    const button = document.createElement("button");
    button.type = "button";
    button.id = "update-reload";
    button.textContent = "Reload";
    button.addEventListener("click", () => {
      button.disabled = true;
      if (registration.waiting) {
        sw.addEventListener("controllerchange", () => location.reload(), { once: true });
        registration.waiting.postMessage("skip-waiting");
        // Should the new worker never take over (it failed), the reload still happens
        // (into the version that keeps running).
        setTimeout(() => location.reload(), 10_000);
      } else {
        // Another tab already switched to the new version.
        location.reload();
      }
    });
    banner.append(text, " ", button);
  });
}

async function register() {
  const registration = await sw.register(new URL("sw.js", import.meta.url), { scope: new URL("./", import.meta.url).href });
  if (!registration) return; // e.g. blocked by a test harness
  // A new worker that has installed while an older one controls this page waits
  // for the user. (Without a controller, this is the first visit: nothing to say.)
  const offer = () => {
    if (registration.waiting && sw.controller) showBanner(registration);
  };
  const follow = (worker) => worker?.addEventListener("statechange", () => {
    if (worker.state === "installed") offer();
  });
  registration.addEventListener("updatefound", () => follow(registration.installing));
  follow(registration.installing);
  offer();
  // On a revisit, look for a new version now: the browser's own check after a
  // navigation may wait until the worker is idle. Offline, this fails quietly.
  const check = () => registration.update().catch(() => {});
  if (sw.controller) check();
  // A tab left open for hours still hears of new versions.
  setInterval(check, 60 * 60 * 1000);
}

function start() {
  register().catch((e) => console.warn("WebMQTT: no offline app (service worker):", e));
}

if (sw) {
  if (window.wasmBindings) start();
  else addEventListener("TrunkApplicationStarted", start, { once: true });
}

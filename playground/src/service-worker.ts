/**
 * The playground's service worker: once the page has loaded, it works offline. At install it
 * stores every file of the build (the list is written into this file at build time, see
 * service-worker-plugin.ts), and it answers every request of the page and its workers from
 * that store, falling back to the network for anything else. A new build has a new list, hence
 * a new cache; the old one is deleted when the new worker takes over.
 */

/** What the build writes in place of `__PRECACHE_MANIFEST__`. */
interface Manifest {
  readonly version: string;
  /** Paths relative to the service worker's own URL. */
  readonly files: readonly string[];
}
declare const __PRECACHE_MANIFEST__: Manifest;

/** The part of the service worker global scope used here (the playground type-checks with the DOM library only). */
interface ServiceWorkerScope {
  readonly location: Location;
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
}
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}

const sw = globalThis as unknown as ServiceWorkerScope;
const manifest = __PRECACHE_MANIFEST__;
const PREFIX = "anyio-ts-playground-";
const CACHE = PREFIX + manifest.version;

sw.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(manifest.files.map((file) => new URL(file, sw.location.href).href)))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((key) => key.startsWith(PREFIX) && key !== CACHE).map((key) => caches.delete(key))),
      )
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(sw.registration.scope)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      // The page itself, whatever its query: the hash (a share link) never reaches the server.
      const key = request.mode === "navigate" ? new URL("./", sw.registration.scope).href : request;
      const hit = await cache.match(key, { ignoreSearch: request.mode === "navigate" });
      if (hit !== undefined) return hit;
      return fetch(request);
    })(),
  );
});

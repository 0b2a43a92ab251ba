// Backpack service worker: precaches the app shell so Backpack opens with no
// network, and answers every navigation (deep links too) from the cached shell.
const cacheName = "backpack-{{.Version}}";
const resourcesToCache = {{.ResourcesToCache}};

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(cacheName);
    await cache.addAll(resourcesToCache);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keys = await caches.keys();
    await Promise.all(keys.filter((k) => k !== cacheName).map((k) => caches.delete(k)));
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || ["/api/", "/relay/", "/sync/"].some((p) => url.pathname.startsWith(p))) {
    return; // the share API, the portal relay and sync go straight to the network
  }
  if (request.mode === "navigate") {
    event.respondWith(navigate(request));
    return;
  }
  event.respondWith(cached(request));
});

// Navigation: the cached page if there is one, else the cached app shell "/"
// (every route renders in the browser), else the network.
async function navigate(request) {
  const cache = await caches.open(cacheName);
  const hit = (await cache.match(request, { ignoreSearch: true })) || (await cache.match("/"));
  if (hit) {
    return hit;
  }
  return fetch(request);
}

async function cached(request) {
  const cache = await caches.open(cacheName);
  const hit = await cache.match(request);
  if (hit) {
    return hit;
  }
  return fetch(request);
}

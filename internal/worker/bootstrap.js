// Backpack's worker: runs the worker module (worker.wasm, beside this
// script) with Go's wasm_exec.js, off the page's thread. The page sends
// {buf: Uint8Array, file: File or Blob}; the module answers with
// {buf: Uint8Array} (frames: progress, then one reply), and a job that
// writes a file sends its parts before the reply as {out: Uint8Array},
// which the page keeps as they are. Besides, to the page:
//   {ready: true}   the module is listening
//   {dead: reason}  the module could not load ("load") or has ended
//                   ("exit": a crash or running out of memory ends a Go
//                   program); the page ends this worker and says so.
'use strict';
importScripts('/wasm_exec.js');

self.onmessage = (e) => {
  if (typeof self.backpackServe === 'function') {
    self.backpackServe(e.data.buf, e.data.file);
  } else {
    postMessage({ dead: 'early' });
  }
};

(async () => {
  const go = new Go();
  let instance;
  try {
    const wasm = new URL('worker.wasm', self.location.href);
    const r = await WebAssembly.instantiateStreaming(fetch(wasm), go.importObject);
    instance = r.instance;
    // wasm_exec.js as served: rebuilds what backpack precompress left out.
    backpackFuncIndex(r.module, instance);
  } catch (e) {
    postMessage({ dead: 'load' });
    return;
  }
  try {
    await go.run(instance);
  } catch (e) {
    // the module threw on its way out: it is gone all the same
  }
  self.backpackServe = undefined;
  postMessage({ dead: 'exit' });
})();

// Backpack's MDC worker: off the page's main thread, the SHA-1 of OpenPGP's
// modification detection code and, for the writer, the CFB encryption
// itself (as CBC of the plaintext, shifted by a block: see seipd.go).
// Messages, handled in order:
//   "ping"                      answers "pong"
//   Uint8Array                  hashed
//   "sum"                       answers the 20-byte digest; starts over
//   {key, ks}                   AES key and first key stream block
//   {enc: Uint8Array, from}     whole blocks encrypted (hashing from byte
//                               from on); answers the ciphertext
//   {tail: Uint8Array}          fewer than 16 bytes XORed with the key
//                               stream, not hashed; answers them
// A failure answers {error: true}.
'use strict';
const H0 = [0x67452301, 0xEFCDAB89 | 0, 0x98BADCFE | 0, 0x10325476, 0xC3D2E1F0 | 0];
const w = new Int32Array(80);
const h = new Int32Array(5);
const pend = new Uint8Array(64);
let pendLen = 0, total = 0;

function reset() { h.set(H0); pendLen = 0; total = 0; }

function blocks(b, off, end) {
  let h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4];
  for (let o = off; o < end; o += 64) {
    for (let i = 0; i < 16; i++) { const j = o + 4 * i; w[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3]; }
    for (let i = 16; i < 80; i++) { const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]; w[i] = (x << 1) | (x >>> 31); }
    let a = h0, bb = h1, c = h2, d = h3, e = h4, t = 0;
    for (let i = 0; i < 20; i++) { t = ((a << 5) | (a >>> 27)) + ((bb & c) | (~bb & d)) + e + 0x5A827999 + w[i] | 0; e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t; }
    for (let i = 20; i < 40; i++) { t = ((a << 5) | (a >>> 27)) + (bb ^ c ^ d) + e + 0x6ED9EBA1 + w[i] | 0; e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t; }
    for (let i = 40; i < 60; i++) { t = ((a << 5) | (a >>> 27)) + ((bb & c) | (bb & d) | (c & d)) + e + 0x8F1BBCDC + w[i] | 0; e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t; }
    for (let i = 60; i < 80; i++) { t = ((a << 5) | (a >>> 27)) + (bb ^ c ^ d) + e + 0xCA62C1D6 + w[i] | 0; e = d; d = c; c = (bb << 30) | (bb >>> 2); bb = a; a = t; }
    h0 = h0 + a | 0; h1 = h1 + bb | 0; h2 = h2 + c | 0; h3 = h3 + d | 0; h4 = h4 + e | 0;
  }
  h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4;
}

function update(b) {
  let off = 0;
  total += b.length;
  if (pendLen > 0) {
    const n = Math.min(64 - pendLen, b.length);
    pend.set(b.subarray(0, n), pendLen);
    pendLen += n; off = n;
    if (pendLen < 64) return;
    blocks(pend, 0, 64);
    pendLen = 0;
  }
  const end = off + ((b.length - off) & ~63);
  blocks(b, off, end);
  pend.set(b.subarray(end), 0);
  pendLen = b.length - end;
}

function sum() {
  const bits = total * 8;
  const tail = new Uint8Array(pendLen < 56 ? 64 : 128);
  tail.set(pend.subarray(0, pendLen));
  tail[pendLen] = 0x80;
  const dv = new DataView(tail.buffer);
  dv.setUint32(tail.length - 8, Math.floor(bits / 4294967296));
  dv.setUint32(tail.length - 4, bits >>> 0);
  blocks(tail, 0, tail.length);
  const out = new Uint8Array(20);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 5; i++) ov.setInt32(4 * i, h[i]);
  reset();
  return out;
}

let key = null;
let ks = null;

async function handle(m) {
  if (m === 'ping') postMessage('pong');
  else if (m === 'sum') postMessage(sum());
  else if (m instanceof Uint8Array) update(m);
  else if (m.key) {
    key = await crypto.subtle.importKey('raw', m.key, { name: 'AES-CBC' }, false, ['encrypt']);
    m.key.fill(0);
    ks = m.ks;
  } else if (m.enc) {
    const p = m.enc, n = p.length;
    if (m.from < n) update(p.subarray(m.from));
    const y = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: ks }, key, p), 0, n);
    for (let i = 0; i < 16; i++) p[i] ^= ks[i];
    xor(p, 16, y, 0, n - 16);
    ks = y.slice(n - 16, n);
    postMessage(p, [p.buffer]);
  } else if (m.tail) {
    const p = m.tail;
    for (let i = 0; i < p.length; i++) p[i] ^= ks[i];
    postMessage(p, [p.buffer]);
  }
}

// xor sets a[ao:ao+n] ^= b[bo:bo+n], a word at a time where aligned.
function xor(a, ao, b, bo, n) {
  let i = 0;
  if ((a.byteOffset + ao) % 4 === 0 && (b.byteOffset + bo) % 4 === 0) {
    const a32 = new Int32Array(a.buffer, a.byteOffset + ao, n >> 2);
    const b32 = new Int32Array(b.buffer, b.byteOffset + bo, n >> 2);
    for (let j = 0; j < a32.length; j++) a32[j] ^= b32[j];
    i = a32.length * 4;
  }
  for (; i < n; i++) a[ao + i] ^= b[bo + i];
}

reset();
let chain = Promise.resolve();
onmessage = (e) => {
  chain = chain.then(() => handle(e.data)).catch(() => postMessage({ error: true }));
};

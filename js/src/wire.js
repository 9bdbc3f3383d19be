// Reads the binary messages of pointlabel/app/wire.py: a uint32 header length, a JSON header,
// then 4-byte-aligned arrays, each returned as a typed-array view (no copy, no parsing).

const TYPES = { float32: Float32Array, uint8: Uint8Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array };

export function unpack(buffer) {
  const n = new DataView(buffer).getUint32(0, true);
  const meta = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, n)));
  const base = 4 + n, arrays = {};
  for (const e of meta.arrays) {
    const T = TYPES[e.dtype];
    const count = e.shape.reduce((a, b) => a * b, 1);
    arrays[e.name] = new T(buffer, base + e.offset, count);
  }
  return { meta, arrays };
}

export async function fetchMessage(url, signal) {
  const r = await fetch(url, { signal, cache: "no-store" });
  if (!r.ok) { throw new Error(`${url}: HTTP ${r.status}`); }
  return unpack(await r.arrayBuffer());
}

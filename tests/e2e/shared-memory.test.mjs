// The built module must import a *shared* memory. A build that lost the linker flags
// (--shared-memory --import-memory) still succeeds and runs single-threaded garbage; this
// catches it by reading the import section of every .wasm in dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dist } from './lib.mjs';

/** The memory imports of a wasm binary: [{module, name, shared, max}]. */
export function memoryImports(bytes) {
  let i = 8; // magic + version
  const u8 = () => bytes[i++];
  const leb = () => { let r = 0, s = 0, b; do { b = u8(); r |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return r >>> 0; };
  const name = () => { const n = leb(); const s = Buffer.from(bytes.subarray(i, i + n)).toString(); i += n; return s; };
  const limits = () => { const flags = u8(); leb(); const max = flags & 1 ? leb() : null; return { shared: !!(flags & 2), max }; };
  const out = [];
  while (i < bytes.length) {
    const id = u8(); const size = leb(); const end = i + size;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        const module = name(), field = name(), kind = u8();
        if (kind === 0) leb();
        else if (kind === 1) { u8(); limits(); }
        else if (kind === 2) out.push({ module, name: field, ...limits() });
        else if (kind === 3) { u8(); u8(); }
        else if (kind === 4) { u8(); leb(); }
      }
    }
    i = end;
  }
  return out;
}

test('the built module imports a shared memory', () => {
  const wasm = fs.readdirSync(dist).filter((f) => f.endsWith('.wasm'));
  assert.ok(wasm.length > 0, `no .wasm in ${dist}: build first (trunk build)`);
  for (const f of wasm) {
    const mems = memoryImports(fs.readFileSync(path.join(dist, f)));
    assert.equal(mems.length, 1, `${f} must import exactly one memory, found ${JSON.stringify(mems)}`);
    assert.equal(mems[0].shared, true, `${f} imports a memory that is not shared: the wasm32 linker flags were lost (see .cargo/config.toml)`);
  }
});

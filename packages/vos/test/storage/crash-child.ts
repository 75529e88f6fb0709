/**
 * Child process for the crash-consistency test (crash.test.ts): opens the sealed store in
 * argv[2] (key-file root, identity argv[3]), reads n from object 'a', reports "ready n", then
 * commits transactions n+1, n+2, … forever, each writing objects a, b, c with the same value.
 * The parent SIGKILLs it at random moments. Not a test file itself (no .test suffix).
 */
import { openKeyFileRoot } from '../../src/root-of-trust/index.js';
import { SealedStore } from '../../src/storage/index.js';

const [dir, identity] = process.argv.slice(2);
if (!dir || !identity) throw new Error('usage: crash-child <dir> <identity>');
const root = await openKeyFileRoot({ dir, deviceIdentity: identity });
const store = await SealedStore.open({ dir, root });
const ns = store.namespace('ta:11111111-2222-3333-4444-555555555555');
const cur = await ns.read('a');
let n = cur ? Buffer.from(cur.data).readUInt32BE(0) : 0;
process.stdout.write(`ready ${n}\n`);
for (;;) {
  n++;
  const v = Buffer.alloc(4);
  v.writeUInt32BE(n);
  await ns.transaction([
    { op: 'put', id: 'a', data: v },
    { op: 'put', id: 'b', data: v },
    { op: 'put', id: 'c', data: v },
  ]);
}

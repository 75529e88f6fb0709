/**
 * Child-process probe for attack 8 (not a test file; run by inspector-permission.test.ts).
 * Starts V-OS, imports a known AES key through a TA, reads the protection level from status and
 * from an attestation, then tries what docs/runtime-protection.md §3 describes: an in-process
 * inspector session that attaches to the V-OS worker through the NodeWorker domain and searches
 * the worker heap (Runtime.queryObjects on Uint8Array.prototype) for the key. Prints one JSON
 * line.
 * Usage: node [permission flags] inspector-probe.js <dataDir>
 */
import inspector from 'node:inspector';
import { startVos } from '../../src/index.js';
import { bundle, signer } from '../runtime/fixture.js';

const TA = '99999999-0000-4000-8000-000000000008';
const KEY_HEX = '5ec0e7b1a5c0ffee5ec0e7b1a5c0ffee00112233445566778899aabbccddeeff';
const CODE = `
let k = 0;
function TA_InvokeCommandEntryPoint(s, cmd, params) {
  k = keys.import('AES', params[0].data, ['encrypt']);
  params[0].data.fill(0);
}`;

type Out = Record<string, unknown>;

function post(
  session: inspector.Session,
  method: string,
  params: object = {},
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as Record<string, unknown>))),
  );
}

/** Attaches to the first worker and runs CDP commands inside it. */
async function readWorkerHeap(session: inspector.Session, out: Out): Promise<void> {
  const attached = new Promise<string>((resolve) =>
    session.once('NodeWorker.attachedToWorker', (m) =>
      resolve((m.params as { sessionId: string }).sessionId),
    ),
  );
  await post(session, 'NodeWorker.enable', { waitForDebuggerOnStart: false });
  const sessionId = await Promise.race([attached, new Promise<string>((r) => setTimeout(() => r(''), 3000))]);
  out.attachedToWorker = sessionId !== '';
  if (!sessionId) return;
  let nextId = 1;
  const pending = new Map<number, (v: Record<string, unknown>) => void>();
  session.on('NodeWorker.receivedMessageFromWorker', (m) => {
    const msg = JSON.parse((m.params as { message: string }).message) as {
      id?: number;
      result?: Record<string, unknown>;
    };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result ?? {});
  });
  const inWorker = (method: string, params: object) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      void post(session, 'NodeWorker.sendMessageToWorker', {
        sessionId,
        message: JSON.stringify({ id, method, params }),
      });
    });
  const where = await inWorker('Runtime.evaluate', {
    expression: 'typeof lockdown + "/" + Object.isFrozen(Array.prototype)',
    returnByValue: true,
  });
  out.workerEval = (where.result as { value?: unknown })?.value;
  const proto = await inWorker('Runtime.evaluate', { expression: 'Uint8Array.prototype' });
  const protoId = (proto.result as { objectId: string }).objectId;
  const objs = await inWorker('Runtime.queryObjects', { prototypeObjectId: protoId });
  const listId = (objs.objects as { objectId: string }).objectId;
  const hexes = await inWorker('Runtime.callFunctionOn', {
    objectId: listId,
    // Some hits are prototypes (Buffer.prototype …) whose length getter throws: skip them.
    functionDeclaration: `function () {
      const out = [];
      for (const a of this) {
        try {
          if (a.length >= 16 && a.length <= 64) out.push(Array.from(a, (b) => (b < 16 ? '0' : '') + b.toString(16)).join(''));
        } catch {}
      }
      return out.join(',');
    }`,
    returnByValue: true,
  });
  if (process.env.VOS_PROBE_DEBUG) console.error(JSON.stringify({ proto, objs, hexes }).slice(0, 1500));
  const all = String((hexes.result as { value?: unknown })?.value ?? '');
  out.heapArrays = all.split(',').length;
  out.inspectorReadKey = all.includes(KEY_HEX);
}

/** 'connected', or the error code that refused the in-process inspector session. */
function connectInspector(session: inspector.Session): string {
  try {
    session.connect();
    return 'connected';
  } catch (e) {
    return (e as { code?: string }).code ?? 'error';
  }
}

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) {
    // Picked up by a test runner without arguments: nothing to do.
    console.log('usage: node inspector-probe.js <dataDir>');
    return;
  }
  const out: Out = { permission: typeof (process as { permission?: unknown }).permission === 'object' };
  let vos: Awaited<ReturnType<typeof startVos>>;
  try {
    vos = await startVos({ dataDir, pinnedTaKeys: [signer.publicKeyPem] });
  } catch (e) {
    // Node 23+ refuses fsync under the permission model, so sealed storage cannot open there
    // (docs/process-boundary.md): say so, and still try the inspector.
    out.vosError = String((e as Error)?.message ?? e);
    out.connect = connectInspector(new inspector.Session());
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  try {
    await vos.installTa(bundle({ uuid: TA, code: CODE, capabilities: ['crypto.aes', 'keys'] }));
    const s = await vos.openSession(TA);
    const r = await s.invoke(0, [{ type: 'memref', data: Buffer.from(KEY_HEX, 'hex') }]);
    out.imported = r.result === 0;
    const st = await vos.status();
    out.level = st.protectionLevel;
    out.isolation = st.isolation.mode;
    const jws = await vos.attest(TA, new Uint8Array(16));
    out.attestedLevel = JSON.parse(
      Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8'),
    ).protectionLevel;
    const session = new inspector.Session();
    out.connect = connectInspector(session);
    if (out.connect === 'connected') {
      await readWorkerHeap(session, out);
      session.disconnect();
    }
  } finally {
    await vos.shutdown();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((e: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: String((e as Error)?.message ?? e) })}\n`);
  process.exitCode = 1;
});

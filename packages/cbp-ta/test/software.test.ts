/**
 * The CBP TA suite on the UNPROTECTED software platform (createSoftwarePlatform, keys in process
 * memory), with an injectable TA clock for the CDCVM timeout; plus what that baseline gives away:
 * every credential key is readable by any code in the process.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createCbpCore, createSoftwarePlatform } from '../src/index.js';
import { softwareTarget } from './helpers/targets.js';
import { cbpSuite } from './suite.js';

let offset = 0;
const taClock = {
  now: () => Date.now() + offset,
  advance(ms: number) {
    offset += ms;
  },
};

cbpSuite('the software platform', () => softwareTarget(taClock), taClock);

it('software baseline: enroll works in memory, and its keys are plain bytes in the process', async () => {
  const p = await createSoftwarePlatform();
  const core = createCbpCore(p);
  const pub = {
    kty: 'EC',
    crv: 'P-256',
    x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
    y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  };
  await core.enroll({ nonce: 'AAAAAAAAAAA', serverSigningJwk: pub });
  const dump = p.dumpKeysForTests();
  assert.ok(
    dump.some((k) => k.type === 'EC_P256' && k.secret.length === 32 && k.secret.some((b) => b !== 0)),
  );
});

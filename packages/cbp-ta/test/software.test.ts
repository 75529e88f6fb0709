/**
 * What the UNPROTECTED software platform (createSoftwarePlatform, keys in process memory) gives
 * away: every key is readable by any code in the process. The CBP TA suite itself runs on this
 * platform and on V-OS against the real server in packages/e2e/test/cbp-ta.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createCbpCore, createSoftwarePlatform } from '../src/index.js';

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

/**
 * Device binding (attack list item 3): the whole data folder, key file included, copied to a
 * device with another identity does not open; planting a key file made on that device does not
 * help either (the directory no longer authenticates).
 */
import assert from 'node:assert/strict';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { TeeResult } from '@openvse/protocol';
import { KEY_FILE_NAME, openKeyFileRoot } from '../../src/root-of-trust/index.js';
import { SealedStore } from '../../src/storage/index.js';
import { bytes, keyFileStore, rejectsVos, tempDir, text } from './fixtures.js';

const NS = 'ta:11111111-2222-3333-4444-555555555555';

test('a data folder copied to another device is refused', async () => {
  const phone1 = await tempDir();
  const phone2 = await tempDir();
  try {
    const s = await keyFileStore(phone1.path, 'phone-1-machine-id');
    await s.store.namespace(NS).write('luk', bytes('limited-use key'), { extractable: false });
    await s.close();
    await cp(phone1.path, phone2.path, { recursive: true });

    await rejectsVos(
      () => openKeyFileRoot({ dir: phone2.path, deviceIdentity: 'phone-2-machine-id' }),
      TeeResult.ERROR_SECURITY,
      /bound to another device/,
    );
    await rejectsVos(() => keyFileStore(phone2.path, 'phone-2-machine-id'), TeeResult.ERROR_SECURITY);

    // Replacing the key file with one made on phone 2 gives a root that cannot read the store.
    await rm(join(phone2.path, KEY_FILE_NAME));
    const foreign = await openKeyFileRoot({ dir: phone2.path, deviceIdentity: 'phone-2-machine-id' });
    await rejectsVos(
      () => SealedStore.open({ dir: phone2.path, root: foreign }),
      TeeResult.ERROR_CORRUPT_OBJECT,
    );
    await foreign.close();

    // The original device still reads its data.
    const back = await keyFileStore(phone1.path, 'phone-1-machine-id');
    assert.equal(text((await back.store.namespace(NS).read('luk'))?.data), 'limited-use key');
    await back.close();
  } finally {
    await phone1.cleanup();
    await phone2.cleanup();
  }
});

// biome-ignore-all lint/correctness/noUnusedVariables: the TA_* entry points are called by V-OS
// hello-ta: the smallest useful V-OS Trusted Application, in the shape of OP-TEE's
// optee_examples/hello_world + secure_storage (GP TEE Internal Core API v1.3 entry points).
// It keeps one 3DES key in sealed storage and a counter of the MACs it made.
//
// Capabilities (manifest.json): keys, crypto.tdes, storage, counter. Nothing else exists here:
// no process, require, module loading, Date or Math.random.
//
// Commands (param types are checked exactly, like every OP-TEE handler):
//   0 GENERATE_KEY  [memref out(3)]                 new random 3DES key; returns its KCV
//   1 IMPORT_KEY    [memref in(16)]                 installs a known 2-key 3DES key
//   2 MAC           [memref in, memref out(8), value out]
//                   ISO 9797-1 MAC alg. 3, padding 2; value a = MAC counter, b = state counter (low 32 bits)
//   3 GET_COUNTER   [value out]                     a = MAC counter
//   4 KCV           [memref out(3)]                 key check value of the stored key

const KEY_ID = 'mac-key';
const COUNTER_ID = 'mac-counter';
const T = TEE;

// The key handle lives as long as this TA instance; its bytes never leave V-OS.
let macKey = 0;

function expect(types, t0, t1, t2, t3) {
  if (types !== T.PARAM_TYPES(t0, t1 ?? 0, t2 ?? 0, t3 ?? 0))
    throw new TeeError(T.ERROR_BAD_PARAMETERS, 'param types');
}

async function key() {
  if (macKey === 0) {
    try {
      macKey = await keys.load(KEY_ID);
    } catch (e) {
      if (e.code === T.ERROR_ITEM_NOT_FOUND) throw new TeeError(T.ERROR_BAD_STATE, 'no key yet');
      throw e;
    }
  }
  return macKey;
}

async function setKey(handle) {
  if (macKey !== 0) keys.destroy(macKey);
  await keys.persist(handle, KEY_ID);
  macKey = handle;
}

async function readCounter() {
  const b = await storage.read(COUNTER_ID);
  return b === null ? 0 : ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

function TA_CreateEntryPoint() {}

function TA_OpenSessionEntryPoint() {
  return { opened: true };
}

async function TA_InvokeCommandEntryPoint(_session, cmd, params, types) {
  switch (cmd) {
    case 0: {
      expect(types, T.PARAM_TYPE_MEMREF_OUTPUT);
      await setKey(keys.generate('DES3', ['mac'], { size: 16 }));
      params[0].data = keys.kcv(macKey);
      return T.SUCCESS;
    }
    case 1: {
      expect(types, T.PARAM_TYPE_MEMREF_INPUT);
      if (params[0].data.length !== 16) return T.ERROR_BAD_PARAMETERS;
      await setKey(keys.import('DES3', params[0].data, ['mac']));
      params[0].data.fill(0); // our copy of the clear key
      return T.SUCCESS;
    }
    case 2: {
      expect(types, T.PARAM_TYPE_MEMREF_INPUT, T.PARAM_TYPE_MEMREF_OUTPUT, T.PARAM_TYPE_VALUE_OUTPUT);
      const mac = crypto.mac(await key(), 'ISO9797_ALG3_M2', params[0].data);
      const n = (await readCounter()) + 1;
      await storage.write(COUNTER_ID, Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255));
      params[1].data = mac;
      params[2].a = n;
      params[2].b = Number(counter.state() & 0xffffffffn);
      return T.SUCCESS;
    }
    case 3: {
      expect(types, T.PARAM_TYPE_VALUE_OUTPUT);
      params[0].a = await readCounter();
      params[0].b = 0;
      return T.SUCCESS;
    }
    case 4: {
      expect(types, T.PARAM_TYPE_MEMREF_OUTPUT);
      params[0].data = keys.kcv(await key());
      return T.SUCCESS;
    }
    default:
      return T.ERROR_NOT_SUPPORTED;
  }
}

function TA_CloseSessionEntryPoint() {}

function TA_DestroyEntryPoint() {
  macKey = 0;
}

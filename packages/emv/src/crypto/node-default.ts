/**
 * Installs the node:crypto backend as the default (backend.ts). Imported, for this side effect
 * only, by the Node entry points (`@openvse/emv`, `/crypto`, `/keys`, `/cryptogram`, `/cvn`,
 * `/conformance`); package.json lists this module under `sideEffects` so that bundlers keep it.
 * `@openvse/emv/pure` does not import it.
 */
import { setDefaultCryptoBackend } from './backend.js';
import { nodeCryptoBackend } from './node-backend.js';

setDefaultCryptoBackend(nodeCryptoBackend);

/**
 * @openvse/cbp-ta/pure — the CBP TA's core on a platform with nothing from Node (docs/mobile.md):
 * `createCbpCore` and the pure-JavaScript platform `createPurePlatform` (src/pure-platform.ts),
 * for JavaScript engines without `node:crypto` (Hermes on React Native; packages/hermes bundles
 * this entry point). Its module graph reaches only @openvse/protocol, `@openvse/emv/pure` and
 * the noble libraries, never `node:` modules, the V-OS runtime, jose or esbuild.
 */
export { type CbpCore, type CbpCoreOptions, createCbpCore } from './core/create-core.js';
export type { CryptogramResult } from './core/cryptograms.js';
export type { EnrollRequest } from './core/enroll.js';
export type { ProcessedMessage } from './core/messages.js';
export type { CbpPlatform, KeyHandle, StorageOp } from './core/platform.js';
export { createPurePlatform, type PurePlatform, type PurePlatformOptions } from './pure-platform.js';

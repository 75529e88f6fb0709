/**
 * A device that reports to the server like V-OS does (docs/cbp-protocol.md §6): a TestTa whose
 * platform identity is a PlatformIdentity (helpers/test-ta.ts) made from a key the test also holds, so
 * that good reports are signed as V-OS signs them and the negative cases (wrong
 * header typ, stale iat, another device's key) can be signed by hand with jose.
 */
import type { JsonWebKey, webcrypto } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { enroll, post } from '../helpers/server.js';
import { PlatformIdentity, TestTa } from '../helpers/test-ta.js';

export interface TestThreat {
  class: string;
  code: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  evidence: Record<string, string | number | boolean>;
  detectedAt: string;
}

const CLASSES: Record<string, [string, TestThreat['severity']]> = {
  INSPECTOR_OPEN: ['debug', 'critical'],
  DEBUGGER_ATTACHED: ['debug', 'critical'],
  LD_PRELOAD: ['hook', 'critical'],
  PRELOAD_REQUIRE: ['hook', 'high'],
  BUILTIN_REPLACED: ['hook', 'high'],
  APP_FILE_MODIFIED: ['tamper', 'critical'],
  RUNNING_AS_ROOT: ['environment', 'low'],
  CONTAINER: ['environment', 'low'],
  CORE_DUMP_ENABLED: ['exposure', 'medium'],
  CLOCK_TAMPERED: ['clock', 'high'],
};

export function threat(code: string, evidence: TestThreat['evidence'] = { source: 'test' }): TestThreat {
  const [cls, severity] = CLASSES[code] ?? ['hook', 'high'];
  return { class: cls, code, severity, evidence, detectedAt: new Date().toISOString() };
}

export function scan(threats: TestThreat[], reason: 'start' | 'periodic' | 'payment' = 'periodic') {
  return {
    scanId: `vg-test-${Math.random().toString(36).slice(2, 10)}`,
    reason,
    startedAt: new Date().toISOString(),
    durationMs: 3,
    threats,
    clean: threats.every((t) => t.class === 'environment'),
  };
}

export class Reporter {
  ta!: TestTa;
  identity!: PlatformIdentity;
  privateKey!: webcrypto.CryptoKey;
  seq = 0;

  static async create(): Promise<Reporter> {
    const r = new Reporter();
    r.ta = await TestTa.create();
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    r.privateKey = privateKey as webcrypto.CryptoKey;
    r.identity = await PlatformIdentity.create((await exportJWK(privateKey)) as JsonWebKey);
    r.ta.identity = r.identity;
    return r;
  }

  get deviceId(): string {
    return this.ta.deviceId;
  }

  async enroll(app: FastifyInstance) {
    return enroll(app, this.ta);
  }

  /** A threat report signed by V-OS's signDeviceReport (seq advances unless given). */
  async report(threats: TestThreat[], seq = ++this.seq): Promise<string> {
    return this.identity.report({
      typ: 'threat-report',
      deviceId: this.deviceId,
      seq,
      stateCounter: '1',
      scan: scan(threats),
    });
  }

  async heartbeat(seq = ++this.seq): Promise<string> {
    return this.identity.report({
      typ: 'heartbeat',
      deviceId: this.deviceId,
      seq,
      stateCounter: '1',
    });
  }

  /** Signs anything with the platform key (negative cases). */
  async signRaw(payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'openvse-threat+jwt', kid: this.identity.keyId, ...header })
      .sign(this.privateKey);
  }

  get platformJwk(): JWK {
    return this.ta.platformJwk;
  }

  post(app: FastifyInstance, report: string, route: 'threats' | 'heartbeat' = 'threats') {
    return post(app, `/v1/devices/${this.deviceId}/${route}`, { report });
  }
}

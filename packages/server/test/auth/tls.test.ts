/**
 * The callers' credentials over a real TLS stack (docs/server-api.md "Callers"; issue 11): a test
 * PKI made here with the openssl command line (a CA and a server certificate for 127.0.0.1), the
 * server serving HTTPS itself (`tls`), a client that trusts only that CA. An access token works
 * over it, its absence is still 401, a client that does not trust the CA never gets to send one,
 * and plain HTTP to the TLS port gets no answer.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Caller } from '../../src/auth/callers.js';
import { createServer } from '../../src/index.js';
import { TEST_KEK } from '../helpers/server.js';
import { authorizationServer } from './test-tokens.js';

const OPENSSL = '/usr/bin/openssl';
const skip = existsSync(OPENSSL) ? undefined : `SYSTEM: ${OPENSSL} is not installed (package openssl)`;

/** A CA and a server certificate for 127.0.0.1 signed by it, made with the openssl CLI. */
function testPki(dir: string) {
  const run = (args: string[]) => execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe' });
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  run([
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-days',
    '1',
    '-subj',
    '/CN=OpenVSE test CA',
    '-out',
    'ca.pem',
  ]);
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key']);
  run(['req', '-new', '-key', 'server.key', '-subj', '/CN=127.0.0.1', '-out', 'server.csr']);
  const ext = join(dir, 'server.ext');
  execFileSync('sh', [
    '-c',
    `printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > ${ext}`,
  ]);
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  ]);
  // A second CA the client may wrongly trust.
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'other.key']);
  run([
    'req',
    '-x509',
    '-new',
    '-key',
    'other.key',
    '-days',
    '1',
    '-subj',
    '/CN=Other CA',
    '-out',
    'other.pem',
  ]);
  const read = (f: string) => readFileSync(join(dir, f));
  return { ca: read('ca.pem'), other: read('other.pem'), key: read('server.key'), cert: read('server.pem') };
}

function get(port: number, path: string, ca: Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, headers, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += String(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('callers over TLS', { skip }, () => {
  let dir: string;
  let app: FastifyInstance;
  let port: number;
  let pki: ReturnType<typeof testPki>;
  let tokens: Awaited<ReturnType<typeof authorizationServer>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openvse-tls-'));
    pki = testPki(dir);
    tokens = await authorizationServer();
    app = await createServer({
      db: `sqlite:${join(dir, 'server.db')}`,
      kek: TEST_KEK,
      issuerKeys: { mode: 'test' },
      logger: false,
      auth: tokens.config,
      tls: { key: pki.key, cert: pki.cert },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an access token over HTTPS: 200 with it, 401 without, 403 for another class', async () => {
    const anonymous = await get(port, '/v1/issuer/keys', pki.ca);
    assert.equal(anonymous.status, 401);
    assert.equal(JSON.parse(anonymous.body).error.code, 'ERR_UNAUTHENTICATED');
    const issuer = await get(port, '/v1/issuer/keys', pki.ca, await tokens.header(Caller.ISSUER));
    assert.equal(issuer.status, 200, issuer.body);
    const acquirer = await get(port, '/v1/issuer/keys', pki.ca, await tokens.header(Caller.ACQUIRER));
    assert.equal(acquirer.status, 403);
  });

  it('a client that does not trust the CA never sends its token; plain HTTP gets no answer', async () => {
    await assert.rejects(
      get(port, '/v1/issuer/keys', pki.other, await tokens.header(Caller.ISSUER)),
      (e: NodeJS.ErrnoException) => /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/.test(String(e.code ?? e.message)),
    );
    const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status,
      () => 'refused',
    );
    assert.ok(plain === 'refused' || plain === 400, `plain HTTP on the TLS port: ${plain}`);
  });
});

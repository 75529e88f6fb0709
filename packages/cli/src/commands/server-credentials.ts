/**
 * What `openvse server` creates in its data directory on first start, so that a server started
 * without configuration is never open (docs/server-api.md "Callers"; the issue's safe defaults):
 *  - `kek`: the key-encryption key (32 random bytes, hex, mode 0600), unless `--kek-file` or
 *    OPENVSE_KEK gives one;
 *  - `credentials/`: a local OAuth 2.0 authorization server for development — its ES256 key
 *    (`authorization-server.jwk`, 0600) and public `jwks.json` — and, renewed at every start, one
 *    RFC 9068 access token per caller class in `credentials/tokens/<class>.jwt` (0600, valid 24 h):
 *    `curl -H "Authorization: Bearer $(cat …/tokens/issuer.jwt)"`.
 * A bank points `--auth-jwks/--auth-issuer/--auth-audience` at its own authorization server
 * instead; `--open` runs without caller authentication (loopback only).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AuthConfig, Caller } from '@openvse/server';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/** The issuer and audience of the local development tokens. */
export const LOCAL_TOKEN_ISSUER = 'openvse-local-authorization-server';
export const LOCAL_TOKEN_AUDIENCE = 'openvse-cbp-server';
const TOKEN_TTL_S = 86_400;

function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The data directory's KEK file, created (0600) with 32 random bytes if it does not exist. */
export function ensureKekFile(dataDir: string): { file: string; created: boolean } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'kek');
  if (existsSync(file)) return { file, created: false };
  writePrivate(file, `${randomBytes(32).toString('hex')}\n`);
  return { file, created: true };
}

/** The file name of a caller class's token (`operator:viewer` → `operator-viewer.jwt`). */
export function tokenFileName(caller: Caller): string {
  return `${caller.replace(':', '-')}.jwt`;
}

/**
 * The local authorization server of `dataDir` (created on first start) and fresh tokens for
 * every caller class; returns the server's `auth` configuration and where the tokens are.
 */
export async function ensureLocalCredentials(
  dataDir: string,
  now = Date.now(),
): Promise<{ auth: AuthConfig; dir: string; created: boolean }> {
  const dir = join(dataDir, 'credentials');
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens, { recursive: true, mode: 0o700 });
  const keyFile = join(dir, 'authorization-server.jwk');
  const created = !existsSync(keyFile);
  if (created) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = {
      ...(await exportJWK(privateKey)),
      kid: `local-${randomBytes(6).toString('hex')}`,
      alg: 'ES256',
    };
    writePrivate(keyFile, `${JSON.stringify(jwk)}\n`);
  }
  const privateJwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK & { kid: string };
  const { d: _d, ...publicJwk } = privateJwk;
  const jwks = { keys: [{ ...publicJwk, use: 'sig' }] };
  writeFileSync(join(dir, 'jwks.json'), `${JSON.stringify(jwks, null, 2)}\n`);
  const key = await importJWK(privateJwk, 'ES256');
  const iat = Math.floor(now / 1000);
  for (const caller of Object.values(Caller)) {
    if (caller === Caller.PUBLIC || caller === Caller.DEVICE) continue;
    const token = await new SignJWT({ client_id: `local-${caller}`, scope: `openvse:${caller}` })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: privateJwk.kid })
      .setIssuer(LOCAL_TOKEN_ISSUER)
      .setAudience(LOCAL_TOKEN_AUDIENCE)
      .setSubject(`local-${caller}`)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + TOKEN_TTL_S)
      .sign(key);
    writePrivate(join(tokens, tokenFileName(caller)), `${token}\n`);
  }
  return {
    auth: {
      accessTokens: {
        issuer: LOCAL_TOKEN_ISSUER,
        audience: LOCAL_TOKEN_AUDIENCE,
        jwks: jwks as AuthConfig['accessTokens']['jwks'],
        maxAgeSeconds: TOKEN_TTL_S,
      },
    },
    dir,
    created,
  };
}

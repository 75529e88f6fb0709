/**
 * What `openvse server` creates in its data directory on first start, so that a server started
 * without configuration is never open (docs/server-api.md "Callers"; the issue's safe defaults):
 *  - `kek`: the key-encryption key (32 random bytes, hex, mode 0600), unless `--kek-file` or
 *    OPENVSE_KEK gives one;
 *  - `credentials/`: a local OAuth 2.0 authorization server for development — its ES256 key
 *    (`authorization-server.jwk`, 0600) and public `jwks.json` — and, renewed at every start, one
 *    RFC 9068 access token per caller class in `credentials/tokens/<class>.jwt` (0600, valid 24 h):
 *    `curl -H "Authorization: Bearer $(cat …/tokens/issuer.jwt)"`;
 *  - with `openvse server --dev` only, `credentials/operator.json` (0600): one dashboard operator
 *    account, `dev` (role security-admin), its scrypt password hash made once, and its password in
 *    `credentials/operator-password` (0600) for the developer to sign in with.
 * A bank points `--auth-jwks/--auth-issuer/--auth-audience` at its own authorization server
 * instead; `--open` runs without caller authentication (loopback only).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AuthConfig, Caller, hashOperatorPassword, type OperatorAccount } from '@openvse/server';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/** The issuer of the local development tokens. */
export const LOCAL_TOKEN_ISSUER = 'openvse-local-authorization-server';
/** The audience of the local development tokens (this server). */
export const LOCAL_TOKEN_AUDIENCE = 'openvse-cbp-server';
/** The dashboard operator account that `openvse server --dev` creates. */
export const DEV_OPERATOR = Object.freeze({ username: 'dev', role: 'security-admin' as const });
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
 * The development operator account of `credentials/` ({@link DEV_OPERATOR}): created on first
 * use with a random password, hashed once (scrypt, a few hundred ms); the password stays in
 * `operator-password` (0600) for the developer, the server reads only the hash.
 */
export async function ensureDevOperator(
  credentialsDir: string,
): Promise<{ account: OperatorAccount; passwordFile: string }> {
  const file = join(credentialsDir, 'operator.json');
  const passwordFile = join(credentialsDir, 'operator-password');
  if (!existsSync(file)) {
    const password = randomBytes(18).toString('base64url');
    const account = { ...DEV_OPERATOR, passwordHash: await hashOperatorPassword(password) };
    writePrivate(passwordFile, `${password}\n`);
    writePrivate(file, `${JSON.stringify(account, null, 2)}\n`);
  }
  return { account: JSON.parse(readFileSync(file, 'utf8')) as OperatorAccount, passwordFile };
}

/**
 * The local authorization server of `dataDir` (created on first start) and fresh tokens for
 * every caller class; returns the server's `auth` configuration and where the tokens are. With
 * `operator` (`--dev`), also the development operator account ({@link ensureDevOperator}).
 */
export async function ensureLocalCredentials(
  dataDir: string,
  now = Date.now(),
  options: { operator?: boolean } = {},
): Promise<{ auth: AuthConfig; dir: string; created: boolean; operatorPasswordFile?: string }> {
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
  const operator = options.operator ? await ensureDevOperator(dir) : undefined;
  return {
    auth: {
      accessTokens: {
        issuer: LOCAL_TOKEN_ISSUER,
        audience: LOCAL_TOKEN_AUDIENCE,
        jwks: jwks as AuthConfig['accessTokens']['jwks'],
        maxAgeSeconds: TOKEN_TTL_S,
      },
      ...(operator ? { operators: { accounts: [operator.account] } } : {}),
    },
    dir,
    created,
    ...(operator ? { operatorPasswordFile: operator.passwordFile } : {}),
  };
}

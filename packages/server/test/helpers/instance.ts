/**
 * One CBP server instance in a child process, for the multi-instance tests (issuance.test.ts):
 * `createServer` on the database named by argv[2] (`{ db, pgSchema }` as JSON), with the test
 * issuer keys and attestation policy of helpers/server.ts and the real clock, listening on
 * 127.0.0.1 on a free port. It sends `{ port }` to its parent, and closes on the message
 * `'close'` or when the parent goes away.
 */
import { createServer } from '../../src/app.js';
import { TEST_KEK } from './server.js';
import { TA_CODE_SHA256 } from './test-ta.js';

/** Starts the instance (only when this file is the child process's entry point). */
async function main(): Promise<void> {
  const db = JSON.parse(process.argv[2] ?? '{}') as { db: string; pgSchema?: string };
  const app = await createServer({
    ...db,
    kek: TEST_KEK,
    issuerKeys: { mode: 'test' },
    attestation: { allowedCodeHashes: [TA_CODE_SHA256], minimumLevel: 'L1' },
    logger: false,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let closing = false;
  const close = () => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', (m) => {
    if (m === 'close') close();
  });
  process.on('disconnect', close);
  process.send?.({ port });
}

if (process.send) await main();

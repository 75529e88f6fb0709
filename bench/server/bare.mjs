// The baseline of bench/server: a bare fastify instance with one constant route, in its own
// process like the CBP server, so that the ratios compare the server's work with fastify + HTTP
// alone on the same machine in the same run.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/bare', async () => ({ status: 'ok' }));
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address();
process.stdout.write(`${JSON.stringify({ msg: `listening on http://127.0.0.1:${port}` })}\n`);
const stop = () => app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

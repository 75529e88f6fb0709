/**
 * `GET /v1/dashboard/events`: the server's events as server-sent events (docs/fraud-engine.md
 * "Dashboard"; docs/scaling.md "Threat intelligence as a stream", "Events"), for the dashboard to
 * refresh when something happened instead of polling. The same callers as every dashboard route
 * (any operator; the caller checks run in `onRequest`, before the stream opens). Each event is one
 * SSE message, `event: <type>` and `data: <the event's JSON>`; a comment line every 15 s keeps
 * proxies from closing an idle stream. With NATS, an instance's stream carries the events of every
 * instance. The streams end when the server closes (preClose), so closing never waits on them.
 * Not in the OpenAPI document (an event stream is not a JSON answer; route sweeps that wait for
 * an answer's end would wait for ever): test/stream/sse.test.ts checks its callers.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ANY_OPERATOR } from '../auth/callers.js';
import type { ServerEvent } from '../stream/events.js';

/** How often a keep-alive comment is sent on an idle stream, ms. */
const KEEPALIVE_MS = 15_000;
/** What the browser waits before reconnecting a dropped stream, ms. */
const RETRY_MS = 3000;

/** One SSE message for an event. */
export function sseMessage(e: ServerEvent, id: number): string {
  return `id: ${id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** Registers the dashboard's event stream. */
export function dashboardEventStream(app: FastifyInstance): void {
  const s = app.services;
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of [...open]) end();
    done();
  });
  app.get(
    '/v1/dashboard/events',
    { config: { callers: ANY_OPERATOR }, schema: { hide: true } },
    async (_req, reply) => {
      const out = new PassThrough();
      let id = 0;
      const write = (chunk: string) => {
        if (!out.writableEnded) out.write(chunk);
      };
      const unsubscribe = s.events.subscribe((e) => write(sseMessage(e, ++id)));
      const keepalive = setInterval(() => write(': keep-alive\n\n'), KEEPALIVE_MS);
      keepalive.unref();
      const end = () => {
        if (!open.delete(end)) return;
        clearInterval(keepalive);
        unsubscribe();
        out.end();
      };
      open.add(end);
      reply.raw.on('close', end);
      write(`retry: ${RETRY_MS}\n: ${s.events.transport}\n\n`);
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-accel-buffering', 'no')
        .send(out);
    },
  );
}

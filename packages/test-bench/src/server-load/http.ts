/**
 * JSON over real HTTP to a CBP server on 127.0.0.1 (node:http with a bounded keep-alive agent),
 * for the load and fault suites and bench/server. Only loopback traffic: this is test tooling.
 */
import { Agent, request } from 'node:http';

/** A JSON body as the load suites read it: asserted on freely. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are read freely and asserted on.
export type Json = any;

/** One HTTP answer: its status, its body parsed as JSON (undefined when not JSON) and its raw text. */
export interface HttpAnswer {
  status: number;
  body: Json;
  text: string;
}

/** JSON over HTTP to one origin, at most `maxSockets` connections (keep-alive). */
export class Http {
  /** The keep-alive agent every request of this client goes through. */
  readonly agent: Agent;
  /** `origin`: `http://127.0.0.1:<port>` (any other host is refused). */
  constructor(
    readonly origin: string,
    maxSockets = 32,
  ) {
    const u = new URL(origin);
    if (u.hostname !== '127.0.0.1') throw new Error('test traffic goes to 127.0.0.1 only');
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  /**
   * Sends one request; rejects on a connection error, or after `timeoutMs` when one is given. No
   * limit by default: a request on a busy machine is slow, not wrong; the suites bound themselves
   * with their own timeout and assert outcomes, not wall-clock limits.
   */
  send(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.origin}${path}`,
        {
          method,
          agent: this.agent,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Json;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
        },
      );
      if (timeoutMs !== undefined)
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** POST with a JSON body (`{}` when none). */
  post(path: string, body?: unknown): Promise<HttpAnswer> {
    return this.send('POST', path, body ?? {});
  }

  /** GET. */
  get(path: string): Promise<HttpAnswer> {
    return this.send('GET', path);
  }

  /** Destroys the agent's sockets. */
  close(): void {
    this.agent.destroy();
  }
}

/** Runs `fn` over `items` with at most `limit` at a time; the results in the order of `items`. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  fn: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

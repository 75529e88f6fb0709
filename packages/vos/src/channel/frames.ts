/**
 * Length-prefixed frames on a stream socket (the process channel between the app and the V-OS
 * process; docs/process-boundary.md "Channel"): a 4-byte big-endian length, then that many bytes
 * of one encoded message (wire-json.ts). A frame longer than `MAX_FRAME` ends the channel: the
 * peer is not speaking this protocol.
 */
import type { Socket } from 'node:net';
import { decodeMessage, encodeMessage } from './wire-json.js';

/**
 * The app's first frame on a new channel; the V-OS process writes nothing before it (the launcher's
 * copy of the app's end reads until it is handed over: anything sent earlier would be lost) and
 * answers it with the boot reply (id 0).
 */
export const CHANNEL_HELLO = { hello: 'openvse-vos/1' } as const;

/** True for {@link CHANNEL_HELLO}. */
export function isChannelHello(m: unknown): boolean {
  const o = m as Record<string, unknown> | null;
  return (
    typeof o === 'object' && o !== null && Object.keys(o).length === 1 && o.hello === CHANNEL_HELLO.hello
  );
}

/** Largest frame either side accepts: a 16 MiB TA bundle in base64 fits. */
export const MAX_FRAME = 32 * 1024 * 1024;

/** Writes one message as a frame. */
export function sendFrame(socket: Socket, message: unknown): boolean {
  const body = encodeMessage(message);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  return socket.write(Buffer.concat([head, body]));
}

/**
 * Calls `onMessage` for every complete frame read from `socket` (`undefined` for a frame that is
 * not JSON) and `onBad` once if the stream breaks the framing (then stops reading).
 */
export function readFrames(
  socket: Socket,
  onMessage: (m: unknown) => void,
  onBad: (why: string) => void,
): void {
  let buf: Buffer = Buffer.alloc(0);
  let broken = false;
  socket.on('data', (chunk: Buffer) => {
    if (broken) return;
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (len > MAX_FRAME) {
        broken = true;
        buf = Buffer.alloc(0);
        onBad(`frame of ${len} bytes is over the ${MAX_FRAME}-byte limit`);
        return;
      }
      if (buf.length < 4 + len) break;
      const body = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      onMessage(decodeMessage(body));
    }
  });
}

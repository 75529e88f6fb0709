/**
 * Child process for vos-crash-taps.test.ts: starts V-OS on the parent's data dir, opens the CBP
 * TA, prints `ready`, then taps the profile V and the profile M card in turn as fast as it can
 * (GPO_V / GENAC_M through the GP session, as the SDK's VosProvider does), printing every answer
 * (`tap <profile> <reason> <atc> <elements hex> <UN> <amount>`) so that the parent can authorize
 * it with the real server, until the parent SIGKILLs it. It imports only V-OS and the protocol,
 * so that it starts fast.
 */

import { bytesToHex } from '@openvse/emv/codec';
import { CBP_TA_UUID, CbpCommand } from '@openvse/protocol';
import { startVos, type VosParam } from '@openvse/vos';
import { cdol1M, pdolV } from './terminal.js';

const dataDir = process.env.CBP_TAPS_DIR;
const pinned = process.env.CBP_TAPS_KEY;
const cards = process.env.CBP_TAPS_CARDS;
// Only as the test's child (`node --test <dir>` also loads this file: then it does nothing).
if (dataDir && pinned && cards) {
  const { V, M } = JSON.parse(cards) as { V: string; M: string };
  const vos = await startVos({ dataDir, pinnedTaKeys: [pinned] });
  const session = await vos.openSession(CBP_TA_UUID);
  const enc = (s: string) => new TextEncoder().encode(s);
  const call = async (cmd: number, cardId: string, data: Uint8Array, p1: number) => {
    const params: VosParam[] = [
      { type: 'memref', data: enc(JSON.stringify({ cardId })) },
      { type: 'memref', data },
      cmd === CbpCommand.GPO_V ? { type: 'value', dir: 'out' } : { type: 'value', dir: 'inout', a: p1, b: 0 },
      { type: 'memref', dir: 'out', size: 512 },
    ];
    const r = await session.invoke(cmd, params);
    if (r.result !== 0) throw new Error(`TA result 0x${r.result.toString(16)}`);
    const v = r.params[2] as { a: number; b: number };
    return { reason: v.a, atc: v.b, elements: (r.params[3] as { data: Uint8Array }).data };
  };
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    const amount = 100 + (i % 37);
    const profile = i % 2 === 0 ? 'V' : 'M';
    const { data, f } = profile === 'V' ? pdolV({ amount }) : cdol1M({ amount });
    const r =
      profile === 'V'
        ? await call(CbpCommand.GPO_V, V, data, 0)
        : await call(CbpCommand.GENAC_M, M, data, 0x80);
    process.stdout.write(
      `tap ${profile} ${r.reason} ${r.atc} ${bytesToHex(r.elements) || '-'} ${f.un} ${amount}\n`,
    );
  }
}

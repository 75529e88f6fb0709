/**
 * Child process for the crash test: starts V-OS on the parent's data dir, opens the CBP TA and
 * makes GPO_V cryptograms in a loop, printing each ATC it got, until the parent SIGKILLs it.
 */

import { CBP_TA_UUID } from '@openvse/protocol';
import { startVos } from '@openvse/vos';
import { vosCbp } from './targets.js';
import { pdolV } from './terminal.js';

const dataDir = process.env.CBP_CRASH_DIR;
const pinned = process.env.CBP_CRASH_KEY;
// Only as the crash test's child (`node --test <dir>` also loads this file: then it does nothing).
if (dataDir && pinned) {
  const vos = await startVos({ dataDir, pinnedTaKeys: [pinned] });
  const session = await vos.openSession(CBP_TA_UUID);
  const core = vosCbp(() => session);
  process.stdout.write('ready\n');
  for (;;) {
    const r = await core.gpoV('crash-card', pdolV({ amount: 1 }).data);
    process.stdout.write(`atc ${r.atc} ${r.reason}\n`);
  }
}

/**
 * Entry point of the V-OS process (docs/process-boundary.md): started by the launcher
 * (launcher/launch.ts) with its configuration on stdin and its end of the channel to the app as
 * file descriptor 3. Its first act is SES `lockdown()` (worker/ses-lockdown.ts): the secure world
 * runs on this process's own main thread (service/inline-link.ts), so the realm is frozen before
 * any V-OS or TA code is loaded; the service itself (service/run-service.ts) comes after, by a
 * dynamic import.
 */
import { lockdownRealm, preferBundle } from '../worker/ses-lockdown.js';

lockdownRealm();
const { runService } = (await import(
  preferBundle(new URL('./run-service.js', import.meta.url))
)) as typeof import('./run-service.js');
await runService();

/**
 * Lazy loader of the TA runtime (TaInstance, the syscalls, the key manager and @openvse/emv).
 * None of it is needed to boot, so the secure world loads it right after answering the boot
 * request (bench/vos cold start); opening the first session waits for it if it is not in yet.
 */
import { loadEmv } from '../keys/emv-lib.js';

type TaRuntime = typeof import('./ta-instance.js');
let loading: Promise<TaRuntime> | null = null;

export function loadTaRuntime(): Promise<TaRuntime> {
  loading ??= Promise.all([import('./ta-instance.js'), loadEmv()]).then(([m]) => m);
  return loading;
}

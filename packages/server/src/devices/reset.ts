/**
 * Device reset (docs/server-api.md "Re-enrollment"): a wallet reinstalled on the same device (a new
 * V-OS data folder, hence a new platform key, the same device id) cannot enroll while the old key
 * is pinned (ERR_PLATFORM_KEY_MISMATCH). The issuer (or an issuer-admin operator; audited) resets
 * the device: its cards are unbound in one transaction — their live LUKs retired and unused SUKs
 * discarded, since their keys died with the old install — and for `deviceResetWindowSeconds`
 * (default 24 h) the next enrollment may pin a new platform key, once. The cards then need new
 * activation codes from the token requestor to be provisioned again.
 */
import { ApiErrorCode } from '@openvse/protocol';
import { ServerError } from '../errors.js';
import type { Services } from '../services.js';

/** How long after a reset a new platform key may be pinned. */
export const DEVICE_RESET_WINDOW_MS = 24 * 3600 * 1000;

/** The answer of POST /v1/devices/:deviceId/reset. */
export interface DeviceResetResult {
  deviceId: string;
  /** Until when (ms since the epoch) the device may enroll with a new platform key. */
  repinUntil: number;
  /** Cards that were bound to the device and are unbound now. */
  cardsUnbound: number;
}

/** Resets the device; ERR_DEVICE_NOT_FOUND for an unknown one. */
export async function resetDevice(s: Services, deviceId: string): Promise<DeviceResetResult> {
  const now = s.clock.now();
  const repinUntil = now + DEVICE_RESET_WINDOW_MS;
  const cardsUnbound = await s.store.resetDevice(deviceId, repinUntil, now);
  if (cardsUnbound === undefined) throw new ServerError(ApiErrorCode.DEVICE_NOT_FOUND, 'unknown device');
  return { deviceId, repinUntil, cardsUnbound };
}

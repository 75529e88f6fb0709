/**
 * Sending the reaction policy to devices (docs/cbp-protocol.md §6; docs/fraud-engine.md
 * "Reaction policy"): a signed `policy` message in the device's outbox (the same JWS-in-JWE
 * builder as every server → TA message), queued at enrollment, when the policy changes (to every
 * enrolled device), and when the server's view of a device flips between blocked and not blocked.
 */
import type { QueuedMessage, ReactionPolicy } from '@openvse/protocol';
import type { DeviceRow } from '../domain/devices.js';
import { queueMessage } from '../messages/outbox.js';
import type { Services } from '../services.js';
import { policyMessageBody } from './policy.js';
import { riskView } from './state.js';

/** Most devices one policy change is queued to (the whole fleet of a test or pilot server). */
const MAX_DEVICES = 100_000;

/** Queues the policy to the device, with `blockPayments` the server's verdict on it. */
export function queuePolicy(
  s: Services,
  device: DeviceRow,
  policy: ReactionPolicy,
  blockPayments: boolean,
): Promise<QueuedMessage> {
  return queueMessage(s, device, 'policy', null, policyMessageBody(policy, blockPayments));
}

/**
 * Queues the policy to the device, blocking payments when the server sees it compromised at
 * `now` (threats/state.ts).
 */
export async function queuePolicyWithVerdict(
  s: Services,
  device: DeviceRow,
  policy: ReactionPolicy,
  now: number,
): Promise<QueuedMessage> {
  const view = riskView(device.deviceId, await s.store.getDeviceRisk(device.deviceId), policy, now);
  return queuePolicy(s, device, policy, view.state === 'compromised');
}

/** Queues the policy to every enrolled device, each with its verdict at one time; returns how many. */
export async function queuePolicyToEveryDevice(s: Services, policy: ReactionPolicy): Promise<number> {
  const now = s.clock.now();
  let queued = 0;
  for (const device of await s.store.listDevices(MAX_DEVICES)) {
    await queuePolicyWithVerdict(s, device, policy, now);
    queued++;
  }
  return queued;
}

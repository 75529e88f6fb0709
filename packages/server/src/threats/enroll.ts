/**
 * After an enrollment (docs/fraud-engine.md "Where it is asked", "Reaction policy"): the
 * current reaction policy is queued to the device (a new device, or a re-enrolled TA that lost
 * its state, must hold it before its first payment) and the enrollment is recorded by the fraud
 * engine (ENROLL_VELOCITY_DEVICE).
 */
import type { DeviceRow } from '../domain/devices.js';
import type { Services } from '../services.js';
import { queuePolicyWithVerdict } from './policy-messages.js';
import { currentPolicy } from './policy-versions.js';

/** Queues the policy to the freshly enrolled device and records the enrollment. */
export async function afterEnrollment(s: Services, device: DeviceRow): Promise<void> {
  const policy = await currentPolicy(s.store);
  await queuePolicyWithVerdict(s, device, policy, s.clock.now());
  await s.fraud?.recordEnrollment(device);
}

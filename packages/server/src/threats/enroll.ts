/**
 * After an enrollment (docs/fraud-engine.md): the current reaction policy is queued to the
 * device (a new device, or a re-enrolled TA that lost its state, must hold it before its first
 * payment) and the enrollment is recorded by the fraud engine (ENROLL_VELOCITY_DEVICE).
 */
import type { Services } from '../services.js';
import type { DeviceRow } from '../storage/store.js';
import { currentPolicy, queuePolicy } from './policy.js';
import { riskView } from './state.js';

export async function afterEnrollment(s: Services, device: DeviceRow): Promise<void> {
  const policy = await currentPolicy(s.store);
  const view = riskView(device.deviceId, await s.store.getDeviceRisk(device.deviceId), policy, s.clock.now());
  await queuePolicy(s, device, policy, view.state === 'compromised');
  await s.fraud?.recordEnrollment(device);
}

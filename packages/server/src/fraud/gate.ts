/**
 * Where provisioning, replenishment and enrollment call the fraud engine (docs/fraud-engine.md
 * "Where it is asked"). Provisioning and replenishment are refused on step-up
 * (`ERR_RISK_STEP_UP`: the issuer's ID&V must run first) and on decline (`ERR_RISK_DECLINED`);
 * both answers name the reason (DEVICE_COMPROMISED or the rules' typology), never evidence.
 */

import { ApiErrorCode } from '@openvse/protocol';
import type { CardRow } from '../domain/cards.js';
import type { DeviceRow } from '../domain/devices.js';
import { ServerError } from '../errors.js';
import type { Services } from '../services.js';
import type { FraudDecision } from './engine.js';

function enforce(what: string, d: FraudDecision): void {
  if (d.outcome === 'decline')
    throw new ServerError(ApiErrorCode.RISK_DECLINED, `${what} declined by the fraud engine (${d.reason})`);
  if (d.outcome === 'step_up')
    throw new ServerError(ApiErrorCode.RISK_STEP_UP, `${what} needs step-up verification (${d.reason})`);
}

/** Asks the fraud engine before a card is provisioned; throws on step-up or decline. */
export async function gateProvisioning(s: Services, device: DeviceRow, card: CardRow): Promise<void> {
  if (s.fraud) enforce('provisioning', await s.fraud.assessProvisioning(device, card));
}

/** Asks the fraud engine before credentials are replenished; throws on step-up or decline. */
export async function gateReplenishment(s: Services, device: DeviceRow, card: CardRow): Promise<void> {
  if (s.fraud) enforce('replenishment', await s.fraud.assessReplenishment(device, card));
}

/**
 * The stored versions of the reaction policy (docs/fraud-engine.md "Reaction policy"; table
 * `reaction_policies`): the current one (the built-in default, version 0, while none is stored)
 * and storing the next. Only the store and the clock: the fraud engine reads the policy through
 * here without depending on message queueing.
 */
import { ApiErrorCode, type ReactionPolicy } from '@openvse/protocol';
import type { Clock } from '../clock.js';
import { ServerError } from '../errors.js';
import type { Store } from '../storage/store.js';
import { checkPolicy, nextPolicy, type PolicyUpdate, policyFromRow, policyRow } from './policy.js';

/** The policy in force: the highest stored version, or the default. */
export async function currentPolicy(store: Store): Promise<ReactionPolicy> {
  return policyFromRow(await store.getPolicy());
}

/** Stores a new version; returns it. A concurrent writer of the same version makes this retry. */
export async function setPolicy(store: Store, clock: Clock, update: PolicyUpdate): Promise<ReactionPolicy> {
  checkPolicy(update);
  for (let attempt = 0; attempt < 5; attempt++) {
    const next = nextPolicy(await currentPolicy(store), update);
    if (await store.insertPolicy(policyRow(next, clock.now()))) return next;
  }
  throw new ServerError(ApiErrorCode.POLICY_INVALID, 'policy changed concurrently; retry');
}

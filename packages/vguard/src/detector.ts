/**
 * What a detector is (docs/vguard.md "Detectors: how, how reliable, what each cannot see"): a
 * named check that reads a DetectorContext and returns threats (maybe async).
 */

import type { Threat } from '@openvse/protocol';
import type { DetectorContext } from './context.js';

/** A named check that reads a {@link DetectorContext} and returns the threats it found (maybe async). */
export type Detector = {
  /** Stable name, for `createGuard({ detectors })` selection and error evidence. */
  readonly id: string;
  detect(ctx: DetectorContext): Threat[] | Promise<Threat[]>;
};

/** What a detector is: a named check that reads a DetectorContext and returns threats (maybe async). */
import type { DetectorContext } from './context.js';
import type { Threat } from './types.js';

export type Detector = {
  /** Stable name, for `createGuard({ detectors })` selection and error evidence. */
  readonly id: string;
  detect(ctx: DetectorContext): Threat[] | Promise<Threat[]>;
};

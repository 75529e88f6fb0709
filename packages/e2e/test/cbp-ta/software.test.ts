/**
 * The CBP TA suite on the UNPROTECTED software platform (createSoftwarePlatform, keys in process
 * memory), with an injectable TA clock for the CDCVM timeout.
 */
import { softwareTarget } from './helpers/targets.js';
import { cbpSuite } from './suite.js';

let offset = 0;
const taClock = {
  now: () => Date.now() + offset,
  advance(ms: number) {
    offset += ms;
  },
};

cbpSuite('the software platform', () => softwareTarget(taClock), taClock);

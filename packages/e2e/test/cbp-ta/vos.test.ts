/**
 * The CBP TA suite on V-OS: the signed bundle from buildCbpTaBundle installed in a real V-OS
 * (worker + SES compartment, sealed storage in a temp dir, a test TA-signing key), every call a
 * GP command through a session; "restart" shuts V-OS down and starts it again on the same data.
 */
import { vosTarget } from './helpers/targets.js';
import { cbpSuite } from './suite.js';

cbpSuite('V-OS', () => vosTarget());

/** trace/: the APDU trace of a transaction and its text rendering (ISO/IEC 7816-4, EMV Book 3). */
export { ApduTrace, renderTrace, type TraceEntry } from './apdu-trace.js';

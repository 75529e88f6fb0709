/**
 * transport/: how the wallet's emulated card meets a terminal. vicc.ts connects it to
 * vsmartcard's vpcd (PC/SC virtual reader) for desktop tests and demos.
 */
export {
  attachViccCard,
  DEFAULT_ATR,
  frameViccMessage,
  type ViccCard,
  type ViccEvent,
  ViccFrameReader,
  type ViccOptions,
  VPCD_CTRL,
  VPCD_DEFAULT_HOST,
  VPCD_DEFAULT_PORT,
} from './vicc.js';

/**
 * transport/: how the wallet's emulated card meets a terminal. vicc.ts connects it to
 * vsmartcard's vpcd (PC/SC virtual reader) for desktop tests and demos; atr.ts builds the ATR
 * the card shows there (PC/SC Part 3 contactless).
 */
export { atrTck, contactlessAtr, paymentDeviceAtr } from './atr.js';
export {
  attachViccCard,
  DEFAULT_ATR,
  frameViccMessage,
  type ViccCard,
  ViccError,
  type ViccEvent,
  ViccFrameReader,
  type ViccOptions,
  VPCD_CTRL,
  VPCD_DEFAULT_HOST,
  VPCD_DEFAULT_PORT,
  type WaitForReaderOptions,
} from './vicc.js';

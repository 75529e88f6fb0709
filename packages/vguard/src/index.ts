/**
 * @openvse/vguard: V-Guard, runtime threat detection for the wallet process (docs/design.md
 * "V-Guard and the fraud engine", docs/runtime-protection.md §2). Import it FIRST: the primordials
 * are captured when this module is evaluated. See docs/vguard.md.
 *
 * The threat vocabulary (THREAT_CODES, Threat, ScanReport, severities, classes) is the wire
 * contract's: import it from @openvse/protocol. The types V-Guard's own API is written in are
 * re-exported below for convenience.
 */
import './primordials.js';

export type { Evidence, ScanReason, ScanReport, Severity, Threat, ThreatClass } from '@openvse/protocol';
export { type DetectorContext, processContext } from './context.js';
export type { Detector } from './detector.js';
export { appFilesDetector, verifyAppManifest } from './detectors/app-files.js';
export { builtinsDetector, cleanRealmSources } from './detectors/builtins.js';
export { type Clock, type ClockDetector, checkClock, clockDetector, systemClock } from './detectors/clock.js';
export { containerDetector } from './detectors/container.js';
export { coreDumpDetector } from './detectors/core-dump.js';
export { diagnosticReportDetector } from './detectors/diagnostic-report.js';
export { heapExposureDetector } from './detectors/heap-exposure.js';
export { inspectorDetector } from './detectors/inspector.js';
export { internalsDetector } from './detectors/internals.js';
export {
  defaultLibraryAllowList,
  executableMappings,
  isAllowedLibrary,
  type LibraryAllowList,
  nativeLibrariesDetector,
} from './detectors/native-libraries.js';
export { nodeOptionsDetector } from './detectors/node-options.js';
export { preloadDetector } from './detectors/preload.js';
export { rootDetector } from './detectors/root.js';
export { installSignalGuard, signalGuardDetector, signalGuardState } from './detectors/signal-guard.js';
export { tracerDetector } from './detectors/tracer.js';
export { virtualMachineDetector } from './detectors/virtual-machine.js';
export { VGuardErrorCode } from './errors.js';
export { type Flag, parseFlags, processFlags, splitNodeOptions } from './flags.js';
export {
  type AppManifestBody,
  createAppManifest,
  ManifestFormatError,
  parseAppManifest,
  type SignedAppManifest,
  signAppManifest,
  verifyManifestSignature,
} from './manifest/app-manifest.js';
export { canonicalJson } from './manifest/canonical-json.js';
export {
  type GuardKeyPair,
  generateManifestKeyPair,
  ManifestKeyError,
  manifestKeyId,
} from './manifest/keys.js';
export { PERMISSION_READ_PATHS, permissionReadFlags } from './permissions.js';
export { PRIMORDIAL_SPECS, PRIMORDIALS } from './primordials.js';
export {
  affectsVerdict,
  createGuard,
  defaultDetectors,
  type Guard,
  type GuardOptions,
  type ThreatChange,
  type Verdict,
} from './scanner.js';

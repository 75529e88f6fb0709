/** `openvse conformance <file>`: runs an emv-vectors/1 file (filled in next). */
import type { Command } from 'commander';

export function registerConformanceCommand(_program: Command): void {}

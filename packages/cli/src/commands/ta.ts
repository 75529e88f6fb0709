/** `openvse ta keygen|pack`: TA signing keys and signed TA bundles (filled in by the V-OS work). */
import type { Command } from 'commander';

export function registerTaCommands(_program: Command): void {}

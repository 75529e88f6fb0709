/** `openvse guard …`: V-Guard app manifests (filled in by the V-Guard work). */
import type { Command } from 'commander';

export function registerGuardCommands(_program: Command): void {}

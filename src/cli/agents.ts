import type { Command } from 'commander';

// Filled in by the feature that owns these commands.
export function registerAgentCommands(_program: Command): void {}

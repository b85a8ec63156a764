import type { Command } from "@commander-js/extra-typings";

// Placeholder until this command group's issue lands (the helper owning it replaces this file).
export function registerStudyCommands(_program: Command): void {}

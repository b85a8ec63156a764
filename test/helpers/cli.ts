// Runs the CLI in this process through main(), capturing what it writes (faster than a child process; for
// tests that must kill or signal a real `quicklearn` process, see quicklearn-cli.ts).
import { vi } from "vitest";
import { main } from "../../src/cli/main.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `quicklearn ...args`, with process.stdout/stderr captured for the call and restored afterwards. */
export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((c) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((c) => ((stderr += String(c)), true));
  try {
    return { code: await main(["node", "quicklearn", ...args]), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/**
 * A searched study's `quicklearn` process and what it leaves on disk, for the end-to-end tests that kill it
 * mid-round: the CLI from source in its own process group, plan.json's search record, the done runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { projectRoot } from "../../src/util/paths.js";

const CLI = join(projectRoot, "test", "helpers", "quicklearn-cli.ts");

/** `quicklearn ...args` as a child process leading its own process group (killing the group kills the engine). */
export function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: projectRoot,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, QUICKLEARN_LOCK_STALE_S: "30" },
  });
}

export async function finish(p: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = "";
  let err = "";
  p.stdout!.on("data", (d) => (out += d));
  p.stderr!.on("data", (d) => (err += d));
  const code = await new Promise<number | null>((r) => p.on("close", (c) => r(c)));
  return { code, out, err };
}

/** plan.json's `search` record (the fields these tests read). */
export interface SearchRecord {
  curves: { curve: string; task: string | null; state: string; round: number; budget: number | null }[];
  rounds: { round: number; curve: string; budget: string; reason: string }[];
}

export async function searchOf(dir: string): Promise<SearchRecord | null> {
  const text = await readFile(join(dir, "plan.json"), "utf8").catch(() => null);
  return text ? ((JSON.parse(text) as { search?: SearchRecord }).search ?? null) : null;
}

/** The state.json text of every done run, by run id. */
export async function doneStates(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of await readdir(join(dir, "runs")).catch(() => [])) {
    const text = await readFile(join(dir, "runs", id, "state.json"), "utf8").catch(() => "");
    if (text && JSON.parse(text).status === "done") out.set(id, text);
  }
  return out;
}

/** Kills the process group of `p` with SIGKILL once plan.json records a round at or past `round`. */
export async function killAtRound(
  p: ChildProcess,
  dir: string,
  round: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!((await searchOf(dir))?.rounds.some((x) => x.round >= round) ?? false)) {
    if (p.exitCode !== null)
      throw new Error(`the run ended (exit ${p.exitCode}) before round ${round} was planned`);
    if (Date.now() > deadline) throw new Error(`round ${round} was never planned`);
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(-p.pid!, "SIGKILL");
}

/**
 * A search started, SIGKILLed with its engine once plan.json records round 1, and started again to its end:
 * what was done and planned at the kill, the rerun, and the record and done runs after it.
 */
export async function killAtRoundOneAndRerun(start: () => ChildProcess, dir: string, timeoutMs: number) {
  const p = start();
  const ended = finish(p);
  await killAtRound(p, dir, 1, timeoutMs);
  await ended;
  const seen = await doneStates(dir);
  const planned = (await searchOf(dir))!.rounds;
  const rerun = await finish(start());
  return { seen, planned, rerun, resumed: (await searchOf(dir))!, now: await doneStates(dir) };
}

import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../src/engine/index.js";
import { scancel } from "../src/runner/slurm/commands.js";
import { readJobs } from "../src/runner/slurm/store.js";
import { venvPython } from "../src/util/paths.js";
import { finish, spawnCli } from "./helpers/search-run.js";
import { DEMO_SUPERNI as SUPERNI } from "./helpers/superni.js";
import { searchStudyYaml } from "./helpers/tiny-study.js";
import { slurmMissing, startLocalCluster, waitFor, waitForJobs } from "./slurm-helpers.js";

/**
 * The adaptive budget search through `quicklearn run --executor slurm` on a real one-node SLURM, with the
 * real engine on CPU (issue 17): no process stays alive between rounds. Each submission ends in a
 * `next-round` job (afterany on the round's arrays) that reruns `quicklearn run ... --after-round`: it refits,
 * plans the next round and submits it with its own follow-up, until every searched curve stops. A round cut
 * short (its array cancelled) makes the follow-up stop and say so; submitting again resumes the search.
 * `cancel` reaches the follow-up job too.
 */
const missing =
  slurmMissing() ??
  (existsSync(venvPython()) ? null : "the engine's Python environment (.venv) is missing: scripts/setup.sh");
if (missing) console.warn(`skipping test/slurm-search.test.ts: ${missing}`);

const cli = (args: string[]) => finish(spawnCli(args));

interface SearchRecord {
  curves: { state: string; round: number }[];
  rounds: { round: number; budget: string }[];
}

const searchOf = (dir: string): SearchRecord =>
  (JSON.parse(readFileSync(join(dir, "plan.json"), "utf8")) as { search: SearchRecord }).search;

const runState = async (dir: string, id: string) =>
  JSON.parse(await readFile(join(dir, "runs", id, "state.json"), "utf8")) as { status: string };

describe.skipIf(missing !== null)(
  "adaptive search through --executor slurm (real SLURM, real engine)",
  () => {
    let root: string;
    let specPath: string;
    const submit = (out: string) =>
      cli(["run", specPath, out, "--superni", SUPERNI, "--cpu", "--retries", "0", "--executor", "slurm"]);

    beforeAll(async () => {
      startLocalCluster();
      root = await mkdtemp(join(tmpdir(), "ql-slurm-search-"));
      await makeTinyModel({ arch: "t5", out: join(root, "base"), corpus: SUPERNI, vocabSize: 600 });
      specPath = join(root, "study.yaml");
      await writeFile(specPath, searchStudyYaml(join(root, "base")));
    });
    afterAll(async () => {
      if (root) await rm(root, { recursive: true, force: true });
    });

    it(
      "runs round after round with no orchestrator; a cut-short round waits for a resubmission",
      { timeout: 600_000 },
      async () => {
        const out = join(root, "study");
        const first = await submit(out);
        expect(first.code, first.err).toBe(0);
        expect(first.err).toMatch(/search inst stl overall: round 0, running/);
        const round0 = (await readJobs(out))!.submissions[0]!.jobs;
        expect(round0.map((j) => j.key)).toEqual(["L0", "next-round"]);
        expect(round0[1]!.dependency).toBe(`afterany:${round0[0]!.job_id}`);
        expect(round0[1]!.tasks).toEqual([[]]);

        // Cut round 0 short: cancel its array once a run trains. The follow-up still runs (afterany),
        // finds the round unfinished, plans nothing and fails with the reason in its log.
        const ids = round0[0]!.tasks.flat();
        await waitFor(
          "a round-0 run to start",
          async () => {
            for (const id of ids)
              if ((await runState(out, id).catch(() => null))?.status === "running") return true;
            return false;
          },
          300_000,
        );
        await scancel([round0[0]!.job_id]);
        let s = await waitForJobs(out, 300_000);
        expect(s.tasks.find((t) => t.key === "next-round")!.state).toBe("FAILED");
        const log = await readFile(join(out, "slurm", "logs", `next-round_${round0[1]!.job_id}.log`), "utf8");
        expect(log).toMatch(/run\(s\) of the last round did not finish .*the search waits/);
        expect((await readJobs(out))!.submissions).toHaveLength(1);
        expect(searchOf(out).curves[0]!.state).toBe("running");

        // Submitting again runs what round 0 lacks; from there the follow-ups carry the search to its end.
        const again = await submit(out);
        expect(again.code, again.err).toBe(0);
        await waitFor(
          "the search to stop",
          async () => searchOf(out).curves.every((c) => c.state !== "running") || false,
          500_000,
        );
        s = await waitForJobs(out, 120_000);
        const search = searchOf(out);
        const curve = search.curves[0]!;
        expect(curve.round).toBeGreaterThanOrEqual(1);
        expect(search.rounds.at(-1)!.round).toBe(curve.round);

        // One submission per round after the first try, each ending in its follow-up; every job completed.
        const subs = (await readJobs(out))!.submissions.slice(1);
        expect(subs).toHaveLength(curve.round + 1);
        for (const sub of subs) {
          expect(sub.jobs.at(-1)!.key).toBe("next-round");
          const arrays = sub.jobs.slice(0, -1).map((j) => j.job_id);
          expect(sub.jobs.at(-1)!.dependency).toBe(`afterany:${arrays.join(":")}`);
        }
        const later = new Set(subs.flatMap((x) => x.jobs.map((j) => j.job_id)));
        for (const t of s.tasks.filter((x) => later.has(x.job_id))) expect(t.state, t.key).toBe("COMPLETED");

        // Every planned run is done exactly once; status and report show the search's end.
        const status = JSON.parse((await cli(["status", out, "--json"])).out);
        expect([status.done, status.failed]).toEqual([status.total, 0]);
        expect(status.search).toEqual([
          { arm: "inst", setting: "stl", scope: "overall", round: curve.round, state: curve.state },
        ]);
        expect(status.total).toBe((await readdir(join(out, "runs"))).length);
        const report = await cli(["report", out, "--json"]);
        expect(report.code, report.err).toBe(0);
        expect(JSON.parse(report.out).search[0]).toMatchObject({
          state: curve.state,
          rounds: curve.round + 1,
        });
      },
    );

    it("cancel reaches the follow-up job as well as the round's arrays", { timeout: 120_000 }, async () => {
      const out = join(root, "cancelled");
      const r = await submit(out);
      expect(r.code, r.err).toBe(0);
      const jobs = (await readJobs(out))!.submissions[0]!.jobs;
      const c = await cli(["cancel", out, "--json"]);
      expect(c.code, c.err).toBe(0);
      expect(JSON.parse(c.out).cancelled).toEqual(expect.arrayContaining(jobs.map((j) => j.job_id)));
      const s = await waitForJobs(out, 60_000);
      expect(s.tasks.map((t) => t.state)).not.toContain("COMPLETED");
      expect((await readJobs(out))!.submissions).toHaveLength(1);
    });
  },
);

import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeColourRows } from "./helpers/rows.js";
import { makeTinyModel } from "../src/engine/index.js";
import { startDistributedEngine } from "../src/runner/engine.js";
import { slurmMultiNode } from "../src/runner/slurm/script.js";
import { venvPython } from "../src/util/paths.js";

/**
 * The several-node path of an mtl run (`quicklearn worker --mtl-nodes M`) with the real engine: the worker's
 * srun line (src/runner/slurm/script.ts) goes to a stand-in `srun` that starts its `bash -c` command once per
 * "node" on this machine with that node's SLURM_NODEID, so torchrun's static rendezvous at
 * $MASTER_ADDR:$MASTER_PORT, the per-node expansion of the node rank, and rank 0's events through srun's
 * stdout are all exercised for real (2 nodes x 1 process, gloo). The real-SLURM test cluster has one node.
 */
const FAKE_SRUN = `#!/bin/bash
echo "$*" > "$(dirname "$0")/srun-args"
nodes=1
while [[ "$1" == --* ]]; do case "$1" in --nodes=*) nodes=\${1#--nodes=} ;; esac; shift; done
pids=()
for ((i = 0; i < nodes; i++)); do SLURM_NODEID=$i SLURM_NNODES=$nodes "$@" & pids+=($!); done
rc=0; for p in "\${pids[@]}"; do wait "$p" || rc=$?; done; exit $rc
`;

const haveEngine = existsSync(venvPython());
let dir: string;
const saved = { ...process.env };

describe.skipIf(!haveEngine)("an mtl run on 2 nodes: srun + torchrun (stand-in srun, real engine)", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-multinode-"));
    await mkdir(join(dir, "bin"));
    await writeFile(join(dir, "bin", "srun"), FAKE_SRUN);
    await chmod(join(dir, "bin", "srun"), 0o755);
    await writeColourRows(join(dir, "data", "rows.jsonl"), 5);
    await makeTinyModel({ arch: "t5", out: join(dir, "t5"), corpus: join(dir, "data"), vocabSize: 200 });
    // What the mtl array's sbatch script exports; the port is this test's own.
    Object.assign(process.env, {
      PATH: [join(dir, "bin"), process.env.PATH].join(delimiter),
      SLURM_JOB_ID: "1",
      MASTER_ADDR: "127.0.0.1",
      MASTER_PORT: String(20000 + (process.pid % 20000)),
      SLURM_CPUS_PER_TASK: "1",
    });
  }, 120_000);
  afterAll(async () => {
    process.env = saved;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("trains with world size 2, rank 0's events reach the worker, the spec folder is cleaned up", async () => {
    const out = join(dir, "run");
    await mkdir(out);
    const data = join(dir, "data", "rows.jsonl");
    const engine = startDistributedEngine({
      nproc: 1,
      multiNode: (runDir) => slurmMultiNode(2, runDir),
      device: "cpu",
      env: { QUICKLEARN_TORCH_THREADS: "1" },
    });
    const events: string[] = [];
    const result = await engine.run(
      {
        run_id: "mn",
        model: join(dir, "t5"),
        output_dir: out,
        train: { files: [data], epochs: 1, effective_batch_size: 2, learning_rate: 1e-3 },
        eval: { files: [data], max_new_tokens: 4 },
      },
      (e) => events.push(e.type),
    );
    expect((result as { stats: { distributed: unknown } }).stats.distributed).toMatchObject({
      world_size: 2,
      backend: "gloo",
    });
    expect(events).toContain("progress");
    expect(events.at(-1)).toBe("done");
    expect((await readdir(out)).sort()).toEqual(["predictions.jsonl", "stats.json", "train_log.jsonl"]);
    expect(await readFile(join(dir, "bin", "srun-args"), "utf8")).toMatch(
      /^--nodes=2 --ntasks=2 --ntasks-per-node=1 --cpus-per-task=1 --kill-on-bad-exit=1 bash -c exec /,
    );
  }, 180_000);
});

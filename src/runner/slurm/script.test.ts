import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { torchrunArgs } from "../../engine/launch.js";
import type { ArrayJobPlan } from "./plan-jobs.js";
import {
  checkMultiNodeEnv,
  dependencyFor,
  renderFollowUpScript,
  renderSbatchScript,
  shellQuote,
  srunTorchrun,
  SLURM_RENDEZVOUS,
  validateSlurmOptions,
} from "./script.js";

const ctx = {
  studyDir: "/scratch/me/study1",
  studyName: "study1",
  quicklearn: ["/usr/bin/node", "/opt/ql/bin/quicklearn.js"],
};
const l1: ArrayJobPlan = {
  key: "L1",
  level: 1,
  tasks: [["b1-a", "b1-b"], ["b1-mtl"]],
  after: [{ job: "L0", task: 0 }],
};

describe("sbatch scripts", () => {
  it("carries every resource flag, the array, the dependency and requeue as #SBATCH lines", () => {
    const dep = dependencyFor(l1, new Map([["L0", "123"]]));
    expect(dep).toBe("afterok:123_0");
    const script = renderSbatchScript(
      l1,
      ctx,
      {
        partition: "gpu",
        account: "lab",
        gres: "gpu:1",
        time: "04:00:00",
        arrayParallelism: 8,
        cpusPerTask: 4,
        mem: "64G",
      },
      dep,
    );
    const directives = script.split("\n").filter((l) => l.startsWith("#SBATCH"));
    expect(directives).toEqual([
      "#SBATCH --job-name=ql-study1-L1",
      "#SBATCH --array=0-1%8",
      "#SBATCH --partition=gpu",
      "#SBATCH --account=lab",
      "#SBATCH --gres=gpu:1",
      "#SBATCH --time=04:00:00",
      "#SBATCH --cpus-per-task=4",
      "#SBATCH --mem=64G",
      "#SBATCH --dependency=afterok:123_0",
      "#SBATCH --chdir=/scratch/me/study1",
      "#SBATCH --output=/scratch/me/study1/slurm/logs/L1_%A_%a.log",
      "#SBATCH --requeue",
      "#SBATCH --open-mode=append",
      "#SBATCH --kill-on-invalid-dep=yes",
    ]);
    expect(script).toContain("  0) runs=b1-a,b1-b ;;\n  1) runs=b1-mtl ;;\n");
    expect(script).toContain(
      'exec /usr/bin/node /opt/ql/bin/quicklearn.js worker --study /scratch/me/study1 --runs "$runs"',
    );
  });

  it("leaves out what was not asked for", () => {
    const script = renderSbatchScript({ ...l1, after: [] }, ctx, {}, null);
    expect(script).toContain("#SBATCH --array=0-1\n");
    expect(script).not.toMatch(/--partition|--account|--gres|--time|--dependency|--mem|--cpus-per-task/);
  });

  it("picks each array task's runs in bash, and the script is valid bash", () => {
    const script = renderSbatchScript(l1, { ...ctx, quicklearn: ["echo"] }, {}, null);
    const run = (task: string) =>
      execFileSync("bash", ["-c", script.replace(/^exec /m, ""), "x"], {
        env: { ...process.env, SLURM_ARRAY_TASK_ID: task, SLURM_JOB_ID: "9", SLURM_ARRAY_JOB_ID: "8" },
        stdio: ["ignore", "pipe", "ignore"],
      }).toString();
    expect(run("0")).toBe("worker --study /scratch/me/study1 --runs b1-a,b1-b\n");
    expect(run("1")).toBe("worker --study /scratch/me/study1 --runs b1-mtl\n");
    expect(() => run("2")).toThrow();
  });

  it("joins several awaited tasks with ':' as SLURM expects", () => {
    const job = {
      ...l1,
      after: [
        { job: "L0", task: 1 },
        { job: "L1-a", task: 0 },
      ],
    };
    expect(
      dependencyFor(
        job,
        new Map([
          ["L0", "5"],
          ["L1-a", "6"],
        ]),
      ),
    ).toBe("afterok:5_1:6_0");
    expect(() => dependencyFor(job, new Map())).toThrow(/no job id yet/);
  });

  it("rejects flags SLURM would misread, naming the flag", () => {
    expect(() => validateSlurmOptions({ time: "4h" })).toThrow(/--time "4h"/);
    expect(() => validateSlurmOptions({ partition: "gpu; rm -rf /" })).toThrow(/--partition/);
    expect(() => validateSlurmOptions({ arrayParallelism: 0 })).toThrow(/--array-parallelism 0/);
    expect(() =>
      validateSlurmOptions({ time: "1-00:00:00", gres: "gpu:a100:2", partition: "gpu" }),
    ).not.toThrow();
    expect(() => renderSbatchScript(l1, { ...ctx, studyDir: "/my study" }, {}, null)).toThrow(/spaces/);
  });

  it("quotes shell words only when needed", () => {
    expect(shellQuote("/a/b.js")).toBe("/a/b.js");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  describe("the mtl array (--mtl-processes)", () => {
    const mtlJob: ArrayJobPlan = {
      key: "L1-mtl",
      level: 1,
      tasks: [["b1-mtl"]],
      after: [{ job: "L0-mtl", task: 0 }],
      mtl: true,
    };
    const opts = { gres: "gpu:1", mtlProcesses: 4, mtlGres: "gpu:4", cpusPerTask: 16 };
    const mtlCtx = { ...ctx, workerArgs: ["--retries", "1"], python: "/opt/ql/.venv/bin/python" };

    it("on one node: its own gres, and the worker runs torchrun --standalone itself", () => {
      const script = renderSbatchScript(mtlJob, mtlCtx, opts, "afterok:77_0");
      const directives = script.split("\n").filter((l) => l.startsWith("#SBATCH"));
      expect(directives).toContain("#SBATCH --gres=gpu:4");
      expect(directives).toContain("#SBATCH --dependency=afterok:77_0");
      expect(directives).toContain("#SBATCH --cpus-per-task=16");
      expect(script).not.toMatch(/--nodes|--ntasks-per-node|srun|MASTER_ADDR/);
      expect(script).toContain(
        'worker --study /scratch/me/study1 --runs "$runs" --retries 1 --mtl-processes 4 --mtl-parallel ddp\n',
      );
      // The other arrays keep --gres and no --mtl flags.
      const stl = renderSbatchScript(l1, mtlCtx, opts, null);
      expect(stl).toContain("#SBATCH --gres=gpu:1\n");
      expect(stl).not.toContain("--mtl-");
    });

    it("on M nodes: --nodes M, one task per node, the rendezvous address, and the srun line it will start", () => {
      const script = renderSbatchScript(mtlJob, mtlCtx, { ...opts, mtlNodes: 2, mtlParallel: "fsdp" }, null);
      const directives = script.split("\n").filter((l) => l.startsWith("#SBATCH"));
      expect(directives).toEqual(
        expect.arrayContaining(["#SBATCH --nodes=2", "#SBATCH --ntasks-per-node=1", "#SBATCH --gres=gpu:4"]),
      );
      expect(script).toContain(
        'export MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -1)"\n',
      );
      expect(script).toContain("export MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))\n");
      expect(script).toMatch(/--mtl-processes 4 --mtl-parallel fsdp --mtl-nodes 2\n$/);
      expect(() => execFileSync("bash", ["-n"], { input: script })).not.toThrow();
      // The comment is the command the worker runs (spec path aside): bash reads it back word for word.
      const line = script.split("\n").find((l) => l.startsWith("# each run: "))!;
      const words = execFileSync("bash", ["-c", `srun() { printf '%s\\n' "$@"; }; ${line.slice(12)}`])
        .toString()
        .trimEnd()
        .split("\n");
      const spec = "runs/<run>/quicklearn-launch-*/spec.json";
      expect(words).toEqual(
        srunTorchrun(
          2,
          ["/opt/ql/.venv/bin/python", ...torchrunArgs(spec, 4, "auto", SLURM_RENDEZVOUS(2))],
          16,
        ).slice(1),
      );
      expect(words).toContain("--cpus-per-task=16");
    });

    it("srun starts one torchrun per node, each with its own node rank and the shared rendezvous", () => {
      const cmd = srunTorchrun(2, ["echo", ...torchrunArgs("/s/it's.json", 4, "cuda", SLURM_RENDEZVOUS(2))]);
      expect(cmd.slice(0, 5)).toEqual([
        "srun",
        "--nodes=2",
        "--ntasks=2",
        "--ntasks-per-node=1",
        "--kill-on-bad-exit=1",
      ]);
      expect(cmd.slice(5, 7)).toEqual(["bash", "-c"]);
      const onNode = (id: string) =>
        execFileSync("bash", ["-c", cmd[7]!], {
          env: { ...process.env, SLURM_NODEID: id, MASTER_ADDR: "node-a", MASTER_PORT: "20042" },
        })
          .toString()
          .trim();
      expect(onNode("1")).toBe(
        "-m torch.distributed.run --nnodes=2 --node_rank=1 --master_addr=node-a --master_port=20042 " +
          "--nproc_per_node=4 -m quicklearn_engine.launch --spec /s/it's.json --device cuda",
      );
      expect(onNode("0")).toContain("--node_rank=0 ");
    });

    it("a worker asked for several nodes outside such a job says what is missing", () => {
      expect(() => checkMultiNodeEnv({ SLURM_JOB_ID: "5" })).toThrow(
        "--mtl-nodes needs a SLURM job of several nodes with MASTER_ADDR, MASTER_PORT set",
      );
      expect(() =>
        checkMultiNodeEnv({ SLURM_JOB_ID: "5", MASTER_ADDR: "n", MASTER_PORT: "1" }),
      ).not.toThrow();
    });
  });

  it("a follow-up job: one plain task after every job has ended, no GPU, the command as given", () => {
    const script = renderFollowUpScript(
      "next-round",
      { ...ctx, env: { QUICKLEARN_X: "1" } },
      { partition: "gpu", account: "lab", gres: "gpu:1", time: "01:00:00", arrayParallelism: 4 },
      "afterany:101:102",
      ["run", "/home/me/study.yaml", "/scratch/me/study1", "--executor", "slurm", "--after-round"],
    );
    expect(script).toContain("#SBATCH --dependency=afterany:101:102\n");
    expect(script).toContain("#SBATCH --partition=gpu\n#SBATCH --account=lab\n#SBATCH --time=01:00:00\n");
    expect(script).toContain("#SBATCH --output=/scratch/me/study1/slurm/logs/next-round_%j.log\n");
    expect(script).not.toMatch(/--array|--gres/);
    expect(script).toContain("export QUICKLEARN_X=1\n");
    expect(script.trimEnd().split("\n").at(-1)).toBe(
      "exec /usr/bin/node /opt/ql/bin/quicklearn.js run /home/me/study.yaml /scratch/me/study1 --executor slurm --after-round",
    );
    const bash = execFileSync("bash", ["-n"], { input: script, encoding: "utf8" });
    expect(bash).toBe("");
  });
});

import { Option, type Command, type OptionValues } from "@commander-js/extra-typings";
import { UserError } from "../../util/errors.js";
import type { SubmitOptions } from "./submit.js";
import type { SlurmOptions } from "./script.js";

/** Options registerSlurmOptions adds, as commander parses them: the SLURM flags plus the executor choice. */
export interface SlurmCliOptions extends SlurmOptions {
  executor?: string;
  dryRun?: boolean;
}

const positiveInt = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${flag} ${v}: expected a positive integer`);
  return n;
};

/** Adds --executor and the SLURM flags to a command (typed loosely: read them back with slurmOptionsFrom). */
export function registerSlurmOptions<C extends Command<unknown[], OptionValues, OptionValues>>(cmd: C): C {
  cmd
    .addOption(
      new Option("--executor <kind>", "where runs execute: local, or slurm (job arrays via sbatch)")
        .choices(["local", "slurm"])
        .default("local"),
    )
    .addOption(new Option("--partition <name>", "slurm: partition to submit to"))
    .addOption(new Option("--account <name>", "slurm: account to charge"))
    .addOption(new Option("--gres <spec>", "slurm: generic resources per array task, e.g. gpu:1"))
    .addOption(new Option("--time <limit>", "slurm: wall-clock limit per array task, HH:MM:SS"))
    .addOption(
      new Option("--array-parallelism <n>", "slurm: most array tasks of a job running at once").argParser(
        positiveInt("--array-parallelism"),
      ),
    )
    .addOption(
      new Option("--cpus-per-task <n>", "slurm: CPUs per array task").argParser(
        positiveInt("--cpus-per-task"),
      ),
    )
    .addOption(new Option("--mem <size>", "slurm: memory per array task's node, e.g. 64G"))
    .addOption(
      new Option("--runs-per-task <n>", "slurm: runs per array task (default 1)").argParser(
        positiveInt("--runs-per-task"),
      ),
    )
    .addOption(
      new Option(
        "--mtl-nodes <m>",
        "slurm: nodes per mtl/prefinetune run (with --mtl-processes N: N per node, srun + torchrun)",
      ).argParser(positiveInt("--mtl-nodes")),
    )
    .addOption(
      new Option(
        "--mtl-gres <spec>",
        "slurm: generic resources per mtl task (per node); default --gres with N GPUs, none with --cpu",
      ),
    )
    .addOption(new Option("--dry-run", "slurm: print the sbatch scripts, submit nothing"));
  return cmd;
}

const SLURM_ONLY: (keyof SlurmCliOptions)[] = [
  "partition",
  "account",
  "gres",
  "time",
  "arrayParallelism",
  "cpusPerTask",
  "mem",
  "runsPerTask",
  "mtlNodes",
  "mtlGres",
  "dryRun",
];

/** The submit options when `--executor slurm` was given, else null; SLURM flags without it are a mistake. */
export function slurmOptionsFrom(o: SlurmCliOptions): SubmitOptions | null {
  if (o.executor !== "slurm") {
    const stray = SLURM_ONLY.filter((k) => o[k] !== undefined);
    if (stray.length > 0) {
      const flag = stray[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new UserError(`--${flag} only applies with --executor slurm`);
    }
    return null;
  }
  return {
    partition: o.partition,
    account: o.account,
    gres: o.gres,
    time: o.time,
    arrayParallelism: o.arrayParallelism,
    cpusPerTask: o.cpusPerTask,
    mem: o.mem,
    runsPerTask: o.runsPerTask,
    mtlNodes: o.mtlNodes,
    mtlGres: o.mtlGres,
    dryRun: o.dryRun,
  };
}

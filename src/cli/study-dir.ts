import { UserError } from "../util/errors.js";

/**
 * Every command names its study directory the same way: the positional DIR. The flags of earlier versions
 * (`run --out`, `worker --study`, `demo --out`) keep working, hidden from the help, so scripts and SLURM
 * jobs written for them run unchanged.
 */

/** DIR, or the old flag's value; both given is an error. */
export function studyDirArg(
  positional: string | undefined,
  flagValue: string | undefined,
  flag: string,
): string | undefined {
  if (positional !== undefined && flagValue !== undefined)
    throw new UserError(
      `the study directory is given twice: ${positional} and ${flag} ${flagValue}`,
      "give it once, as DIR",
    );
  return positional ?? flagValue;
}

/**
 * `run [STUDY.yaml] [DIR]`: the study directory is the last positional, the spec the one before it (none
 * with --preset). With the old `--out DIR`, the one positional is the spec.
 */
export function runArgs(
  positionals: (string | undefined)[],
  opts: { preset?: string; out?: string },
): { file: string | undefined; dir: string } {
  const given = positionals.filter((p): p is string => p !== undefined);
  const usage = "quicklearn run STUDY.yaml DIR, or quicklearn run --preset NAME DIR";
  if (opts.out !== undefined) {
    if (given.length > 1) studyDirArg(given[1], opts.out, "--out");
    return { file: given[0], dir: opts.out };
  }
  if (given.length === 2) return { file: given[0], dir: given[1]! };
  if (given.length === 1 && opts.preset !== undefined) return { file: undefined, dir: given[0]! };
  if (given.length === 1)
    throw new UserError(`run ${given[0]}: no study directory given`, `${usage} (DIR is created, or resumed)`);
  throw new UserError("run: no study spec and no study directory given", usage);
}

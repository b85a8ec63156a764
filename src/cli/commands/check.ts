import type { Command } from "@commander-js/extra-typings";
import { detectGpus, openStudy, preflight, PreflightError, workerSlots } from "../../runner/index.js";
import { UserError } from "../../util/errors.js";
import { example } from "../help.js";
import { printJson } from "../output.js";
import { shared } from "./study.js";

/** `quicklearn check DIR`: the preflight that `run` does before its first run, on its own. */
export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description(
      "check a study before it runs: the GPUs asked for exist, every model and tokenizer loads (metadata " +
        "only), the data build matches the plan, the disk holds the checkpoints",
    )
    .argument("<dir>", "the study directory (made by quicklearn run)")
    .addOption(shared.cpu())
    .addOption(shared.gpus())
    .option("--json", 'print one JSON document: {"ok", "findings": [{"check", "target", "ok", "message"}]}')
    .addHelpText("after", example("check studies/s1 --gpus 0,1", "check studies/s1 --cpu --json"))
    .action(async (dir, opts) => {
      if (opts.cpu && opts.gpus) throw new UserError("--cpu and --gpus exclude each other");
      const store = await openStudy(dir);
      const found = opts.cpu || opts.gpus ? undefined : detectGpus();
      const gpus = opts.gpus ?? (found && found.length > 1 ? found : undefined);
      const findings = await preflight(store, {
        gpus,
        inFlight: workerSlots({ cpu: opts.cpu, gpus }).length,
      });
      const ok = findings.every((f) => f.ok);
      if (opts.json) printJson({ ok, findings });
      else
        for (const f of findings)
          process.stdout.write(`${f.ok ? "ok  " : "FAIL"}  ${f.check.padEnd(9)} ${f.target}: ${f.message}\n`);
      if (!ok) throw new PreflightError(findings, "fix these before quicklearn run (or pass it --no-check)");
    });
}

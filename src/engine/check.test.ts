import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import { engineDir, venvPython } from "../util/paths.js";
import { checkEngineInputs } from "./check.js";

/** The tracking half of the engine's check, through the real engine's Python (engine/tests/test_check.py has the rest). */
describe.skipIf(!existsSync(venvPython()))("checkEngineInputs: trackers", () => {
  it("asks about a tracker only when given one, and names its package when it is missing", async () => {
    expect(await checkEngineInputs({ models: [] })).toEqual([]);
    const [present] = await checkEngineInputs({ models: [], trackers: ["tensorboard"] });
    expect(present).toMatchObject({ check: "tracking", ok: true });
    expect(present!.message).toMatch(/^tensorboardX \d+\.\d+\.\d+, for tracking: tensorboard$/);

    // A sitecustomize that leaves tensorboardX unimportable, as in a Python without it.
    const blocker = await mkdtemp(join(tmpdir(), "ql-check-no-tensorboardx-"));
    try {
      await writeFile(join(blocker, "sitecustomize.py"), "import sys\nsys.modules['tensorboardX'] = None\n");
      const env = { PYTHONPATH: [engineDir, blocker].join(delimiter) };
      const [missing] = await checkEngineInputs({ models: [], trackers: ["tensorboard"], env });
      expect(missing).toMatchObject({ check: "tracking", ok: false, target: present!.target });
      expect(missing!.message).toContain(": tensorboardX is not installed");
      expect(missing!.message).toContain(`${present!.target} -m pip install tensorboardX==`);
    } finally {
      await rm(blocker, { recursive: true, force: true });
    }
  });
});

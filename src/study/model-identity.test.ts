import { cp, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../util/errors.js";
import { studyContext } from "./context.js";
import { modelIdentities, unpinnedHubModel } from "./model-identity.js";
import { planStudy } from "./plan.js";
import { parseStudyYaml } from "./spec.js";

describe("model identity", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ql-model-id-"));
    await mkdir(join(dir, "a", "sub"), { recursive: true });
    await writeFile(join(dir, "a", "config.json"), '{"d_model": 8}');
    await writeFile(join(dir, "a", "model.safetensors"), "weights-1");
    await writeFile(join(dir, "a", "sub", "tokenizer.json"), "{}");
    await writeFile(join(dir, "a", ".cache-of-some-tool"), "ignored");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const idOf = async (path: string) => (await modelIdentities([path])).get(path)!;

  it("names a local directory by its content: a copy elsewhere is the same model, a change is another", async () => {
    const a = await idOf(join(dir, "a"));
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    await cp(join(dir, "a"), join(dir, "copy"), { recursive: true });
    expect(await idOf(join(dir, "copy"))).toBe(a);
    // Same size, new content, new time: the cached digest is not reused.
    await writeFile(join(dir, "copy", "model.safetensors"), "weights-2");
    await utimes(join(dir, "copy", "model.safetensors"), new Date(), new Date(Date.now() + 5000));
    expect(await idOf(join(dir, "copy"))).not.toBe(a);
    // A renamed file is another model too.
    await cp(join(dir, "a"), join(dir, "renamed"), { recursive: true });
    await cp(join(dir, "a", "sub", "tokenizer.json"), join(dir, "renamed", "sub", "tok.json"));
    await rm(join(dir, "renamed", "sub", "tokenizer.json"));
    expect(await idOf(join(dir, "renamed"))).not.toBe(a);
  });

  it("names a hub id by itself and refuses a missing or empty directory", async () => {
    expect(await idOf("org/name")).toBe("org/name");
    await expect(idOf(join(dir, "nope"))).rejects.toThrow(/model directory .*nope not found/);
    await mkdir(join(dir, "empty"));
    await expect(idOf(join(dir, "empty"))).rejects.toBeInstanceOf(UserError);
  });

  it("keeps run ids when the model (and the study around it) moves", async () => {
    const spec = (model: string) =>
      parseStudyYaml(
        `name: s\ntasks: [t1]\narms:\n  - name: x\n    model: ${model}\n    encoding: plain\n    settings: [stl]\n    budgets: [10]\n`,
        "s.yaml",
      );
    const ids = async (base: string) => {
      const study = { spec: spec("./a"), text: "", baseDir: base, source: "s.yaml" };
      const ctx = await studyContext(study, { preset: null });
      return planStudy(study.spec, ctx.plan).runs.map((r) => r.id);
    };
    await mkdir(join(dir, "moved"), { recursive: true });
    await cp(join(dir, "a"), join(dir, "moved", "a"), { recursive: true });
    expect(await ids(join(dir, "moved"))).toEqual(await ids(dir));
  });

  it("tells an unpinned hub id from a pinned one and from local models", async () => {
    expect(unpinnedHubModel("Qwen/Qwen2.5-0.5B")).toBe("Qwen/Qwen2.5-0.5B");
    expect(unpinnedHubModel("Qwen/Qwen2.5-0.5B@7ae557604adf67be50417f59c2c2f167def9a775")).toBeNull();
    const [local] = (await modelIdentities([join(dir, "a")])).values();
    expect(unpinnedHubModel(local!)).toBeNull();
    expect(unpinnedHubModel(join(dir, "a"))).toBeNull();
  });
});

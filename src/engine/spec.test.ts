import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { engineDir, venvPython } from "../util/paths.js";
import { canonicalJson } from "../util/hash.js";
import { MAX_EPOCHS, resultDeterminingSpec, RunSpec } from "./spec.js";

const base = { run_id: "r", model: "m", output_dir: "out", train: { files: ["t.jsonl"] } };

describe("RunSpec", () => {
  it("fills the thesis recipe and the kernel/parallel defaults", () => {
    const spec = RunSpec.parse(base);
    expect(spec.train).toMatchObject({ learning_rate: 5e-5, effective_batch_size: 12, parallel: "ddp" });
    expect(spec.attention).toBe("sdpa");
  });

  it("rejects fsdp with lora, naming train.parallel", () => {
    const r = RunSpec.safeParse({ ...base, train: { ...base.train, parallel: "fsdp", lora: {} } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(["train", "parallel"]);
    expect(RunSpec.safeParse({ ...base, train: { ...base.train, parallel: "fsdp" } }).success).toBe(true);
  });

  it("tracks nothing by default, and tracking is no part of a run's identity (issue 18)", () => {
    const off = RunSpec.parse(base);
    const on = RunSpec.parse({ ...base, tracking: ["tensorboard"] });
    expect(off.tracking).toEqual([]);
    expect(canonicalJson(resultDeterminingSpec(on))).toBe(canonicalJson(resultDeterminingSpec(off)));
    expect(RunSpec.safeParse({ ...base, tracking: ["tensorboard", "tensorboard"] }).error!.issues[0]).toMatchObject(
      { path: ["tracking"], message: "lists a tracker twice" },
    );
  });

  it("bounds epochs, saying the maximum (issue 18)", () => {
    const r = RunSpec.safeParse({ ...base, train: { ...base.train, epochs: 1e12 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/^at most 10,000 epochs \(got 1,000,000,000,000\)/);
    expect(RunSpec.safeParse({ ...base, train: { ...base.train, epochs: MAX_EPOCHS } }).success).toBe(true);
  });
});

/** Every field of a schema as `path -> {required, default, enum}`, nested objects flattened with dots. */
type FieldFacts = Record<string, { required: boolean; default: unknown; enum: unknown[] | null }>;

function zodFields(shape: Record<string, z.ZodType>, prefix = ""): FieldFacts {
  const out: FieldFacts = {};
  for (const [name, field] of Object.entries(shape)) {
    let t: z.ZodType = field;
    let required = true;
    let dflt: unknown = null;
    for (;;) {
      if (t instanceof z.ZodDefault) {
        required = false;
        dflt = t.def.defaultValue;
        t = t.unwrap() as z.ZodType;
      } else if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) {
        required = required && t instanceof z.ZodNullable;
        t = t.unwrap() as z.ZodType;
      } else break;
    }
    // A list of choices (`tracking`) compares its items' choices.
    const choices = t instanceof z.ZodArray ? (t.element as z.ZodType) : t;
    out[prefix + name] = {
      required,
      default: dflt,
      enum: choices instanceof z.ZodEnum ? [...choices.options] : null,
    };
    if (t instanceof z.ZodObject) Object.assign(out, zodFields(t.shape, `${prefix}${name}.`));
  }
  return out;
}

const PYTHON_FIELDS = `
import json, typing
from pydantic import BaseModel
from quicklearn_engine.spec import RunSpec

def walk(model, prefix):
    out = {}
    for name, f in model.model_fields.items():
        ann = f.annotation
        args = typing.get_args(ann)
        # A list of choices (tracking) compares its items' choices.
        items = args[0] if typing.get_origin(ann) is list else ann
        lit = list(typing.get_args(items)) if typing.get_origin(items) is typing.Literal else None
        nested = [a for a in (args or (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        out[prefix + name] = {"required": f.is_required(), "default": None if f.is_required() else f.default, "enum": lit}
        for n in nested:
            out.update(walk(n, prefix + name + "."))
    return out

print(json.dumps(walk(RunSpec, "")))
`;

describe.skipIf(!existsSync(venvPython()))("the engine's two spec schemas", () => {
  it("declare the same fields with the same defaults and choices (zod here, pydantic in spec.py)", () => {
    const out = execFileSync(venvPython(), ["-c", PYTHON_FIELDS], {
      env: { ...process.env, PYTHONPATH: engineDir },
      encoding: "utf8",
    });
    const python = JSON.parse(out) as FieldFacts;
    const typescript = zodFields(RunSpec.shape);
    expect(Object.keys(typescript).sort()).toEqual(Object.keys(python).sort());
    for (const [path, facts] of Object.entries(typescript)) expect(facts, path).toEqual(python[path]);
  });

  it("refuse the same bad tracking lists", () => {
    const verdict = (tracking: unknown) =>
      execFileSync(
        venvPython(),
        [
          "-c",
          "import json, sys\nfrom quicklearn_engine.spec import parse_spec\nfrom quicklearn_engine.errors import EngineError\n" +
            "try:\n    parse_spec(json.loads(sys.argv[1]))\n    print('ok')\nexcept EngineError as e:\n    print(e.code)",
          JSON.stringify({ ...base, tracking }),
        ],
        { env: { ...process.env, PYTHONPATH: engineDir }, encoding: "utf8" },
      ).trim();
    for (const tracking of [[], ["tensorboard"], ["tensorboard", "tensorboard"], ["mlflow"], "tensorboard"]) {
      const zod = RunSpec.safeParse({ ...base, tracking }).success ? "ok" : "bad_spec";
      expect(verdict(tracking), JSON.stringify(tracking)).toBe(zod);
    }
  });

  it("bound epochs by the same maximum", () => {
    const check = (epochs: number) =>
      execFileSync(
        venvPython(),
        [
          "-c",
          "import json, sys\nfrom quicklearn_engine.spec import parse_spec\nfrom quicklearn_engine.errors import EngineError\n" +
            "try:\n    parse_spec(json.loads(sys.argv[1]))\n    print('ok')\nexcept EngineError as e:\n    print(e.code)",
          JSON.stringify({ ...base, train: { ...base.train, epochs } }),
        ],
        { env: { ...process.env, PYTHONPATH: engineDir }, encoding: "utf8" },
      ).trim();
    expect(check(MAX_EPOCHS)).toBe("ok");
    expect(check(MAX_EPOCHS + 1)).toBe("bad_spec");
  });
});

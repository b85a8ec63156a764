/**
 * Golden test (issue 15): `quicklearn encode --template chat` prints, for every instance, exactly the text
 * transformers' `tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)` gives,
 * for the tiny ChatML model and for templates in the style of today's models (a Qwen2.5-style template with a
 * default system turn and a tools branch; a Llama-2-style one with bos/eos tokens, strip() and raise_exception).
 */
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyModel } from "../src/engine/index.js";
import { projectRoot, venvPython } from "../src/util/paths.js";
import { runCli } from "./helpers/cli.js";
import { runPython } from "./helpers/python.js";

const SUPERNI = join(projectRoot, "assets", "demo", "superni");
const haveEngine = existsSync(venvPython());

const QWEN_STYLE = `{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are a helpful assistant.' }}
    {%- endif %}
    {{- "\\n\\n# Tools\\n\\n<tools>" }}
    {%- for tool in tools %}
        {{- "\\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\\n</tools><|im_end|>\\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
    {%- else %}
        {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
`;

const LLAMA2_STYLE =
  "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}" +
  "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}" +
  "{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}" +
  "{% else %}{% set content = message['content'] %}{% endif %}" +
  "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

/** transformers' rendering of each source as the user turn, generation prompt added, per model folder. */
const RENDER = `
import json, sys
from transformers import AutoTokenizer
job = json.load(open(sys.argv[1], encoding="utf-8"))
out = {}
for name, folder in job["models"].items():
    tok = AutoTokenizer.from_pretrained(folder)
    out[name] = [
        tok.apply_chat_template([{"role": "user", "content": s}], tokenize=False, add_generation_prompt=True)
        for s in job["sources"]
    ]
print(json.dumps(out))
`;

function lines(text: string): { id: string; source: string }[] {
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { id: string; source: string });
}

const tasks = async () =>
  (await readFile(join(SUPERNI, "splits", "default", "test_tasks.txt"), "utf8")).trim().split("\n");

describe.skipIf(!haveEngine)("encode --template chat equals transformers' apply_chat_template", () => {
  let root: string;
  const models: Record<string, string> = {};
  const encodeArgs: string[][] = [];
  const sources: string[] = [];
  let expected: Record<string, string[]> = {};

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "ql-chat-golden-"));
    const chatml = join(root, "chatml");
    await makeTinyModel({ arch: "llama", out: chatml, corpus: SUPERNI, vocabSize: 300, chatTemplate: true });
    models.chatml = chatml;
    // The same tokenizer with the template in tokenizer_config.json (as most hub models ship it).
    for (const [name, template, extra] of [
      ["qwen-style", QWEN_STYLE, {}],
      [
        "llama2-style",
        LLAMA2_STYLE,
        { bos_token: { __type: "AddedToken", content: "<unk>", lstrip: false, special: true } },
      ],
    ] as const) {
      const dir = join(root, name);
      await cp(chatml, dir, { recursive: true });
      await unlink(join(dir, "chat_template.jinja"));
      const configFile = join(dir, "tokenizer_config.json");
      const config = JSON.parse(await readFile(configFile, "utf8"));
      await writeFile(configFile, JSON.stringify({ ...config, ...extra, chat_template: template }));
      models[name] = dir;
    }
    // The raw encoded sources (encode without a template), then transformers' rendering of all of them.
    for (const task of await tasks())
      for (const encoding of ["thesis-def-pos", "plain"])
        encodeArgs.push(["encode", "--superni", SUPERNI, "--task", task, "--encoding", encoding, "--json"]);
    for (const args of encodeArgs) {
      const raw = await runCli(args);
      expect(raw.code, raw.stderr).toBe(0);
      sources.push(...lines(raw.stdout).map((l) => l.source));
    }
    const job = join(root, "job.json");
    await writeFile(job, JSON.stringify({ models, sources }));
    const out = await runPython(["-c", RENDER, job], {
      env: { ...process.env, HF_HUB_OFFLINE: "1", TRANSFORMERS_VERBOSITY: "error" },
    });
    expected = JSON.parse(out) as Record<string, string[]>;
  }, 240_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it.each(["chatml", "qwen-style", "llama2-style"])(
    "for every instance of every demo test task, template %s",
    async (name) => {
      const ours: string[] = [];
      for (const args of encodeArgs) {
        const chat = await runCli([...args, "--template", "chat", "--model", models[name]!]);
        expect(chat.code, chat.stderr).toBe(0);
        ours.push(...lines(chat.stdout).map((l) => l.source));
      }
      expect(ours).toHaveLength(sources.length);
      expect(ours).toEqual(expected[name]);
    },
    120_000,
  );

  it("refuses what it cannot render, with one line and exit 2", async () => {
    const base = ["encode", "--superni", SUPERNI, "--task", (await tasks())[0]!, "--encoding", "plain"];
    const noModel = await runCli([...base, "--template", "chat"]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/quicklearn: error: --template chat: needs --model/);
    const noTemplate = await runCli([...base, "--model", models.chatml!]);
    expect(noTemplate.code).toBe(2);
    expect(noTemplate.stderr).toMatch(/--model: only --template chat reads a model/);
    const plain = join(root, "plain");
    await cp(models.chatml!, plain, { recursive: true });
    await unlink(join(plain, "chat_template.jinja"));
    const missing = await runCli([...base, "--template", "chat", "--model", plain]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--model .*plain: its tokenizer has no chat template/);
    const absent = await runCli([...base, "--template", "chat", "--model", "nobody/no-such-model"]);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(/nobody\/no-such-model: not a model folder, and the Hugging Face cache/);
    for (const r of [noModel, noTemplate, missing, absent]) expect(r.stdout).toBe("");
  });

  it("reads a hub id's template from the Hugging Face cache (HF_HUB_CACHE), offline", async () => {
    const cache = join(root, "hub");
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const repo = join(cache, "models--quicklearn-test--tiny-chat");
    await cp(models["qwen-style"]!, join(repo, "snapshots", commit), { recursive: true });
    await mkdir(join(repo, "refs"));
    await writeFile(join(repo, "refs", "main"), commit);
    const base = [
      "encode",
      "--superni",
      SUPERNI,
      "--task",
      (await tasks())[0]!,
      "--encoding",
      "plain",
      "--json",
    ];
    const saved = process.env.HF_HUB_CACHE;
    process.env.HF_HUB_CACHE = cache;
    try {
      const hub = await runCli([...base, "--template", "chat", "--model", "quicklearn-test/tiny-chat"]);
      expect(hub.code, hub.stderr).toBe(0);
      const local = await runCli([...base, "--template", "chat", "--model", models["qwen-style"]!]);
      expect(hub.stdout).toBe(local.stdout);
      expect(hub.stdout).toContain("You are a helpful assistant.");
    } finally {
      if (saved === undefined) delete process.env.HF_HUB_CACHE;
      else process.env.HF_HUB_CACHE = saved;
    }
  });
});

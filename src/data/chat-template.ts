import { existsSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { Template } from "@huggingface/jinja";
import { UserError } from "../util/errors.js";

/**
 * A model's chat template, rendered the way transformers' `apply_chat_template(messages, tokenize=False,
 * add_generation_prompt=True)` renders it, so `encode --template chat` shows what the engine's `template: chat`
 * feeds the model, offline and without Python. The Jinja dialect is @huggingface/jinja's (the one
 * transformers.js renders chat templates with); the tokenizer files are read as transformers reads them.
 */
export interface ChatTemplate {
  /** The folder the template was read from. */
  folder: string;
  /** The prompt for one user message, generation prompt added. */
  prompt(userMessage: string): string;
}

/** Special tokens transformers hands every template (its `special_tokens_map`). */
const SPECIAL_TOKENS = [
  "bos_token",
  "eos_token",
  "unk_token",
  "sep_token",
  "pad_token",
  "cls_token",
  "mask_token",
] as const;

/** The chat template of `model`: a local model folder or a hub id found in the Hugging Face cache. */
export async function loadChatTemplate(model: string, flag = "--model"): Promise<ChatTemplate> {
  const folder = modelFolder(model, flag);
  const config = await readJson(join(folder, "tokenizer_config.json"), flag);
  const source = await templateSource(folder, config, model, flag);
  let template: Template;
  try {
    template = new Template(source);
  } catch (e) {
    throw new UserError(`${flag} ${model}: its chat template does not parse: ${(e as Error).message}`);
  }
  const special = await specialTokens(folder, config, flag);
  return {
    folder,
    prompt(userMessage) {
      try {
        return template.render({
          ...special,
          messages: [{ role: "user", content: userMessage }],
          tools: null,
          documents: null,
          add_generation_prompt: true,
        });
      } catch (e) {
        throw new UserError(`${flag} ${model}: its chat template fails to render: ${(e as Error).message}`);
      }
    },
  };
}

/**
 * Where transformers finds a template: `chat_template.jinja` (what transformers 4.50+ saves), else
 * tokenizer_config.json's `chat_template`, a string or a list of named templates of which "default" is used.
 */
async function templateSource(
  folder: string,
  config: Record<string, unknown>,
  model: string,
  flag: string,
): Promise<string> {
  const file = join(folder, "chat_template.jinja");
  if (existsSync(file)) return readFile(file, "utf8");
  const value = config.chat_template;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const named = value.find(
      (t): t is { name: string; template: string } =>
        typeof t === "object" && t !== null && t.name === "default" && typeof t.template === "string",
    );
    if (named) return named.template;
  }
  throw new UserError(
    `${flag} ${model}: its tokenizer has no chat template (no chat_template.jinja, nor chat_template in ${join(folder, "tokenizer_config.json")})`,
    "use --template none, or a chat/instruct model (`quicklearn model tiny --chat-template` makes one)",
  );
}

/** bos/eos/... as strings: tokenizer_config.json writes a token as a string or as {"content": ...}. */
async function specialTokens(
  folder: string,
  config: Record<string, unknown>,
  flag: string,
): Promise<Record<string, string>> {
  const mapFile = join(folder, "special_tokens_map.json");
  const fallback = existsSync(mapFile) ? await readJson(mapFile, flag) : {};
  const out: Record<string, string> = {};
  for (const name of SPECIAL_TOKENS) {
    const token = tokenText(config[name]) ?? tokenText(fallback[name]);
    if (token !== undefined) out[name] = token;
  }
  return out;
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { content?: unknown }).content === "string"
  )
    return (value as { content: string }).content;
  return undefined;
}

/**
 * A local folder as is; a hub id (`org/name`) from the Hugging Face cache as huggingface_hub lays it out
 * (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub: models--org--name/refs/main names the
 * snapshot). Written here because no maintained Node package reads that cache offline.
 */
function modelFolder(model: string, flag: string): string {
  if (isDir(model)) {
    if (!existsSync(join(model, "tokenizer_config.json")))
      throw new UserError(
        `${flag} ${model}: the folder has no tokenizer_config.json (expected a Hugging Face model folder)`,
      );
    return resolve(model);
  }
  const cache =
    process.env.HF_HUB_CACHE ?? join(process.env.HF_HOME ?? join(homedir(), ".cache", "huggingface"), "hub");
  const isHubId = /^[\w.-]+\/[\w.-]+$/.test(model) && !model.startsWith(".");
  if (isHubId) {
    const repo = join(cache, `models--${model.replace("/", "--")}`);
    const ref = join(repo, "refs", "main");
    if (existsSync(ref)) {
      // refs/main holds the commit hash of the snapshot the hub's main branch pointed at when downloaded.
      const snapshot = join(repo, "snapshots", readFileSync(ref, "utf8").trim());
      if (existsSync(join(snapshot, "tokenizer_config.json"))) return snapshot;
    }
  }
  throw new UserError(
    `${flag} ${model}: not a model folder${isHubId ? `, and the Hugging Face cache (${cache}) does not hold it` : ""}`,
    "give a local model folder, or a hub id whose tokenizer is in the cache (e.g. after one `quicklearn run` with it)",
  );
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function readJson(path: string, flag: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UserError(`${flag}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UserError(`${flag}: ${path} is not a JSON object`);
}

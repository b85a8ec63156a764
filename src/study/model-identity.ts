import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { UserError } from "../util/errors.js";
import { FileDigestCache } from "../util/digest-cache.js";
import { sha256 } from "../util/hash.js";

/**
 * What names a base model in a run's identity: what determines its results, not where it lies. A local
 * directory is named by the digest of its files (a study directory that is moved, copied or renamed keeps
 * its finished runs; a model regenerated in place gets new runs); a hub id is named by itself.
 */

const ABSENT = "absent:";

/**
 * The hub id of an identity that is not pinned to a revision (`org/name`, not `org/name@<commit>`), or null.
 * Such a run loads whatever the hub serves when it starts, so the same run id may mean other weights later.
 */
export function unpinnedHubModel(identity: string): string | null {
  const local = identity.startsWith("sha256:") || identity.startsWith(ABSENT) || isAbsolute(identity);
  return local || identity.includes("@") ? null : identity;
}

/** The directory a provisional identity stands for, or null for a real identity. */
export function absentModelDir(identity: string): string | null {
  return identity.startsWith(ABSENT) ? identity.slice(ABSENT.length) : null;
}

/**
 * Identity per model reference (hub id or absolute local directory, as resolveModel gives them). With
 * `absent: "provisional"` (planning before the model is made) a missing directory is named by its path.
 */
export async function modelIdentities(
  models: Iterable<string>,
  absent: "refuse" | "provisional" = "refuse",
): Promise<Map<string, string>> {
  const cache = await FileDigestCache.shared();
  const out = new Map<string, string>();
  for (const model of new Set(models)) {
    if (!isAbsolute(model)) out.set(model, model);
    else if (absent === "provisional" && !existsSync(model)) out.set(model, `${ABSENT}${model}`);
    else out.set(model, await directoryDigest(model, cache));
  }
  await cache.save();
  return out;
}

/** `sha256:<hex>` over every file's relative path and content digest (dot-files such as .git left out). */
async function directoryDigest(dir: string, cache: FileDigestCache): Promise<string> {
  let files: string[];
  try {
    files = await listFiles(dir, "");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      `model directory ${dir} ${code === "ENOENT" ? "not found" : code === "ENOTDIR" ? "is not a folder" : `cannot be read (${code})`}`,
      "give a hub id (org/name) or an existing local directory",
    );
  }
  if (files.length === 0)
    throw new UserError(
      `model directory ${dir} is empty`,
      "give a folder with the model's config and weights",
    );
  const lines: string[] = [];
  for (const rel of files) lines.push(`${rel}\t${await cache.digest(join(dir, rel))}`);
  return `sha256:${sha256(lines.join("\n"))}`;
}

async function listFiles(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith(".")) continue;
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push(path);
  }
  return out;
}

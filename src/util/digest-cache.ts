import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeJsonAtomic } from "./fs.js";
import { sha256File } from "./hash.js";

/**
 * File digests kept across invocations, keyed by absolute path and trusted while the file's size, inode,
 * modification and change times are all unchanged (the change time cannot be set back by hand, so an edit
 * that keeps size and mtime still misses). Why: a run's identity hashes its base model (a 3B model's weights
 * take ~20 s), and status, report and run verify every finished run's outputs, pre-finetuned models
 * included; without this each command would re-read the whole study. A cache only: losing it costs time,
 * never results.
 */

interface Entry {
  size: number;
  mtime_ms: number;
  ctime_ms: number;
  ino: number;
  sha256: string;
}

/** Save without waiting for exit once this much was hashed, so a long command that is killed keeps its work. */
const SAVE_EVERY_BYTES = 1 << 30;
/** Past this many entries a save keeps only those this process used (paths of deleted studies drop out). */
const MAX_ENTRIES = 100_000;

export class FileDigestCache {
  private readonly used = new Set<string>();
  private hashedSinceSave = 0;
  private changed = false;

  private constructor(
    readonly path: string,
    private entries: Record<string, Entry>,
  ) {}

  static async open(path = defaultCachePath()): Promise<FileDigestCache> {
    return new FileDigestCache(path, await readEntries(path));
  }

  /** The process-wide cache, opened once and saved when the process runs out of work. */
  static shared(): Promise<FileDigestCache> {
    shared ??= FileDigestCache.open().then((cache) => {
      process.once("beforeExit", () => void cache.save());
      return cache;
    });
    return shared;
  }

  /** The file's sha256 (hex), from the cache while the file is unchanged. Throws like stat for a missing file. */
  async digest(file: string): Promise<string> {
    const st = await stat(file);
    this.used.add(file);
    const hit = this.entries[file];
    if (
      hit &&
      hit.size === st.size &&
      hit.mtime_ms === st.mtimeMs &&
      hit.ctime_ms === st.ctimeMs &&
      hit.ino === st.ino
    )
      return hit.sha256;
    const sha256 = await sha256File(file);
    this.entries[file] = { size: st.size, mtime_ms: st.mtimeMs, ctime_ms: st.ctimeMs, ino: st.ino, sha256 };
    this.changed = true;
    this.hashedSinceSave += st.size;
    if (this.hashedSinceSave >= SAVE_EVERY_BYTES) await this.save();
    return sha256;
  }

  /** Write the cache, merged with what other processes saved meanwhile (the newest entry of a path wins). */
  async save(): Promise<void> {
    if (!this.changed) return;
    this.changed = false;
    this.hashedSinceSave = 0;
    let merged = { ...(await readEntries(this.path)), ...this.entries };
    if (Object.keys(merged).length > MAX_ENTRIES)
      merged = Object.fromEntries(Object.entries(merged).filter(([path]) => this.used.has(path)));
    this.entries = merged;
    // An unwritable cache folder (read-only home on a cluster node) only costs the next command the hashing.
    await writeJsonAtomic(this.path, merged).catch(() => undefined);
  }
}

let shared: Promise<FileDigestCache> | undefined;

function defaultCachePath(): string {
  const dir =
    process.env.QUICKLEARN_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "quicklearn");
  return join(dir, "file-digests.json");
}

async function readEntries(path: string): Promise<Record<string, Entry>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    // Entries of an older layout (without ctime or inode) never match, so they are simply rehashed.
    return parsed as Record<string, Entry>;
  } catch {
    return {};
  }
}

import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UserError } from "./errors.js";

/** A temp name beside the target, so the final rename stays on one filesystem (atomic on POSIX, NFS included). */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** Write a whole file atomically: readers see the old content or the new one, never a torn file. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  if ((await stat(path).catch(() => null))?.isDirectory())
    throw new UserError(`${path} is a folder`, "give a file name to write to");
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/**
 * A file written by streaming that only appears under its final name on commit().
 * abort() (or a crash) leaves at most a hidden temp file, never a partial target.
 */
export class AtomicFileWriter {
  private readonly tmp: string;
  private readonly stream: WriteStream;
  private closed = false;

  private constructor(readonly path: string) {
    this.tmp = tempPathFor(path);
    this.stream = createWriteStream(this.tmp);
  }

  static async open(path: string): Promise<AtomicFileWriter> {
    await mkdir(dirname(path), { recursive: true });
    return new AtomicFileWriter(path);
  }

  /** Write a chunk, waiting when the stream's buffer is full so memory stays bounded. */
  async write(chunk: string): Promise<void> {
    if (!this.stream.write(chunk)) await new Promise<void>((r) => this.stream.once("drain", r));
  }

  async commit(): Promise<void> {
    await this.close();
    await rename(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    await this.close();
    await rm(this.tmp, { force: true });
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve, reject) =>
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
}

/** Read and parse a JSON file, turning the usual failures into UserErrors that name the file. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError(`${path}: file not found`);
    throw new UserError(`${path}: cannot read (${code ?? String(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path}: invalid JSON: ${(e as Error).message}`);
  }
}

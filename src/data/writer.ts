import { createHash, type Hash } from "node:crypto";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

export interface FileFacts {
  lines: number;
  bytes: number;
  sha256: string;
}

// Lines are batched into ~1 MiB writes: one syscall and one hash update per batch, memory bounded.
const FLUSH_AT = 1 << 20;

/**
 * Writes a JSONL file line by line, counting lines and bytes and hashing as it goes. Used inside a data
 * build's temporary folder, which is renamed into place as a whole, so the file itself need not be atomic.
 */
export class JsonlFileWriter {
  private pending = "";
  private lines = 0;
  private bytes = 0;
  private readonly hash: Hash = createHash("sha256");
  /** The batch being written: encoding the next batch overlaps with it, and at most one is in flight. */
  private inflight: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  static async create(path: string): Promise<JsonlFileWriter> {
    await mkdir(dirname(path), { recursive: true });
    return new JsonlFileWriter(path, await open(path, "w"));
  }

  /** Append one line (which must end with "\n"). */
  async writeLine(line: string): Promise<void> {
    this.pending += line;
    this.lines++;
    if (this.pending.length >= FLUSH_AT) await this.flush();
  }

  async close(): Promise<FileFacts> {
    await this.flush();
    await this.inflight;
    await this.fh.close();
    return { lines: this.lines, bytes: this.bytes, sha256: this.hash.digest("hex") };
  }

  /** Close without caring about the content (the build failed; its folder is removed). */
  async discard(): Promise<void> {
    await this.inflight.catch(() => undefined);
    await this.fh.close().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    if (this.pending === "") return;
    const buf = Buffer.from(this.pending, "utf8");
    this.pending = "";
    this.hash.update(buf);
    this.bytes += buf.length;
    await this.inflight;
    const write = this.writeAll(buf);
    write.catch(() => undefined); // handled where inflight is awaited (next flush or close)
    this.inflight = write;
  }

  private async writeAll(buf: Buffer): Promise<void> {
    for (let off = 0; off < buf.length;) off += (await this.fh.write(buf, off)).bytesWritten;
  }
}

import { mkdtemp, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileDigestCache } from "./digest-cache.js";
import { sha256File } from "./hash.js";

async function scratch(): Promise<{ dir: string; cachePath: string }> {
  const dir = await mkdtemp(join(tmpdir(), "ql-digests-"));
  return { dir, cachePath: join(dir, "cache", "file-digests.json") };
}

describe("FileDigestCache", () => {
  it("gives the file's sha256 and keeps it across processes", async () => {
    const { dir, cachePath } = await scratch();
    const file = join(dir, "weights.bin");
    await writeFile(file, "first content");
    const cache = await FileDigestCache.open(cachePath);
    expect(await cache.digest(file)).toBe(await sha256File(file));
    await cache.save();
    const saved = JSON.parse(await readFile(cachePath, "utf8"));
    expect(saved[file].sha256).toBe(await sha256File(file));
  });

  it("answers from the cache while the file is unchanged (it does not read it again)", async () => {
    const { dir, cachePath } = await scratch();
    const file = join(dir, "weights.bin");
    await writeFile(file, "content");
    const first = await FileDigestCache.open(cachePath);
    await first.digest(file);
    await first.save();
    // A planted digest comes back as is: proof that an unchanged file is not hashed again.
    const saved = JSON.parse(await readFile(cachePath, "utf8"));
    saved[file].sha256 = "planted";
    await writeFile(cachePath, JSON.stringify(saved));
    expect(await (await FileDigestCache.open(cachePath)).digest(file)).toBe("planted");
  });

  it("rehashes a file edited in place even when size and modification time are put back", async () => {
    const { dir, cachePath } = await scratch();
    const file = join(dir, "predictions.jsonl");
    await writeFile(file, "aaaa");
    await utimes(file, 1_000_000, 1_000_000);
    const cache = await FileDigestCache.open(cachePath);
    const before = await cache.digest(file);
    await writeFile(file, "bbbb");
    await utimes(file, 1_000_000, 1_000_000);
    expect((await stat(file)).mtimeMs).toBe(1_000_000_000);
    const after = await cache.digest(file);
    expect(after).not.toBe(before);
    expect(after).toBe(await sha256File(file));
  });

  it("merges its entries with those another process saved meanwhile", async () => {
    const { dir, cachePath } = await scratch();
    const [a, b] = [join(dir, "a"), join(dir, "b")];
    await writeFile(a, "a");
    await writeFile(b, "b");
    const one = await FileDigestCache.open(cachePath);
    const two = await FileDigestCache.open(cachePath);
    await one.digest(a);
    await two.digest(b);
    await one.save();
    await two.save();
    expect(Object.keys(JSON.parse(await readFile(cachePath, "utf8"))).sort()).toEqual([a, b]);
  });

  it("throws for a missing file, as stat does", async () => {
    const { dir, cachePath } = await scratch();
    await expect((await FileDigestCache.open(cachePath)).digest(join(dir, "gone"))).rejects.toThrow(/ENOENT/);
  });
});

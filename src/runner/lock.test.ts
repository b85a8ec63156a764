import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeHolder, FileLock, isHeld, readOwner, type LockOwner } from "./lock.js";

describe("FileLock", () => {
  const dirs: string[] = [];
  const tmp = async () => {
    const d = await mkdtemp(join(tmpdir(), "ql-lock-"));
    dirs.push(d);
    return join(d, ".lock");
  };
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("is exclusive while its holder lives, and free once released", async () => {
    const path = await tmp();
    const a = await FileLock.acquire(path, { purpose: "A" });
    expect(a.ok).toBe(true);
    const b = await FileLock.acquire(path, { purpose: "B" });
    expect(b).toMatchObject({ ok: false, holder: { purpose: "A", pid: process.pid, host: hostname() } });
    expect(await isHeld(path)).toBe(true);
    if (a.ok) await a.lock.release();
    expect(await isHeld(path)).toBe(false);
    const c = await FileLock.acquire(path, { purpose: "C" });
    expect(c.ok).toBe(true);
    if (c.ok) await c.lock.release();
  });

  it("breaks at once a lock whose holder died on this host", async () => {
    const path = await tmp();
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid!;
    const owner: LockOwner = {
      token: "t",
      pid: dead,
      host: hostname(),
      purpose: "gone",
      heartbeat: Date.now(),
      started: 0,
    };
    await writeFile(path, JSON.stringify(owner));
    const r = await FileLock.acquire(path, { purpose: "new" });
    expect(r.ok).toBe(true);
    if (r.ok) await r.lock.release();
  });

  it("is not stale while a process its dead holder recorded still runs (issue 18)", async () => {
    const path = await tmp();
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid!;
    // An engine worker that outlived its driver (SIGKILLed), still writing into its run's folder.
    const orphan = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    const gone = new Promise((r) => orphan.once("exit", r));
    try {
      const owner: LockOwner = {
        token: "t",
        pid: dead,
        host: hostname(),
        purpose: "quicklearn run",
        heartbeat: Date.now() - 3_600_000,
        started: 0,
        pids: [orphan.pid!],
      };
      await writeFile(path, JSON.stringify(owner));
      const r = await FileLock.acquire(path, { purpose: "resume", staleMs: 1000 });
      expect(r.ok).toBe(false);
      expect(await isHeld(path, 1000)).toBe(true);
      if (!r.ok)
        expect(describeHolder(r.holder)).toMatch(
          new RegExp(`pid ${dead} on .* is gone, but its engine process ${orphan.pid} still runs`),
        );
    } finally {
      orphan.kill("SIGKILL");
      await gone;
    }
    const r = await FileLock.acquire(path, { purpose: "resume", staleMs: 1000 });
    expect(r.ok).toBe(true);
    if (r.ok) await r.lock.release();
  });

  it("records its holder's processes when taken and at each refresh", async () => {
    const path = await tmp();
    let pids: (number | undefined)[] = [undefined, 4242];
    const r = await FileLock.acquire(path, { purpose: "A", processes: () => pids });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(await readOwner(path)).toMatchObject({ pid: process.pid, pids: [4242] });
    pids = [4242, 4343, 4343];
    expect(await r.lock.refresh()).toBe(true);
    expect(await readOwner(path)).toMatchObject({ pids: [4242, 4343] });
    await r.lock.release();
  });

  it("breaks a lock of another host only after its heartbeat is stale", async () => {
    const path = await tmp();
    const owner: LockOwner = {
      token: "t",
      pid: 1,
      host: "elsewhere",
      purpose: "remote",
      heartbeat: Date.now(),
      started: 0,
    };
    await writeFile(path, JSON.stringify(owner));
    expect((await FileLock.acquire(path, { purpose: "new", staleMs: 60_000 })).ok).toBe(false);
    await writeFile(path, JSON.stringify({ ...owner, heartbeat: Date.now() - 120_000 }));
    const r = await FileLock.acquire(path, { purpose: "new", staleMs: 60_000 });
    expect(r.ok).toBe(true);
    if (r.ok) await r.lock.release();
  });

  it("refreshes its heartbeat and notices when the lock was taken from it", async () => {
    const path = await tmp();
    let lost = false;
    const r = await FileLock.acquire(path, { purpose: "A", staleMs: 1000, onLost: () => (lost = true) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const before = JSON.parse(await readFile(path, "utf8")).heartbeat;
    // The heartbeat timer (every staleMs / 3) moves it on; wait for that, not for a fixed time.
    const deadline = Date.now() + 10_000;
    while (JSON.parse(await readFile(path, "utf8")).heartbeat <= before) {
      expect(Date.now(), "the heartbeat did not move within 10 s").toBeLessThan(deadline);
      await new Promise((res) => setTimeout(res, 20));
    }
    await writeFile(
      path,
      JSON.stringify({ token: "other", pid: 1, host: "x", purpose: "B", heartbeat: Date.now(), started: 0 }),
    );
    expect(await r.lock.refresh()).toBe(false);
    expect(lost).toBe(true);
    await r.lock.release();
    expect(JSON.parse(await readFile(path, "utf8")).token).toBe("other");
  });
});

import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { describeHolder, FileLock, isHeld, readOwner, startTicks, type LockOwner } from "./lock.js";

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

  describe.runIf(existsSync("/proc/self/stat"))(
    "a pid reused by another process (Linux: start times)",
    () => {
      const boot = () => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
      const ours = (extra: Partial<LockOwner>): LockOwner => ({
        token: "t",
        pid: process.pid,
        host: hostname(),
        purpose: "quicklearn run",
        heartbeat: Date.now(),
        started: 0,
        ...extra,
      });

      it("records the boot and the start time of its owner and of its processes", async () => {
        const path = await tmp();
        const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
        const gone = new Promise((r) => child.once("exit", r));
        try {
          const r = await FileLock.acquire(path, { purpose: "A", processes: () => [child.pid] });
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          const starts = { [process.pid]: startTicks(process.pid), [child.pid!]: startTicks(child.pid!) };
          expect(await readOwner(path)).toMatchObject({ boot: boot(), starts });
          // Once recorded, a start time stays: after the process ends its pid may name another one.
          child.kill("SIGKILL");
          await gone;
          // The processes callback still lists it (as a stale list would); its start time must not change.
          expect(await r.lock.refresh()).toBe(true);
          expect(await readOwner(path)).toMatchObject({ pids: [child.pid], starts });
          await r.lock.release();
        } finally {
          child.kill("SIGKILL");
          await gone;
        }
      });

      it("is held while the pid is alive with the recorded start time, stale with another one", async () => {
        const path = await tmp();
        const start = startTicks(process.pid)!;
        expect(start).toBeGreaterThan(0);
        await writeFile(path, JSON.stringify(ours({ boot: boot(), starts: { [process.pid]: start } })));
        expect(await isHeld(path)).toBe(true);
        expect((await FileLock.acquire(path, { purpose: "new" })).ok).toBe(false);

        // The same pid, started at another time: a process that got the crashed holder's pid.
        await writeFile(path, JSON.stringify(ours({ boot: boot(), starts: { [process.pid]: start + 1 } })));
        expect(await isHeld(path)).toBe(false);
        const r = await FileLock.acquire(path, { purpose: "new" });
        expect(r.ok).toBe(true);
        if (r.ok) await r.lock.release();
      });

      it("is stale when it was written in another boot, whatever the pid", async () => {
        const path = await tmp();
        const start = startTicks(process.pid)!;
        const other = "00000000-0000-0000-0000-000000000000";
        await writeFile(path, JSON.stringify(ours({ boot: other, starts: { [process.pid]: start } })));
        expect(await isHeld(path)).toBe(false);
        // Without boot and start times (another OS, an older lock file): the pid alone decides.
        await writeFile(path, JSON.stringify(ours({})));
        expect(await isHeld(path)).toBe(true);
      });

      it("does not count a recorded engine pid that now names another process", async () => {
        const path = await tmp();
        const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid!;
        // The engine pid recorded is alive (this very process), but it started at another time.
        const start = startTicks(process.pid)!;
        const holder = ours({
          pid: dead,
          heartbeat: Date.now() - 3_600_000,
          pids: [process.pid],
          boot: boot(),
          starts: { [process.pid]: start + 1 },
        });
        await writeFile(path, JSON.stringify(holder));
        expect(await isHeld(path, 1000)).toBe(false);
        await writeFile(path, JSON.stringify({ ...holder, starts: { [process.pid]: start } }));
        expect(await isHeld(path, 1000)).toBe(true);
      });
    },
  );

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

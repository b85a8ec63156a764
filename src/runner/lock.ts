import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { link, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { writeJsonAtomic } from "../util/fs.js";

/**
 * A lock that works on network filesystems without flock(): a file created with O_EXCL (atomic on NFSv3+
 * and local filesystems) holding its owner (pid, host, a random token, the pids of its engine processes)
 * and a heartbeat the owner refreshes. A lock is stale when its heartbeat is older than `staleMs`, or at
 * once when its owner ran on this host and no process of it is alive any more: neither the owner (SIGKILL,
 * power loss of a laptop), so a resume right after a crash needs no wait, nor an engine process it started,
 * which may still be writing into the run's folder (an orphan outlives its driver until it notices).
 *
 * A pid alone does not name a process for long: after a crash or a reboot another process may get it and
 * would keep the lock alive forever. So on Linux the lock also records the boot it was taken in and each
 * recorded process's start time, and a live pid whose boot or start time differs is not the holder.
 *
 * Hand-written because the usual library (proper-lockfile) judges staleness by mtime only and keeps no
 * owner in the lock: it cannot tell a dead local owner at once, nor say who holds the lock.
 */

export interface LockOwner {
  token: string;
  pid: number;
  host: string;
  /** What holds it, for messages: "quicklearn run", "worker". */
  purpose: string;
  /** The owner's other processes on its host (engine workers, torchrun), as of the last heartbeat. */
  pids?: number[];
  /** Linux: /proc/sys/kernel/random/boot_id when the lock was written: another boot, every process is gone. */
  boot?: string;
  /**
   * Linux: the start time of the owner and of each of its recorded processes, by pid, in clock ticks since
   * boot (field 22 of /proc/<pid>/stat): a live pid with another start time was reused by another process.
   */
  starts?: Record<string, number>;
  /** ms since the epoch, refreshed every staleMs / 4. */
  heartbeat: number;
  started: number;
}

export interface LockOptions {
  purpose: string;
  /** A lock whose heartbeat is older than this is broken (default 60 s, or $QUICKLEARN_LOCK_STALE_S). */
  staleMs?: number;
  /** Called when the lock was taken from us (our heartbeat stalled longer than staleMs). */
  onLost?: () => void;
  /**
   * The owner's other processes now (engine workers, torchrun): recorded at every heartbeat (and refresh()),
   * so that the lock is not judged stale while one of them lives on after its owner died.
   */
  processes?: () => readonly (number | undefined)[];
}

export function defaultStaleMs(): number {
  const s = Number(process.env.QUICKLEARN_LOCK_STALE_S);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 60_000;
}

export type AcquireResult = { ok: true; lock: FileLock } | { ok: false; holder: LockOwner | null };

export class FileLock {
  private timer: NodeJS.Timeout | null = null;
  private released = false;

  private constructor(
    readonly path: string,
    private owner: LockOwner,
    private readonly opts: Required<Omit<LockOptions, "onLost" | "processes">> &
      Pick<LockOptions, "onLost" | "processes">,
  ) {}

  /** Try once to take the lock (breaking it if stale); never waits for a live holder. */
  static async acquire(path: string, options: LockOptions): Promise<AcquireResult> {
    const opts = { staleMs: defaultStaleMs(), ...options };
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = Date.now();
      const processes = processesOf(opts.processes);
      const owner: LockOwner = {
        token: randomBytes(8).toString("hex"),
        pid: process.pid,
        host: hostname(),
        purpose: opts.purpose,
        heartbeat: now,
        started: now,
        ...processes,
        ...identityOf([process.pid, ...(processes.pids ?? [])]),
      };
      if (await createExclusive(path, JSON.stringify(owner))) {
        const lock = new FileLock(path, owner, opts);
        lock.startHeartbeat();
        return { ok: true, lock };
      }
      const holder = await readOwner(path);
      if (holder === "absent") continue;
      if (holder === "unreadable") {
        // Debris of a create whose owner died before writing: old enough means nobody is writing it.
        if (!(await olderThan(path, opts.staleMs)) || !(await breakStale(path, holder)))
          return { ok: false, holder: null };
        continue;
      }
      if (!isStale(holder, opts.staleMs)) return { ok: false, holder };
      if (!(await breakStale(path, holder))) return { ok: false, holder };
    }
    const holder = await readOwner(path);
    return { ok: false, holder: typeof holder === "string" ? null : holder };
  }

  /** Refresh the heartbeat now; false (and onLost) when the file no longer holds our token. */
  async refresh(): Promise<boolean> {
    if (this.released) return false;
    const current = await readOwner(this.path);
    if (typeof current === "string" || current.token !== this.owner.token) {
      this.stopHeartbeat();
      this.released = true;
      this.opts.onLost?.();
      return false;
    }
    const owner = { ...this.owner, heartbeat: Date.now(), ...processesOf(this.opts.processes) };
    this.owner = { ...owner, ...identityOf([owner.pid, ...(owner.pids ?? [])], owner.starts) };
    await writeJsonAtomic(this.path, this.owner);
    return true;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stopHeartbeat();
    const current = await readOwner(this.path);
    if (typeof current !== "string" && current.token === this.owner.token)
      await unlink(this.path).catch(() => {});
  }

  private startHeartbeat(): void {
    this.timer = setInterval(
      () => {
        this.refresh().catch(() => {});
      },
      Math.max(250, this.opts.staleMs / 4),
    );
    this.timer.unref();
  }

  private stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    await fh.writeFile(content);
  } finally {
    await fh.close();
  }
  return true;
}

/** The owner in a lock file; "unreadable" for a file caught between create and write (or garbage). */
export async function readOwner(path: string): Promise<LockOwner | "absent" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw e;
  }
  try {
    const v = JSON.parse(text) as LockOwner;
    return typeof v.token === "string" && typeof v.heartbeat === "number" ? v : "unreadable";
  } catch {
    return "unreadable";
  }
}

/**
 * Whether a holder is certainly gone. On this host: its owner's pid is dead and so is every process it
 * recorded (an engine still alive may be writing its run's checkpoint), or, while the owner lives, its
 * heartbeat is older than staleMs (a stopped or hung owner). On another host: the heartbeat alone.
 */
export function isStale(holder: LockOwner | "unreadable", staleMs: number): boolean {
  // An unreadable file is a lock being created right now (or debris): give its owner a heartbeat's time.
  if (holder === "unreadable") return false;
  if (holder.host === hostname() && !holderProcessAlive(holder, holder.pid))
    return liveProcesses(holder).length === 0;
  return Date.now() - holder.heartbeat > staleMs;
}

/** The holder's recorded processes still alive on this host ([] for a holder of another host). */
export function liveProcesses(holder: LockOwner): number[] {
  if (holder.host !== hostname()) return [];
  return (holder.pids ?? []).filter((pid) => holderProcessAlive(holder, pid));
}

function processesOf(processes: LockOptions["processes"]): { pids?: number[] } {
  const pids = processes?.().filter((p): p is number => p !== undefined && p > 0) ?? [];
  return pids.length ? { pids: [...new Set(pids)] } : {};
}

/** Whether `lock` is held by a live owner (for status: a run marked running whose owner is gone is interrupted). */
export async function isHeld(path: string, staleMs = defaultStaleMs()): Promise<boolean> {
  const holder = await readOwner(path);
  if (holder === "absent") return false;
  return !isStale(holder, staleMs);
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return true;
  }
}

/**
 * Whether `pid` on this host is still the holder's process: alive, and (where the lock recorded them) in the
 * same boot with the same start time. A lock without them (written elsewhere than Linux, or by an older
 * quicklearn), or a machine whose /proc cannot tell, falls back to the pid alone.
 */
function holderProcessAlive(holder: LockOwner, pid: number): boolean {
  if (!pidAlive(pid)) return false;
  const boot = bootId();
  if (holder.boot === undefined || boot === undefined) return true;
  if (holder.boot !== boot) return false;
  const recorded = holder.starts?.[String(pid)];
  const now = startTicks(pid);
  return recorded === undefined || now === undefined || now === recorded;
}

/**
 * The boot and start times that name these processes beyond their pids ({} where /proc cannot tell). A start
 * time already `known` is kept: it is the process we recorded, even if its pid has been reused since.
 */
function identityOf(
  pids: readonly number[],
  known: Record<string, number> = {},
): Pick<LockOwner, "boot" | "starts"> {
  const boot = bootId();
  if (boot === undefined) return {};
  const starts: Record<string, number> = {};
  for (const pid of pids) {
    const t = known[String(pid)] ?? startTicks(pid);
    if (t !== undefined) starts[String(pid)] = t;
  }
  return { boot, starts };
}

let cachedBootId: string | null | undefined;

/** This boot's id (Linux), read once: it cannot change while we run. */
function bootId(): string | undefined {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId ?? undefined;
}

/** A process's start time in clock ticks since boot: field 22 of /proc/<pid>/stat (Linux), else undefined. */
export function startTicks(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Field 2, the command name in parentheses, may itself hold spaces and ")": count from the last one.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[22 - 3]);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Remove a stale lock without removing a fresh one another process took meanwhile: move it aside
 * (rename is atomic), check that what moved is the stale lock we judged, and put it back if it was not.
 */
async function breakStale(path: string, judged: LockOwner | "unreadable"): Promise<boolean> {
  const aside = `${path}.stale-${randomBytes(4).toString("hex")}`;
  try {
    await rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw e;
  }
  const moved = await readOwner(aside);
  const same =
    judged === "unreadable"
      ? moved === "unreadable"
      : typeof moved !== "string" && moved.token === judged.token;
  if (same) {
    await unlink(aside).catch(() => {});
    return true;
  }
  // We moved someone's fresh lock: restore it unless yet another process has created one since.
  await link(aside, path).catch(() => {});
  await unlink(aside).catch(() => {});
  return false;
}

export function describeHolder(holder: LockOwner | null): string {
  if (!holder) return "another process (its lock file is being written)";
  const ago = Math.max(0, Math.round((Date.now() - holder.heartbeat) / 1000));
  const orphans =
    holder.host === hostname() && !holderProcessAlive(holder, holder.pid) ? liveProcesses(holder) : [];
  if (orphans.length)
    return (
      `${holder.purpose} (pid ${holder.pid} on ${holder.host} is gone, but its engine process ` +
      `${orphans.join(", ")} still runs; it ends by itself, or stop it: kill ${orphans.join(" ")})`
    );
  return `${holder.purpose} (pid ${holder.pid} on ${holder.host}, alive ${ago} s ago)`;
}

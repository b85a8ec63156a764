import { UserError } from "../util/errors.js";

/**
 * The local pool's GPUs when mtl runs take several (`--gpus 0,1,2,3 --mtl-processes N`). Pure bookkeeping,
 * unit-tested alone; the local executor drives it.
 *
 * A one-process run uses its worker's GPU; an mtl run needs N GPUs to itself. The worker that takes an mtl
 * run reserves N GPUs at once (its own first, then those with the fewest engines) and starts when no engine
 * is left on them. Workers on a reserved GPU take no new run and stop their engine (an idle engine still holds
 * its model in GPU memory). Reserving before the GPUs are free means a stream of single-task runs cannot
 * starve the mtl run; a second mtl run is taken only where N GPUs are not reserved yet.
 */
export class GpuPool {
  private readonly gpus: number[];
  /** Live one-process engines per GPU. */
  private readonly engines = new Map<number, number>();
  /** GPU -> the mtl run it is reserved for. */
  private readonly reservedFor = new Map<number, string>();

  constructor(
    gpus: readonly number[],
    readonly processes: number,
  ) {
    this.gpus = [...new Set(gpus)];
    if (processes > this.gpus.length)
      throw new UserError(
        `--mtl-processes ${processes} needs ${processes} GPUs, but --gpus gives ${this.gpus.length}`,
        `give at least ${processes} GPUs with --gpus, or fewer processes`,
      );
  }

  /** Whether the worker on `gpu` may take a run now: an mtl run also needs N GPUs not reserved yet. */
  canTake(gpu: number, mtl: boolean): boolean {
    if (this.reservedFor.has(gpu)) return false;
    return !mtl || this.unreserved().length >= this.processes;
  }

  /** Reserve N GPUs for `run`, taken by the worker on `home`; returns them in ascending order. */
  reserve(run: string, home: number): number[] {
    if (!this.canTake(home, true)) throw new Error(`GPU ${home} cannot take mtl run ${run} now`);
    const others = this.unreserved()
      .filter((g) => g !== home)
      .sort((a, b) => this.enginesOn(a) - this.enginesOn(b) || a - b);
    const chosen = [home, ...others.slice(0, this.processes - 1)].sort((a, b) => a - b);
    for (const g of chosen) this.reservedFor.set(g, run);
    return chosen;
  }

  /** Whether `run`'s GPUs have no engine left on them: it may start. */
  isFree(run: string): boolean {
    return this.gpus.every((g) => this.reservedFor.get(g) !== run || this.enginesOn(g) === 0);
  }

  release(run: string): void {
    for (const [g, r] of this.reservedFor) if (r === run) this.reservedFor.delete(g);
  }

  /** Whether an mtl run holds or waits for this GPU (its workers stop their engines). */
  isReserved(gpu: number): boolean {
    return this.reservedFor.has(gpu);
  }

  engineStarted(gpu: number): void {
    this.engines.set(gpu, this.enginesOn(gpu) + 1);
  }

  engineStopped(gpu: number): void {
    this.engines.set(gpu, Math.max(0, this.enginesOn(gpu) - 1));
  }

  private enginesOn(gpu: number): number {
    return this.engines.get(gpu) ?? 0;
  }

  private unreserved(): number[] {
    return this.gpus.filter((g) => !this.reservedFor.has(g));
  }
}

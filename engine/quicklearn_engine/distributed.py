"""Data parallelism: one run trained by several processes that torchrun (or srun + torchrun) started.

Every process loads the same model and encodes the same data; the data order is a pure function of
(seed, epoch), so every process knows every optimizer step's examples without any exchange. Each step's
examples are dealt out across the processes (`Parallel.micro_steps`), each process back-propagates its
share scaled by 1 / (target tokens of the WHOLE step), and the gradients are summed across processes
(DDP, which averages, so the share is also multiplied by the world size). The update, the logged loss
and the global effective batch are therefore those of one process: only the arithmetic order differs.

`Single` is the one-process case with the same interface, so that train.py has one code path.
Only rank 0 writes outputs (predictions, logs, stats, checkpoints, the model); see run.py.
"""

import contextlib
import dataclasses
import os
from typing import Callable, Iterator, Sequence

import torch
import torch.distributed as dist

from .data import Example


class Single:
    """One process: every example is ours, nothing to synchronise."""

    rank = 0
    world_size = 1
    is_main = True
    # Multiplies each process's share of the loss before backward (DDP averages gradients).
    grad_scale = 1

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        return model

    def micro_steps(
        self, group: list[Example], split: Callable[[list[Example]], list[list[Example]]]
    ) -> Iterator[tuple[list[Example], float, bool]]:
        """(micro-batch, weight, is_last) for this process; weight 0 marks a stand-in with no share."""
        mbs = split(group)
        for i, mb in enumerate(mbs):
            yield mb, 1.0, i == len(mbs) - 1

    def accumulating(self, model: torch.nn.Module, last: bool):
        """Context for one micro-batch's forward + backward: gradients are synchronised on the last only."""
        return contextlib.nullcontext()

    def sum(self, value: float) -> float:
        return value

    def shard(self, items: Sequence) -> list:
        return list(items)

    def gather(self, items: list) -> list:
        return items

    def barrier(self) -> None:
        pass


class Parallel(Single):
    """This process's place among `world_size` processes of one run (torchrun's environment)."""

    def __init__(self, rank: int, world_size: int, local_rank: int, backend: str):
        self.rank = rank
        self.world_size = world_size
        self.local_rank = local_rank
        self.backend = backend

    @property
    def is_main(self) -> bool:  # type: ignore[override]
        return self.rank == 0

    @property
    def grad_scale(self) -> int:  # type: ignore[override]
        return self.world_size

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        from torch.nn.parallel import DistributedDataParallel

        if device.type != "cuda":
            return DistributedDataParallel(model)
        index = device.index if device.index is not None else torch.cuda.current_device()
        return DistributedDataParallel(model, device_ids=[index], output_device=index)

    def micro_steps(self, group, split):
        mine = share(group, self.rank, self.world_size)
        if not mine:
            # A short last step with fewer examples than processes: this process still takes part in the
            # gradient all-reduce, with a zero-weighted stand-in example.
            yield group[:1], 0.0, True
            return
        yield from super().micro_steps(mine, split)

    def accumulating(self, model, last: bool):
        return contextlib.nullcontext() if last else model.no_sync()

    def sum(self, value: float) -> float:
        t = torch.tensor([value], dtype=torch.float64, device=self._comm_device())
        dist.all_reduce(t)
        return float(t.item())

    def shard(self, items: Sequence) -> list:
        return list(items[self.rank :: self.world_size])

    def gather(self, items: list) -> list:
        """Every process's `shard(...)` results put back in the original order (on every process)."""
        parts: list = [None] * self.world_size
        dist.all_gather_object(parts, items)
        out: list = [None] * sum(len(p) for p in parts)
        for r, part in enumerate(parts):
            out[r :: self.world_size] = part
        return out

    def barrier(self) -> None:
        dist.barrier()

    def _comm_device(self) -> torch.device:
        if self.backend == "nccl":
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("cpu")


def share(group: list[Example], rank: int, world_size: int) -> list[Example]:
    """This rank's examples of a step: the step sorted by length and dealt round-robin, so that every rank
    gets a similar number of padded tokens (the equivalent of DistributedSampler, but within a step)."""
    ordered = sorted(group, key=lambda e: (len(e.source_ids), len(e.target_ids), e.index), reverse=True)
    return ordered[rank::world_size]


def reindexed(examples: list[Example]) -> list[Example]:
    """Examples numbered 0..n-1, for a function that places its results by `Example.index`."""
    return [dataclasses.replace(e, index=i) for i, e in enumerate(examples)]


def world_size_from_env() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def init(device: str) -> Single:
    """Join the process group torchrun set up (NCCL on CUDA, gloo on CPU); a lone process gets Single().

    `device` is the spec's device after the caller's default: "cpu" forces gloo even where GPUs exist.
    On CUDA each process takes the GPU of its LOCAL_RANK (torchrun starts one process per GPU).
    """
    world = world_size_from_env()
    if world <= 1:
        return Single()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    cuda = device != "cpu" and torch.cuda.is_available()
    if cuda:
        torch.cuda.set_device(local_rank)
    backend = "nccl" if cuda else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return Parallel(dist.get_rank(), dist.get_world_size(), local_rank, backend)


def shutdown(par: Single) -> None:
    if isinstance(par, Parallel) and dist.is_initialized():
        dist.destroy_process_group()

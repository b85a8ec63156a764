"""Data parallelism: one run trained by several processes that torchrun (or srun + torchrun) started.

Every process loads the same model and encodes the same data; the data order is a pure function of
(seed, epoch), so every process knows every optimizer step's examples without any exchange. Each step's
examples are dealt out across the processes (`Parallel.micro_steps`), each process back-propagates its
share scaled by 1 / (target tokens of the WHOLE step), and the gradients are summed across processes
(DDP, which averages, so the share is also multiplied by the world size). The update, the logged loss
and the global effective batch are therefore those of one process: only the arithmetic order differs.

`Sharded` is the same with FSDP2 (`train.parallel: fsdp`): weights, gradients and optimizer state are
split across the processes, for a model whose training state does not fit one GPU.

`Single` is the one-process case with the same interface, so that train.py has one code path.
Only rank 0 writes outputs (predictions, logs, stats, checkpoints, the model); see run.py.
"""

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterator, Sequence

import torch
import torch.distributed as dist

from .data import Example
from .errors import EngineError


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

    # Checkpoint layout: "plain" states are model.state_dict() / optimizer.state_dict() (optimizer state keyed
    # by parameter index); "fsdp" ones are keyed by parameter name. A run resumes only from its own layout.
    layout = "plain"

    def training_state(self, model: torch.nn.Module, optimizer, trainable_only: bool) -> dict | None:
        """Weights and optimizer state to checkpoint, on the rank that writes (None on the others)."""
        if not self.is_main:
            return None
        if trainable_only:  # LoRA: the adapter weights only
            weights = {n: p.detach().cpu() for n, p in model.named_parameters() if p.requires_grad}
        else:
            weights = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        return {"model": weights, "optimizer": optimizer.state_dict()}

    def load_training_state(self, model: torch.nn.Module, optimizer, state: dict, trainable_only: bool):
        _, unexpected = model.load_state_dict(state["model"], strict=not trainable_only)
        if unexpected:
            raise EngineError("internal", f"checkpoint has unexpected weights: {unexpected[:3]}")
        optimizer.load_state_dict(state["optimizer"])

    def unwrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The trained model as a plain module with all its weights, for generation and saving."""
        return model

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

    def describe(self) -> dict:
        """For stats.json: how the run was spread."""
        return {"world_size": self.world_size, "backend": self.backend, "parallel": "ddp"}

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


class Sharded(Parallel):
    """FSDP2 (`fully_shard`): each transformer block's weights, gradients and AdamW state live split across
    the processes and are gathered block by block for its forward and backward.

    Every forward and backward is a collective, so every rank runs the same number of micro-batches per step
    (zero-weighted stand-ins fill up the shorter shares). Checkpoints hold full (unsharded) states keyed by
    parameter name, gathered to rank 0; after training the full weights are gathered into a plain copy of the
    model on every rank, so that generation (which runs a different number of forwards per rank) and saving
    need no collectives. The gradient reduction averages over ranks as DDP does: grad_scale is the same.
    """

    layout = "fsdp"

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        from torch.distributed.device_mesh import init_device_mesh
        from torch.distributed.fsdp import fully_shard

        self._plain_class = type(model)
        mesh = init_device_mesh(device.type, (self.world_size,))
        # One FSDP unit per block (T5Block, LlamaDecoderLayer, ...: the classes transformers never splits),
        # then the root for the rest (embeddings, final norms, LM head).
        blocks = set(getattr(model, "_no_split_modules", None) or ())
        for module in model.modules():
            if type(module).__name__ in blocks:
                fully_shard(module, mesh=mesh)
        fully_shard(model, mesh=mesh)
        self.parameters_per_rank = sum(p.to_local().numel() for p in model.parameters())
        return model

    def describe(self) -> dict:
        sharded = getattr(self, "parameters_per_rank", None)  # None: nothing was trained
        return {**super().describe(), "parallel": "fsdp", "parameters_per_rank": sharded}

    def micro_steps(self, group, split):
        # Every rank splits every rank's share (a pure function of the step), so all agree on the count.
        shares = [share(group, r, self.world_size) for r in range(self.world_size)]
        parts = [split(s) if s else [] for s in shares]
        n = max(1, max(len(p) for p in parts))
        mine = parts[self.rank]
        for i in range(n):
            if i < len(mine):
                yield mine[i], 1.0, i == n - 1
            else:
                yield group[:1], 0.0, i == n - 1

    @contextlib.contextmanager
    def accumulating(self, model, last: bool):
        # Gradients are reduce-scattered on the last micro-batch only; before it they accumulate unsharded.
        model.set_requires_gradient_sync(last)
        yield

    def training_state(self, model, optimizer, trainable_only: bool) -> dict | None:
        from torch.distributed.checkpoint.state_dict import (
            StateDictOptions,
            get_model_state_dict,
            get_optimizer_state_dict,
        )

        # A collective on every rank; with cpu_offload the full states land on rank 0 only.
        options = StateDictOptions(full_state_dict=True, cpu_offload=True)
        weights = get_model_state_dict(model, options=options)
        optim = get_optimizer_state_dict(model, optimizer, options=options)
        return {"model": weights, "optimizer": optim} if self.is_main else None

    def load_training_state(self, model, optimizer, state: dict, trainable_only: bool) -> None:
        from torch.distributed.checkpoint.state_dict import (
            StateDictOptions,
            set_model_state_dict,
            set_optimizer_state_dict,
        )

        options = StateDictOptions(full_state_dict=True)
        set_model_state_dict(model, state["model"], options=options)
        set_optimizer_state_dict(model, optimizer, state["optimizer"], options=options)

    def unwrap(self, model: torch.nn.Module) -> torch.nn.Module:
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

        # Without cpu_offload every rank receives the full tensors (inference fits one GPU).
        weights = get_model_state_dict(model, options=StateDictOptions(full_state_dict=True))
        device = next(iter(weights.values())).device
        with torch.device(device):
            plain = self._plain_class(model.config)
        plain.load_state_dict(weights, strict=True)
        plain.tie_weights()
        plain.generation_config = model.generation_config
        return plain.eval()


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


def init(device: str, parallel: str = "ddp") -> Single:
    """Join the process group torchrun set up (NCCL on CUDA, gloo on CPU); a lone process gets Single().

    `parallel` is the spec's `train.parallel`: "ddp" (Parallel) or "fsdp" (Sharded).

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
    kind = Sharded if parallel == "fsdp" else Parallel
    return kind(dist.get_rank(), dist.get_world_size(), local_rank, backend)


def shutdown(par: Single) -> None:
    if isinstance(par, Parallel) and dist.is_initialized():
        dist.destroy_process_group()

"""Device and precision choice. Asking for CUDA where there is none is an error, never a silent CPU run."""

from dataclasses import dataclass

import torch

from .errors import EngineError


@dataclass(frozen=True)
class Placement:
    device: torch.device
    # "bf16": bf16 autocast over fp32 master weights (the thesis recipe); "fp32": no autocast.
    precision: str

    @property
    def autocast_dtype(self):
        return torch.bfloat16 if self.precision == "bf16" else None

    def autocast(self):
        dtype = self.autocast_dtype
        return torch.autocast(device_type=self.device.type, dtype=dtype, enabled=dtype is not None)


def resolve_device(requested: str) -> torch.device:
    if requested == "cpu":
        return torch.device("cpu")
    available = torch.cuda.is_available()
    if requested == "cuda" and not available:
        raise EngineError(
            "cuda_unavailable",
            f"device 'cuda' was requested but no CUDA GPU is available to this process "
            f"(torch {torch.__version__}, built for CUDA {torch.version.cuda or 'none'}, "
            f"CUDA_VISIBLE_DEVICES={_visible_devices()}); set device to 'cpu' or 'auto'",
        )
    return torch.device("cuda" if available else "cpu")


def resolve_placement(device: str, precision: str) -> Placement:
    dev = resolve_device(device)
    if precision == "auto":
        precision = "bf16" if dev.type == "cuda" and torch.cuda.is_bf16_supported() else "fp32"
    elif precision == "bf16" and dev.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise EngineError(
            "cuda_unavailable", "precision 'bf16' was requested but this GPU does not support bf16"
        )
    return Placement(dev, precision)


def _visible_devices() -> str:
    import os

    v = os.environ.get("CUDA_VISIBLE_DEVICES")
    return "unset" if v is None else repr(v)

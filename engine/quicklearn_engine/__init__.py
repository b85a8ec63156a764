"""quicklearn's engine: fine-tuning and generation on PyTorch + Hugging Face transformers.

Driven from TypeScript (src/engine/) over a JSON-lines protocol, see `worker.py` and docs/engine.md.
"""

__version__ = "0.1.0"

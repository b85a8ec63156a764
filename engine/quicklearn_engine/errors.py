"""Errors the engine reports to its driver: a stable code plus a one-line message."""

# Codes a user can fix by changing the spec or the machine; the driver shows them without a traceback.
USER_CODES = frozenset(
    {"bad_spec", "bad_request", "model_not_found", "unknown_architecture", "cuda_unavailable", "data_error"}
)


class EngineError(Exception):
    """A failure with a code from docs/engine.md ("bad_spec", "model_not_found", "out_of_memory", ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def user_fault(self) -> bool:
        return self.code in USER_CODES

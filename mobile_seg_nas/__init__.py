"""mobile_seg_nas: what every package of the project shares: the error type for input a user can fix
(`UserInputError`) and file plumbing (atomic writes, JSON reading with one-line errors)."""

from mobile_seg_nas.errors import UserInputError, first_line
from mobile_seg_nas.files import (
    atomic_write,
    check_format,
    read_json,
    write_bytes,
    write_json,
    write_text,
)

__all__ = [
    "UserInputError",
    "atomic_write",
    "check_format",
    "first_line",
    "read_json",
    "write_bytes",
    "write_json",
    "write_text",
]

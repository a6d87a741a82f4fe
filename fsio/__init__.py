"""File helpers every layer may use; a leaf: imports nothing of this project."""
from .atomic import atomic_writer, private_dirs, sync_folder, write_atomic

__all__ = ["atomic_writer", "private_dirs", "sync_folder", "write_atomic"]

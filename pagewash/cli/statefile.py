"""What a long run remembers across restarts, in one JSON file in its output folder: the batch
ids ``clean --server`` has submitted, the files ``watch`` has finished.

The file is read once and written whole after each change, to ``NAME.part`` and then renamed,
so a crash leaves the old state or the new one, never half of either. Pool threads share one
``StateFile``: changes are made under its lock.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any


class StateFile:
    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        try:
            self.data: dict[str, Any] = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):  # none yet, or unreadable: start afresh
            self.data = {}

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def set(self, key: str, value: Any) -> None:
        """Remember ``value`` under ``key`` (``None`` forgets the key), and write the file."""
        with self.lock:
            if value is None:
                self.data.pop(key, None)
            else:
                self.data[key] = value
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".part")
            tmp.write_text(json.dumps(self.data, indent=1))
            tmp.replace(self.path)

"""Zip archives that are the same bytes whenever their contents are.

A zip records a modification time and permissions for every entry, and
writers add entries in whatever order they meet them. Here the entries are
sorted, every one carries the build's moment (:func:`anchor_sop.clock.now`)
and the same permissions, and compression is fixed, so the audit pack and
the XLSX export are reproducible.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import datetime

#: The earliest time a zip entry can carry (the format counts from 1980).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _entry(name: str, moment: datetime) -> zipfile.ZipInfo:
    stamp = max(moment.timetuple()[:6], ZIP_EPOCH)
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so the permissions below mean the same everywhere
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    return info


#: zlib's default level (the audit pack): 9 took five times as long as this for
#: a 7% smaller XLSX.
DEFAULT_LEVEL = 6


def zip_bytes(
    entries: Mapping[str, bytes], moment: datetime, compresslevel: int = DEFAULT_LEVEL
) -> bytes:
    """A zip of ``entries`` (archive name -> content), sorted, stamped with ``moment``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            archive.writestr(_entry(name, moment), entries[name], compresslevel=compresslevel)
    return buffer.getvalue()

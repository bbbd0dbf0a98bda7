"""The build's half of the preview's standby: set up, then wait for the edit.

The preview (``anchor_sop.preview``) starts its next build as soon as one
ends, and that build stops, once Sphinx has set it up (the extensions, the
configuration, the saved environment, the builder), at the last
``builder-inited`` listener. It waits there until the preview says go (a
page was saved: the build reads the sources from here on, so it sees the
edit) or is done with it (anything else changed: the build exits, and a
fresh one starts). The two pipes are named by :data:`STANDBY`, set only in
such a build's process.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx

#: The environment variable that makes a build wait: "GO,READY", the file
#: descriptors it reads its go from and writes that it is ready to.
STANDBY = "ANCHOR_SOP_STANDBY"
#: What the preview writes to the go pipe (closing it unwritten discards the build).
GO = b"g"
#: What the build writes to the ready pipe once it waits.
READY = b"r"


def _wait_for_go(_app: Sphinx) -> None:
    pipes = os.environ.pop(STANDBY, "")
    if not pipes:
        return
    go, ready = (int(fd) for fd in pipes.split(","))
    os.write(ready, READY)
    os.close(ready)
    told = os.read(go, len(GO))
    os.close(go)
    if told != GO:
        # discarded: the change needs a fresh start (nothing is written yet)
        os._exit(0)


def setup_preview_standby(app: Sphinx) -> None:
    # last of builder-inited: everything but the build itself is done
    app.connect("builder-inited", _wait_for_go, priority=999)

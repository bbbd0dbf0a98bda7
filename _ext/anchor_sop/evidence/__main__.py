"""``python -m anchor_sop.evidence``: place record files (run by ``nox -s record``)."""

import sys

from .place import main

sys.exit(main())

"""``python -m anchor_sop.audit``: the audit pack (:mod:`anchor_sop.audit.pack`)."""

import sys

from .pack import main

sys.exit(main())

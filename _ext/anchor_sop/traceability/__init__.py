"""Traceability: links resolved as pages are written (:mod:`.links`), the trace
report, its views and exports (:mod:`.report`), the changes since an earlier build
(:mod:`.changes`) and the reviewed-links baseline (:mod:`.baseline`)."""

"""The audit pack: the PDF build (:mod:`.pdf`), reproducible zips (:mod:`.archive`) and
the command that builds the pack (:mod:`.pack`, ``python -m anchor_sop.audit``)."""

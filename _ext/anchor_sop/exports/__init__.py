"""The files beside the HTML for auditors and tools: how they are declared and
written (:mod:`.files`), and the XLSX (:mod:`.spreadsheet`)."""

"""What authors write: a module per directive, each with a ``setup_*`` that registers it.

``policy`` and ``rule`` (:mod:`.policy`), ``checklist`` and ``item`` (:mod:`.checklist`),
``template`` (:mod:`.template`), ``responsibility-matrix`` (:mod:`.matrix`),
``policy-exception`` (:mod:`.exception`), ``gap``, ``gap-list`` and
``planned-pages`` (:mod:`.gaps`), ``section-cards`` (:mod:`.sections`).
"""

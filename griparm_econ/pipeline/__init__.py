"""The pipeline: the one sequencer of the study and everything it runs, in the order data flow.

``layout`` (where specs are found and outputs go) -> ``kinds`` (the spec-kind registry: how each kind is estimated,
written, checked for freshness and replicated; ``tables`` holds the table kinds' steps) -> ``check`` (specs
validated without data) -> ``figure_data``/``figure_kinds``/``figures`` (figure inputs, drawing steps, the figure
cache) -> ``records`` (index and manifest) -> ``sequencer`` (``griparm run`` / ``griparm tables``) -> ``replicate``
(``griparm replicate`` / ``report-freeze``). ``report/`` only formats and draws what the pipeline hands it and never
imports this package.
"""

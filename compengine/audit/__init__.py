"""The audit trail: the live-formula workbook, ``explain`` and one rep's ``audit`` workbook.

- :mod:`~compengine.audit.workbook` writes ``audit.xlsx`` from the engine's step columns
  (:mod:`~compengine.audit.sheets`, :mod:`~compengine.audit.breakdown`,
  :mod:`~compengine.audit.plan_sheet`, :mod:`~compengine.audit.rows`), with the rounding
  formulas of :mod:`~compengine.audit.formulas`, through the writer in
  :mod:`~compengine.audit.xlsx`.
- :mod:`~compengine.audit.rerun` reopens a finished run from its manifest;
  :mod:`~compengine.audit.explain` traces one row of it and :mod:`~compengine.audit.single`
  writes the workbook of one rep or team with the raw input rows.
"""

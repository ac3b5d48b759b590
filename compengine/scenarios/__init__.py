"""Plan changes modelled before they are announced: ``compare`` two plans, ``sweep`` one key.

- :mod:`.run` loads and validates the data once per distinct need and runs each scenario
  with the engine on those frames;
- :mod:`.relationship` says which pay rewards relationship behaviour and how each rep's
  report card scores;
- :mod:`.compare` and :mod:`.sweep` build the exact tables; :mod:`.workbook`,
  :mod:`.charts`, :mod:`.report` and :mod:`.write` present and write them.
"""

"""The exercise written out as on paper: numbers, typeset rows, the worked solution, its verdicts, the export."""

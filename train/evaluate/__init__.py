"""Evaluation harness: scoring, error analysis, reports, the string-match baseline and the
`evaluate` / `baseline` commands. `score_documents` is the one entry point for metrics.

Beside it: `bootstrap` (document-level intervals, paired differences), `outlets` (scores per
source), `calibration` (reliability, ECE, operating points), `min_score` (`predict
--min-score`), `figures` (learning curves, confusion matrix) and `run_report` (what `fit`
writes at the end of a run)."""

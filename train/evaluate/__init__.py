"""Evaluation harness: scoring, error analysis, reports, the string-match baseline and the
`evaluate` / `baseline` commands. `score_documents` is the one entry point for metrics."""

"""From predicted mentions to a picture of the war: `python -m train corpus`.

Predicts a corpus (or reads predictions), links every FACTION and LOCATION mention
(`train.link.linker`), folds near-duplicate articles together (MinHash), aggregates
relations between linked actors and places into edges, and writes `mentions.csv`,
`edges.csv`, `graph.graphml` and one offline `index.html` (`train.corpus.pipeline`).
"""

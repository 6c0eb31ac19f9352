"""Fine-tune AraBERT to find factions and locations in Arabic news and the relations between them.

Run `python -m train --help` for the steps: validate, dataset, fit, evaluate, predict, ...
"""

"""Label ids the model, the data and the decoder share (plain constants: importing them
does not import torch)."""

IGNORE_INDEX = -100
"""BIO label of positions no loss reads (special tokens, padding): `cross_entropy`'s default `ignore_index`."""

NO_RELATION = 0
"""Column of the no-relation label in the relation head's output (`JointConfig.relation_labels[0]`);
relation type k is column k + 1."""

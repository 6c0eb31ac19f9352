"""Model code: the joint encoder with a token head and a relation head, and where encoders come from."""

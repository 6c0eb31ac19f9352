"""Linking predicted mentions to canonical actors and places."""

"""Passwords, tokens, signing and personal-data encryption."""

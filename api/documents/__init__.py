"""Printable documents rendered server-side (PDF)."""

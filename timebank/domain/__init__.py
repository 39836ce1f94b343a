"""Pure domain model: aggregates, value rules and errors. No I/O here."""

"""Read models fed from the event log: each projection rebuildable alone, exactly once."""

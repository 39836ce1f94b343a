"""Write-side adapters beside the event store: the database engine and the key store."""

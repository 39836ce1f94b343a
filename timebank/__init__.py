"""公益时间银行 — event-sourced volunteer time bank and charity-fund ledger."""

__version__ = "0.1.0"

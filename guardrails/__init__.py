"""guardrails: pure checking of customer-service text against platform rules (no I/O)."""

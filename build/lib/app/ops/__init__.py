"""Operations: structured request logs, backups and database moves (no routes)."""

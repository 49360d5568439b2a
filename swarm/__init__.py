"""The vault (storage), Telegram workers, jobs and the ingestion pipeline (DESIGN §5, §7)."""

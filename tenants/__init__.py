"""White-label sites: domains, plans, billing and cached stats (DESIGN §3)."""

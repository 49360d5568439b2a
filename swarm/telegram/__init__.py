"""The swarm's Telegram runtime (DESIGN §7): gateways (fake and kurigram) and the per-process
asyncio loop that holds one role's clients."""

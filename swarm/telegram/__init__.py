"""The swarm's Telegram runtime (docs/design.md): gateways (fake and kurigram) and the per-process
asyncio loop that holds one role's clients."""

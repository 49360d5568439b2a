"""The Manager bot's commands, one module each: the handler (adapt the update, call a service,
reply) and its filter. ``bot.handlers.HANDLERS`` lists them for the client."""

"""The studio's provider clients (production generation): thin httpx clients whose base URL,
key and timeouts come from settings, each tested against a local server answering in the
provider's documented format. Keys are sent in headers only; they are never logged, shown or
stored in an execution. Each provider's generators are named in ``STUDIO_GENERATORS``."""

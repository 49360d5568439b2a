"""studio: the production studio where producers make series — projects → episodes → scenes,
a character bible, media assets, conversational sessions, background generation tasks and a
prompt registry (docs/studio.md).

Owns: ``Tier`` and ``Member`` (a user's studio role, preferences and subscription tier),
``Project`` (+ collaborators), ``Episode``, ``Character`` (+ relationships), ``Scene``,
``Media`` (bytes in the vault), ``Session``, ``Task`` (a studio view of a ``jobs.Job``: the
engine runs it), ``PromptTemplate`` / ``PromptVersion`` / ``PromptLabel`` /
``PromptExecution``; the one access rule (``policy``), the services (takes of a panel
included), the assistant that answers in a session (``assistant``), the offline generators
(``local``), the API under ``/api/studio/``, a project's progress socket
(``/ws/studio/projects/<id>/``) and the admin. The producer's pages are ``web``'s.

May import: ``catalog``, ``accounts``, ``jobs``, ``vault``, ``ingest``, ``media``, ``core``.
Nothing below imports it.
"""

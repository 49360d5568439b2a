"""studio: the production studio where producers make series — projects → episodes → scenes,
a character bible, media assets, conversational sessions, background generation tasks and a
prompt registry (docs/studio.md).

Owns: ``Tier`` and ``Member`` (a user's studio role, preferences and subscription tier),
``Project`` (+ collaborators), ``Episode``, ``Character`` (+ relationships), ``Scene``,
``Media`` (bytes in the vault), ``Session``, ``Task`` (a studio view of a ``jobs.Job``: the
engine runs it), ``PromptTemplate`` / ``PromptVersion`` / ``PromptLabel`` /
``PromptExecution``; the one access rule (``policy``), the services, the offline generators
(``local``), the API under ``/api/studio/`` and the admin.

May import: ``catalog``, ``accounts``, ``jobs``, ``vault``, ``ingest``, ``media``, ``core``.
Nothing below imports it.
"""

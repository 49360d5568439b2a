"""jobs: the durable Job record and the engine that runs it (docs/swarm.md).

Owns: ``Job`` (kind, status, payload, recorded steps, run token, heartbeats), the engine in
``jobs.engine`` (``job_create``, ``job_run``, claims by conditional UPDATE, backoff, the stale
sweep, ``job_cancel``/``job_retry``), the Celery tasks that run jobs per queue and the Job admin.

Handlers are registered by the apps that own the work, in their ``jobs.py`` module with
``@job_handler(kind, label=…, queue=…)``; ``JobsConfig.ready`` discovers those modules the way
Celery discovers ``tasks.py``. This app never imports its consumers: a kind is not a database choice
and the account a job used is a plain id (``worker_id``).

May import: ``core``, Django, Celery. Imported by: swarm, ingest, medic, bot.
"""

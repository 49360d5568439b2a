"""The pipeline's steps, one module each. A step is ``run(ctx)``: it reads what earlier steps
left in ``ctx.state`` (JSON), does one thing, and writes its outputs there. The engine records
each finished step, so a re-run (a crash, a retry) skips it: a step must be safe to run again
until it is recorded. ``ingest.pipeline`` lists the order; ``ingest.repair`` reuses the steps.

A source step only produces a file on this machine (``state["source"]["path"]``) and, when the
bytes already live in a vault backend (a Telegram message), where (``state["source"]["stored"]``).
"""

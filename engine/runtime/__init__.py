"""Running processes: instances (``instances``, ``instance_views``), human tasks (``inbox``, ``tasks``,
``comments``), SpiffWorkflow driven from wait state to wait state (``execution``, ``state``), and the
one module that writes a step (``step_writer``, with ``outbox`` for the jobs and notifications it leaves).
"""

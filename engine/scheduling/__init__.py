"""Work that happens later: the job table (``jobs``), the worker that runs it (``worker``) and what
each kind of job does (``handlers``: timers, reminders, escalations, e-mail via ``mailer``, scheduled
starts from ``schedules``), and the notifications people read (``notifications``)."""

"""The organisation: people, roles and reporting lines (``people``), units as a tree (``units``), joiners, movers
and leavers (``staffing``), the organisation's record of every change and who someone was on a day (``record``,
``as_of``), the organisation as a file (``org_file``), who may do what (``rights``, the one table of rights), and
signing in (``sign_in``: passwords, throttling, API tokens)."""

"""The organisation: people, roles and reporting lines (``people``), who may do what (``rights``,
the one table of rights), and signing in (``sign_in``: passwords, throttling, API tokens)."""

"""opsflow's domain core. It knows nothing of Flask or HTTP: the web app and the CLI call it.

Packages by concern, each depending only on those below it (``tests/engine/test_layering.py`` checks this):

    facade        Engine: the use cases by area (engine.work, .audit, .modeler, ...), one transaction
                  each, who acts named first; build_engine, the composition root
    appraisal     the appraisal domain (cycles, dashboard); registers its own hooks
    audit         the auditors' workspace (search, replay, heatmaps, access log) and exports
    modeler       drafts, validation on the diagram, semantic diff, migration of instances
    scheduling    jobs, the worker and its handlers, schedules, notifications as read, mail,
                  operations (incidents, retries), the working-day calendar's entered days
    runtime       instances, tasks, SpiffWorkflow execution and state, the one step writer
    definitions   bundles, parsing and validation, deploy, catalog, forms, sandbox, XML safety
    history       the hash-chained log, verification, replay
    org           people, roles, rights (one table), sign-in
    (base)        errors, models, db, clock, calendar, text_input, results (how results become JSON)
"""

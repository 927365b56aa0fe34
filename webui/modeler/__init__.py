"""The analysts' wing: the modeler (drafts, forms, decision tables), versions, diffs and migrations.

The blueprint is in ``views`` (imported by ``webui.setup``); ``problems`` is also used by the API.
"""

"""The analysts' modeler: drafts, validation with every problem on its element, versions, the semantic
diff between versions and the migration of running instances to a newer version.

Sits above ``engine.runtime`` (a migration writes instance steps); knows nothing of Flask.
"""

"""Sign-in through the organisation's directory (LDAP, Active Directory) and the import of its people and units.

Off unless ``OPSFLOW_LDAP_URL`` is set (``settings``). ``client`` talks to the directory (through ``ldap3``):
it checks a password by binding as the person and reads entries; ``sync`` turns the directory's people and units
into an organisation document (``engine.org.org_file``) that goes through the same checks as ``opsflow org import``.
"""

"""Process definitions: from a bundle of BPMN, DMN and form files to a stored, versioned process.

``bundle`` holds the files in memory (the disk loader is a thin wrapper). ``deploy_check`` is the one
check every deploy passes (the CLI's files, the API's uploads, the modeler's drafts, ``opsflow init``):
the deploy right, a change note, each file read once (hardened XML via ``xml_safety``), the lint rules
(``lint``) and the parser's checks (``parser``, ``checks``; scripts via ``sandbox``, forms via
``forms``). ``deploy`` stores what passed, as parsed; ``catalog`` hands the runtime a deployed version,
parsed once and cached. ``views`` are the JSON shapes the API sends (``Problem``, ``Deployment``).
"""

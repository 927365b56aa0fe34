"""Process definitions: from a bundle of BPMN, DMN and form files to a stored, versioned process.

``bundle`` holds the files in memory (the disk loader is a thin wrapper); ``parser`` and
``checks`` validate everything before anything is stored (hardened XML via ``xml_safety``,
scripts via ``sandbox``, forms via ``forms``); ``deploy`` stores new versions for those holding
the deploy right; ``catalog`` hands the runtime a deployed version, parsed once and cached.
"""

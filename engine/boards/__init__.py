"""Boards per process pack, where a manager looks: open complaints by SLA state, hazards by severity and age.

Each board lists only the instances its viewer may see, by the same rule as the instances themselves
(``engine.org.rights.visible_condition``)."""

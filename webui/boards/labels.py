"""The boards' words in the reader's language (the packs' start forms carry the same labels)."""

from __future__ import annotations

from ..i18n import _


def sla_label(state: str) -> str:
    return {"within": _("Within its deadlines"), "first_response_breached": _("First response late"),
            "resolution_breached": _("Resolution late")}.get(state, state)


def category_label(category: str) -> str:
    return {"supply": _("Gas supply"), "billing": _("Billing and meters"), "service": _("Staff conduct"),
            "repair": _("Installation and repair"), "other": _("Other")}.get(category, category)


def severity_label(severity: str) -> str:
    return {"major": _("Major hazard"), "moderate": _("Serious hazard"),
            "general": _("General hazard")}.get(severity, severity)


def section_label(section: str) -> str:
    return {"supply": _("Supply Section"), "dispatch": _("Dispatch Section"), "safety": _("Safety Section"),
            "customer_service": _("Customer Service Section")}.get(section, section)


def age_band_label(band: str) -> str:
    return {"0_2": _("0–2 days"), "3_7": _("3–7 days"), "8_30": _("8–30 days"),
            "over_30": _("Over 30 days")}.get(band, band)

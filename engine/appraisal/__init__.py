"""The appraisal domain: cycles that open one appraisal per reporting line (``cycles``, which
registers its hooks with the runtime itself) and the cycle dashboard (``dashboard``)."""

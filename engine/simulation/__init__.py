"""What-if simulation and route preview (流程预测) on the real model.

``fit`` reads a process's history into a scenario (``scenario``); ``run`` drives SpiffWorkflow itself
(``model``: the deployed spec or a draft's, the sandboxed scripts, the DMN tables) case by case on a
virtual clock, with a queue per role and people working office hours (``worktime``), the model's timers firing
on that clock (``timers``), returns and people away as fitted (``detours``), and gives ``figures``;
``backtest`` runs a fitted model against the later half of its history; ``preview`` runs one request's route
on a copy. Nothing here writes to the database or notifies anyone. No Flask.
"""

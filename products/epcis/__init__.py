"""The GS1 EPCIS 2.0 REST binding at /epcis/ (capture, capture jobs, event queries).

Its Celery task lives in ``products.epcis.tasks``; ``urls`` imports it so that a worker, which
loads the URL conf in its start-up checks, knows the task (Celery discovers ``<app>.tasks`` only).
"""

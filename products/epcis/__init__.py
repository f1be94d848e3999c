"""The GS1 EPCIS 2.0 REST binding at /epcis/ (capture, capture jobs, event queries)."""

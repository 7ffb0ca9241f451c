# One line per fuzz target: simkeep_add_fuzz(<name> DEPS <libraries>).
simkeep_add_fuzz(identifiers DEPS simkeep::domain)
simkeep_add_fuzz(ledger_ops DEPS simkeep::ledger)
simkeep_add_fuzz(json_request DEPS simkeep::http)

# One line per fuzz target: simkeep_add_fuzz(<name> DEPS <libraries>).

"""Derivation steps: one module each, with ORDER, NAME and run(store). See modelatlas.derive."""

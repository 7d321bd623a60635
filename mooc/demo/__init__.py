"""Demo data for `make run`: an organisation tree, accounts and each feature's step."""

"""Shared test helpers: the server under test, clients, forged tokens, processes, data
factories. Tests import from the module that holds a helper."""

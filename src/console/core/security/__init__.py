"""Security: console accounts, keyring credentials, signed audit checkpoints, encryption
at rest, TLS certificates, access review and access monitoring.

Everything here is Qt-free; the GUI and the CLI only call it.
"""

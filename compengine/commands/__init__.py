"""The commands of ``compengine``, one module per user: finance, auditors, sales leaders."""

"""The conversational terminal UI (Textual)."""

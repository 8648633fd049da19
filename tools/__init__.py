"""The agent's typed tools (t2v, i2v, v2v, extend, v2a, edit), each a thin, validated door into the engine."""

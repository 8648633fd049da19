import os

# Tests never reach a network: the sentence encoder and everything else load from local packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

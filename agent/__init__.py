"""The director: command line now; the LangGraph graph, storyboard state and LLM clients build on it."""

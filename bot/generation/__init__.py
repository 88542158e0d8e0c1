"""Text generation: the `Backend` interface (`base`) beside its implementations (`embedded`, the bundled
model on llama.cpp; `openai_compatible`, any OpenAI-compatible server) and the model file (`model_file`).
`bot.app` picks one from settings, so the interface never imports its implementations."""

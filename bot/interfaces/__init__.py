"""The edges people use: the `kabar` command line (`cli`, with `ask` and `ingest`), the terminal REPL
(`repl`) and the Telegram bot (`telegram`). Each parses input and renders an `Answer`, nothing more."""

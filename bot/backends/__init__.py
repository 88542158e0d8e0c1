"""Generation backends, one per module; the interface and the factory are in `bot.generation`."""

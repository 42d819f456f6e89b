"""Customer voice: what customers say in reviews and service messages (topics, unhappy customers,
intents and suggested answers). Models are declared in :mod:`retail.feedback.registry`."""

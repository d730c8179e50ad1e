"""What every test shares: the tiny parameters, the leak check, running the command line."""

"""How well search answers people: a judged query set over the demo network, run per backend (README.md)."""

"""Proof of consent beyond the event itself: the releases (what each visitor was shown) and
the proof document of one consent id."""
